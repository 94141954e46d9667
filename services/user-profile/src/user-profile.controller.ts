import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import {
  getUserRequestSchema,
  recordInteractionsRequestSchema,
  SUBJECTS,
  type RecordInteractionsResult,
  type UserDetail,
} from '@roster/contracts';
import { fail, ok, RequestData, type Reply } from '@roster/messaging';
import { parseOrFail } from '@roster/platform';
import { UserProfileService } from './user-profile.service';

@Controller()
export class UserProfileController {
  constructor(private readonly users: UserProfileService) {}

  @MessagePattern(SUBJECTS.userProfile.recordInteractions)
  async recordInteractions(@RequestData() payload: unknown): Promise<Reply<RecordInteractionsResult>> {
    const parsed = parseOrFail(recordInteractionsRequestSchema, payload);
    if (!parsed.ok) return parsed;
    return ok({ applied: await this.users.recordInteractions(parsed.value.items) });
  }

  @MessagePattern(SUBJECTS.userProfile.getUser)
  async getUser(@RequestData() payload: unknown): Promise<Reply<UserDetail>> {
    const parsed = parseOrFail(getUserRequestSchema, payload);
    if (!parsed.ok) return parsed;
    const user = await this.users.getUser(parsed.value.botId, parsed.value.userId);
    return user ? ok(user) : fail('not_found', 'no such bot user');
  }
}
