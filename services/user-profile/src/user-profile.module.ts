import { Module } from '@nestjs/common';
import { healthController, metricsController } from '@roster/platform';
import { CatalogService } from './catalog.service';
import { UserProfileController } from './user-profile.controller';
import { UserRecordController } from './user-record.controller';
import { UserProfileService } from './user-profile.service';

/** The event-sourced BotUser aggregate, the per-bot catalogs of tags and fields, the detail view and history. */
@Module({
  controllers: [UserProfileController, UserRecordController, healthController('user-profile'), metricsController('user-profile')],
  providers: [UserProfileService, CatalogService],
})
export class UserProfileModule {}
