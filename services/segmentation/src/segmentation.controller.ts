import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import {
  countUsersRequestSchema,
  createSegmentRequestSchema,
  listUsersRequestSchema,
  searchUsersRequestSchema,
  segmentRefRequestSchema,
  SUBJECTS,
  updateSegmentRequestSchema,
  type CountResult,
  type Page,
  type Segment,
  type UserSummary,
} from '@roster/contracts';
import { botOnlyRequestSchema } from '@roster/contracts';
import { deadlineOf, fail, RequestData, RequestMeta, type Reply } from '@roster/messaging';
import { answerRequest } from '@roster/platform';
import { DeadlineExceededError, InvalidCursorError } from '@roster/readstore';
import type { z } from 'zod';
import { SegmentNotFoundError } from './domain/segment';
import { InvalidFilterError, SearchService } from './search.service';
import { SegmentsService } from './segments.service';

const S = SUBJECTS.segmentation;
const NEWEST_FIRST = { by: 'lastInteractionAt', order: 'desc' } as const;

const translate = (error: unknown) => {
  if (error instanceof InvalidFilterError) return fail('invalid', error.message, { errors: error.errors });
  if (error instanceof InvalidCursorError) return fail('invalid', error.message, { errors: [{ path: 'cursor', message: error.message }] });
  if (error instanceof SegmentNotFoundError) return fail('not_found', error.message);
  // The caller gave up waiting (its RPC timeout): the count stopped rather than run on for nobody.
  if (error instanceof DeadlineExceededError) return fail('unavailable', error.message);
  return undefined;
};

const answer = <Sch extends z.ZodType, T>(schema: Sch, payload: unknown, work: (input: z.infer<Sch>) => Promise<T>): Promise<Reply<T>> =>
  answerRequest(schema, payload, work, translate);

/** Search, count, the plain list and saved segments over the user-list projection. */
@Controller()
export class SegmentationController {
  constructor(
    private readonly search: SearchService,
    private readonly segments: SegmentsService,
  ) {}

  /** The plain list: one bot's users, newest interaction first, ties by id; keyset pages. */
  @MessagePattern(S.listUsers)
  listUsers(@RequestData() p: unknown): Promise<Reply<Page<UserSummary>>> {
    return answer(listUsersRequestSchema, p, (r) => this.search.search(r.botId, undefined, NEWEST_FIRST, r.limit, r.cursor));
  }

  @MessagePattern(S.searchUsers)
  searchUsers(@RequestData() p: unknown): Promise<Reply<Page<UserSummary>>> {
    return answer(searchUsersRequestSchema, p, async (r) => {
      const filter = r.segmentId ? (await this.segments.get(r.botId, r.segmentId)).filter : r.filter;
      return this.search.search(r.botId, filter, r.sort ?? NEWEST_FIRST, r.limit, r.cursor);
    });
  }

  @MessagePattern(S.countUsers)
  countUsers(@RequestData() p: unknown, @RequestMeta() meta: unknown): Promise<Reply<CountResult>> {
    return answer(countUsersRequestSchema, p, async (r) => {
      const filter = r.segmentId ? (await this.segments.get(r.botId, r.segmentId)).filter : r.filter;
      return { count: await this.search.count(r.botId, filter, deadlineOf(meta)) };
    });
  }

  @MessagePattern(S.createSegment)
  createSegment(@RequestData() p: unknown): Promise<Reply<Segment>> {
    return answer(createSegmentRequestSchema, p, (r) => this.segments.create(r.botId, r.name, r.filter));
  }

  @MessagePattern(S.listSegments)
  listSegments(@RequestData() p: unknown): Promise<Reply<Segment[]>> {
    return answer(botOnlyRequestSchema, p, (r) => this.segments.list(r.botId));
  }

  @MessagePattern(S.getSegment)
  getSegment(@RequestData() p: unknown): Promise<Reply<Segment>> {
    return answer(segmentRefRequestSchema, p, (r) => this.segments.get(r.botId, r.segmentId));
  }

  @MessagePattern(S.updateSegment)
  updateSegment(@RequestData() p: unknown): Promise<Reply<Segment>> {
    return answer(updateSegmentRequestSchema, p, (r) => this.segments.update(r.botId, r.segmentId, { name: r.name, filter: r.filter }));
  }

  @MessagePattern(S.deleteSegment)
  deleteSegment(@RequestData() p: unknown): Promise<Reply<Record<string, never>>> {
    return answer(segmentRefRequestSchema, p, async (r) => {
      await this.segments.delete(r.botId, r.segmentId);
      return {};
    });
  }
}
