import { Module } from '@nestjs/common';
import { healthController, metricsController } from '@roster/platform';
import { ChannelDirectory } from './channels/channel-directory';
import { ChannelsController } from './channels/channels.controller';
import { ChannelsService } from './channels/channels.service';
import { WebhookService } from './channels/webhook.service';
import { ConnectorIntake } from './connector-intake';
import { InboundProcessor } from './inbound-processor';
import { IngestionController } from './ingestion.controller';
import { IngestionService } from './ingestion.service';
import { RecentlyAccepted } from './recently-accepted';

/**
 * Normalized events and native platform webhooks in: channel connections, signature checks, validation,
 * de-duplication, identity resolution, then commands to user-profile.
 */
@Module({
  controllers: [IngestionController, ChannelsController, healthController('ingestion'), metricsController('ingestion')],
  providers: [IngestionService, InboundProcessor, RecentlyAccepted, ChannelDirectory, ChannelsService, WebhookService, ConnectorIntake],
})
export class IngestionModule {}
