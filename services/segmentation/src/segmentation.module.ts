import { Module } from '@nestjs/common';
import { healthController } from '@roster/platform';
import { SegmentationController } from './segmentation.controller';
import { FieldDefinitionsProjection } from './field-definitions.projection';
import { UserListProjection } from './user-list.projection';

/** The user-list projection fed by BotUser integration events, and the queries over it. */
@Module({
  controllers: [SegmentationController, healthController('segmentation')],
  providers: [UserListProjection, FieldDefinitionsProjection],
})
export class SegmentationModule {}
