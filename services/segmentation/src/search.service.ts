import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Page, SearchSort, UserSummary } from '@roster/contracts';
import { compareStrings, InvalidCursorError, type DocFilter } from '@roster/readstore';
import { compileFilter, parseFilter, type FieldTypes, type Filter } from './domain/filter';
import { padPosition, SORT_KEY_FIELDS, sortKeyAt, type SortKeyField, type WalkableUserDoc } from './domain/search-keys';
import { SUMMARY_FIELDS, toSummary, type UserListDoc } from './domain/user-list-doc';
import { ActiveWalks } from './active-walks';
import { FieldDefinitionsProjection } from './field-definitions.projection';
import { UserListProjection } from './user-list.projection';

/** The filter did not validate: every problem with its path (`filter.all.0.op`). */
export class InvalidFilterError extends Error {
  constructor(readonly errors: { path: string; message: string }[]) {
    super('the filter is not valid');
  }
}

const SORT_KEYS: Record<SearchSort['by'], SortKeyField> = { lastInteractionAt: 'lastInteractionAt', subscribedAt: 'sortSubscribedAt', name: 'sortName' };

/**
 * A walk's cursor: the query time (relative durations like `withinLast P7D` are evaluated once), the snapshot position
 * (the list as it stood at the first page), a hash binding it to one bot, filter and sort, and the last key returned.
 */
interface WalkCursor {
  readonly v: 2;
  readonly now: string;
  readonly snapshot: string;
  readonly query: string;
  readonly key: string;
  readonly id: string;
}

function readCursor(cursor: string | undefined, query: string): WalkCursor | undefined {
  if (cursor === undefined) return undefined;
  let parsed: WalkCursor | undefined;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as WalkCursor;
  } catch {
    parsed = undefined;
  }
  const valid =
    parsed?.v === 2 && parsed.query === query && typeof parsed.key === 'string' && typeof parsed.id === 'string' &&
    /^\d{20}$/.test(parsed.snapshot) && !Number.isNaN(Date.parse(parsed.now));
  if (!valid) throw new InvalidCursorError();
  return parsed;
}

const writeCursor = (cursor: Omit<WalkCursor, 'v'>) => Buffer.from(JSON.stringify({ v: 2, ...cursor })).toString('base64url');
const queryHash = (botId: string, input: unknown, sort: SearchSort) =>
  createHash('sha256').update(JSON.stringify([botId, input ?? null, sort.by, sort.order])).digest('base64url').slice(0, 22);

/** How many moved users one page may merge in (they changed during the walk; normally a handful). */
const MAX_MOVERS = 100_000;
/** What a page needs of each document: its summary and sort keys (and, for a moved one, its earlier keys). */
const PAGE_FIELDS = [...SUMMARY_FIELDS, ...SORT_KEY_FIELDS];
const MOVER_FIELDS = [...PAGE_FIELDS, 'sortMoves'];

@Injectable()
export class SearchService {
  constructor(
    private readonly list: UserListProjection,
    private readonly definitions: FieldDefinitionsProjection,
    private readonly walks: ActiveWalks,
  ) {}

  /** Validates a filter against the bot's custom fields (throws InvalidFilterError listing every problem). */
  async validate(botId: string, input: unknown): Promise<Filter | undefined> {
    return parsedOrThrow(input, await this.definitions.typesOf(botId));
  }

