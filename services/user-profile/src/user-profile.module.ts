import { Module } from '@nestjs/common';
import { healthController } from '@roster/platform';
import { UserProfileController } from './user-profile.controller';
import { UserProfileService } from './user-profile.service';

/** The event-sourced BotUser aggregate and the per-user detail view. */
@Module({
  controllers: [UserProfileController, healthController('user-profile')],
  providers: [UserProfileService],
})
export class UserProfileModule {}
