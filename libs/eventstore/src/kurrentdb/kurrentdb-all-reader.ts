import { BACKWARDS, END, FORWARDS, type AllStreamResolvedEvent, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { ReadAllOptions, RecordedEvent } from '../port';
import type { DeletedStreamFilter } from './deleted-streams';
import { isUserEvent, positionOf, serverFilter, toReadPosition, toRecordedEvent } from './kurrentdb-mapping';

type Page = { readonly events: RecordedEvent[]; readonly last: bigint | undefined; readonly exhausted: boolean };

const HEAD_PAGE = 50;

/**
 * Reads of $all as the port defines them: `after` exclusive, user events only, deleted streams hidden. What the server
 * filters out or the client drops still moves the read on, so a page can hold fewer events than asked for.
 */
export class KurrentDbAllReader {
  constructor(
    private readonly client: KurrentDBClient,
    private readonly deleted: DeletedStreamFilter | undefined,
    private readonly pageSize: number,
  ) {}

  async read(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (limit <= 0 || options.streamPrefixes?.length === 0) return [];
    const result: RecordedEvent[] = [];
    let after = options.after;
    for (;;) {
      const page = await this.page(after, Math.min(this.pageSize, limit - result.length), options.streamPrefixes);
      result.push(...(await this.keepLive(page.events)));
      if (page.exhausted || result.length >= limit || page.last === after) break;
      after = page.last;
    }
    return result.slice(0, limit);
  }

  /** Newest position a reader of $all can be handed: system, internal and deleted events do not count. */
  async head(): Promise<bigint | undefined> {
    let before: bigint | undefined;
    for (;;) {
      const candidates: RecordedEvent[] = [];
      let received = 0;
      let oldest: bigint | undefined;
      const read = this.client.readAll({
        direction: BACKWARDS,
        fromPosition: before === undefined ? END : toReadPosition(before),
        maxCount: HEAD_PAGE,
        filter: serverFilter(undefined),
      });
      for await (const resolved of read) {
        received++;
        const position = positionOf(resolved);
        if (position === undefined || (before !== undefined && position >= before)) continue;
        oldest = position;
        if (isUserEvent(resolved)) candidates.push(toRecordedEvent(resolved));
      }
      const live = await this.keepLive(candidates);
      if (live.length > 0) return live[0]!.position;
      if (received < HEAD_PAGE || oldest === undefined) return undefined;
      before = oldest;
    }
  }

  /** What a subscription may hand over from a batch the server pushed. */
  async select(raw: readonly AllStreamResolvedEvent[], after: bigint | undefined): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for (const resolved of raw) {
      const position = positionOf(resolved);
      if (position === undefined || (after !== undefined && position <= after) || !isUserEvent(resolved)) continue;
      events.push(toRecordedEvent(resolved));
    }
    return this.keepLive(events);
  }

  /** One round trip; `last` is the newest position seen, kept or not. */
  private async page(after: bigint | undefined, want: number, prefixes: readonly string[] | undefined): Promise<Page> {
    // One more than wanted: the server starts at `after` inclusively.
    const requested = want + 1;
    const events: RecordedEvent[] = [];
    let received = 0;
    let last = after;
    const read = this.client.readAll({
      direction: FORWARDS,
      fromPosition: toReadPosition(after),
      maxCount: requested,
      filter: serverFilter(prefixes),
    });
    for await (const resolved of read) {
      received++;
      const position = positionOf(resolved);
      if (position === undefined || (after !== undefined && position <= after)) continue;
      last = position;
      if (isUserEvent(resolved)) events.push(toRecordedEvent(resolved));
    }
    return { events, last, exhausted: received < requested };
  }

  private keepLive(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    return this.deleted ? this.deleted.keepLive(events) : Promise.resolve(events);
  }
}
