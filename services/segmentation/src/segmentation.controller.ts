import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { listUsersRequestSchema, SUBJECTS, type Page, type UserSummary } from '@roster/contracts';
import { fail, ok, RequestData, type Reply } from '@roster/messaging';
import { parseOrFail } from '@roster/platform';
import { InvalidCursorError } from '@roster/readstore';
import { toSummary, type UserListDoc } from './domain/user-list-doc';
import { UserListProjection } from './user-list.projection';

@Controller()
export class SegmentationController {
  constructor(private readonly projection: UserListProjection) {}

  /** The plain list: one bot's users, newest interaction first, ties by id; keyset pages. */
  @MessagePattern(SUBJECTS.segmentation.listUsers)
  async listUsers(@RequestData() payload: unknown): Promise<Reply<Page<UserSummary>>> {
    const parsed = parseOrFail(listUsersRequestSchema, payload);
    if (!parsed.ok) return parsed;
    const { botId, limit, cursor } = parsed.value;
    try {
      const page = await this.projection.users.find({
        filter: { field: 'botId', op: 'eq', value: botId },
        sort: { field: 'lastInteractionAt', order: 'desc' },
        limit,
        cursor,
      });
      return ok({ items: page.items.map((doc) => toSummary(doc as UserListDoc)), nextCursor: page.nextCursor });
    } catch (error) {
      if (error instanceof InvalidCursorError) return fail('invalid', error.message, { errors: [{ path: 'cursor', message: error.message }] });
      throw error;
    }
  }
}
