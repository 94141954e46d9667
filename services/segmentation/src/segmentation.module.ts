import { Module } from '@nestjs/common';
import { healthController, metricsController } from '@roster/platform';
import { SegmentationController } from './segmentation.controller';
import { ActiveWalks } from './active-walks';
import { FieldDefinitionsProjection } from './field-definitions.projection';
import { SearchService } from './search.service';
import { SegmentsService } from './segments.service';
import { UserListProjection } from './user-list.projection';

/** The user-list projection fed by BotUser integration events; search, count and saved segments over it. */
@Module({
  controllers: [SegmentationController, healthController('segmentation'), metricsController('segmentation')],
  providers: [ActiveWalks, UserListProjection, FieldDefinitionsProjection, SearchService, SegmentsService],
})
export class SegmentationModule {}
