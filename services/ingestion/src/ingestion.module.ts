import { Module } from '@nestjs/common';
import { healthController } from '@roster/platform';
import { InboundProcessor } from './inbound-processor';
import { IngestionController } from './ingestion.controller';
import { IngestionService } from './ingestion.service';

/** Normalized events in: validation, de-duplication, identity resolution, then commands to user-profile. */
@Module({
  controllers: [IngestionController, healthController('ingestion')],
  providers: [IngestionService, InboundProcessor],
})
export class IngestionModule {}