  /**
   * One page of a keyset walk that returns every match exactly once even while users change (api.md). The walk
   * sees the list as it stood at its first page (snapshot position S):
   * - documents whose sort key has not changed since S come from the index, after the cursor's key;
   * - documents that moved after S (few: they changed during the walk) are placed by their key as it was at S;
   * - users created after S are left for the next walk.
   */
  async search(botId: string, input: unknown, sort: SearchSort, limit: number, cursor?: string): Promise<Page<UserSummary>> {
    const query = queryHash(botId, input, sort);
    const previous = readCursor(cursor, query);
    const now = previous ? new Date(previous.now) : new Date();
    const snapshot = previous?.snapshot ?? padPosition(await this.list.currentPosition());
    this.walks.touch(snapshot);
    const matching = await this.compiled(botId, input, now);
    const field = SORT_KEYS[sort.by];
    const desc = sort.order === 'desc';
    const after = previous && { key: previous.key, id: previous.id };
    const beyond = (key: string, id: string) => {
      if (!after) return true;
      const byKey = compareStrings(key, after.key) || compareStrings(id, after.id);
      return desc ? byKey < 0 : byKey > 0;
    };

    const unchanged = await this.list.users.find({
      filter: { and: [matching, { field: 'sortStamp', op: 'lte', value: snapshot }] },
      sort: { field, order: sort.order },
      limit: limit + 1,
      fields: PAGE_FIELDS,
      ...(after ? { after: { value: after.key, id: after.id } } : {}),
    });
    // A moved user is placed by its key as of S, which is one of its remembered earlier keys (`sortMoves`): only those
    // with such a key between the cursor and the last key this page can reach (the limit-th unchanged one) can land
    // in it. Without the window every page fetched every user that moved since the walk began.
    const window: DocFilter[] = [];
    const earlier = `sortMoves.${field}`;
    if (after) window.push({ field: earlier, op: desc ? 'lte' : 'gte', value: after.key });
    const reach = unchanged.items.length > limit ? unchanged.items[limit - 1] : undefined;
    if (reach) window.push({ field: earlier, op: desc ? 'gte' : 'lte', value: String(reach[field]) });
    const moved = (await this.anyMovedSince(botId, snapshot))
      ? await this.list.users.find({
          filter: { and: [matching, { field: 'sortStamp', op: 'gt', value: snapshot }, { field: 'createdPos', op: 'lte', value: snapshot }, ...window] },
          limit: MAX_MOVERS,
          fields: MOVER_FIELDS,
        })
      : { items: [] };
    const candidates = [
      ...unchanged.items.map((doc) => ({ doc: doc as unknown as WalkableUserDoc, key: String(doc[field]) })),
      ...moved.items.map((doc) => ({ doc: doc as unknown as WalkableUserDoc, key: sortKeyAt(doc as unknown as WalkableUserDoc, field, snapshot) })),
    ]
      .filter((c) => beyond(c.key, c.doc.id))
      .sort((a, b) => (desc ? -1 : 1) * (compareStrings(a.key, b.key) || compareStrings(a.doc.id, b.doc.id)));
    const page = candidates.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((c) => toSummary(c.doc as unknown as UserListDoc)),
      nextCursor: candidates.length > limit && last ? writeCursor({ now: now.toISOString(), snapshot, query, key: last.key, id: last.doc.id }) : null,
    };
  }

  /** The exact count; abandoned (DeadlineExceededError) once `deadline` (epoch ms, the caller's) has passed. */
  async count(botId: string, input: unknown, deadline?: number): Promise<number> {
    return this.list.users.count(await this.compiled(botId, input, new Date()), deadline === undefined ? {} : { deadline });
  }

  /**
   * Whether some user of the bot moved after the walk's snapshot (`sortStamp > S`): `exists` through `bot_sortStamp`
   * (two ranks in the embedded store; MongoDB stops at the first key), asked after the page's first find. The find of
   * moved users runs only then: it plans the whole filter again (at 1M users ~0.3–0.7 ms of the segmentation thread a
   * page, as much as the first find for a broad filter), and at a first page, whose snapshot is the list's current
   * position, it finds nobody. Skipping it loses nothing: a user's `sortStamp` only grows, so if none is past S now,
   * none was when the first find read the list — which then saw every user as it stood at S.
   */
  private async anyMovedSince(botId: string, snapshot: string): Promise<boolean> {
    const movedSince: DocFilter = { and: [{ field: 'botId', op: 'eq', value: botId }, { field: 'sortStamp', op: 'gt', value: snapshot }] };
    return this.list.users.exists(movedSince);
  }

  private async compiled(botId: string, input: unknown, now: Date): Promise<DocFilter> {
    const byBot: DocFilter = { field: 'botId', op: 'eq', value: botId };
    if (input === undefined || input === null) return byBot;
    const types = await this.definitions.typesOf(botId);
    return { and: [byBot, compileFilter(parsedOrThrow(input, types)!, types, now)] };
  }
}

function parsedOrThrow(input: unknown, types: FieldTypes): Filter | undefined {
  if (input === undefined || input === null) return undefined;
  const parsed = parseFilter(input, types, 'filter');
  if (!parsed.ok) throw new InvalidFilterError(parsed.errors);
  return parsed.filter;
}
