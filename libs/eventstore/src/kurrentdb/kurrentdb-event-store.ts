import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  START,
  StreamDeletedError,
  StreamNotFoundError,
  type AllStreamResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { assertAppendable, assertExpectedRevision } from '../append-validation';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../batch-delivery';
import {
  EventStoreError,
  ExpectedVersionConflictError,
  type AppendResult,
  type BatchHandler,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type StreamAppendOutcome,
  type SubscribeOptions,
  type Subscription,
} from '../port';
import { KurrentDbCheckpoints } from './kurrentdb-checkpoints';
import { DeletedStreamFilter } from './deleted-streams';
import {
  INTERNAL_STREAM_PREFIX,
  isUserEvent,
  positionOf,
  serverFilter,
  toEventData,
  toReadPosition,
  toRecordedEvent,
  toStreamState,
  translateAppendError,
} from './kurrentdb-mapping';
import { KurrentDbSubscription, type LiveStream } from './kurrentdb-subscription';

export interface KurrentDbEventStoreOptions {
  /** e.g. `kurrentdb://admin:changeit@localhost:2113?tls=false` */
  readonly connectionString: string;
  /** Events asked of the server per round trip when reading $all (default 500). */
  readonly pageSize?: number;
  /**
   * Hide events of deleted streams from readAll, headPosition and subscriptions before a scavenge removes them from
   * $all (default true). Costs one metadata read per distinct stream per page; turn off where consumers can live
   * with seeing them (they are crypto-shredded anyway) and throughput matters more.
   */
  readonly hideDeletedStreams?: boolean;
  readonly retry?: RetryPolicy;
}

type Page = { readonly events: RecordedEvent[]; readonly last: bigint | undefined; readonly exhausted: boolean };

export class KurrentDbEventStore implements EventStore {
  readonly #client: KurrentDBClient;
  readonly #checkpoints: KurrentDbCheckpoints;
  readonly #deleted: DeletedStreamFilter | undefined;
  readonly #subscriptions = new Set<KurrentDbSubscription>();
  readonly #pageSize: number;
  readonly #retry: RetryPolicy;
  #closed = false;

  constructor(options: KurrentDbEventStoreOptions) {
    this.#client = KurrentDBClient.connectionString(options.connectionString);
    this.#checkpoints = new KurrentDbCheckpoints(this.#client);
    this.#deleted = options.hideDeletedStreams === false ? undefined : new DeletedStreamFilter(this.#client);
    this.#pageSize = Math.max(1, options.pageSize ?? 500);
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  async appendToStream(
    streamName: string,
    events: readonly EventToAppend[],
    options?: { expected?: ExpectedRevision },
  ): Promise<AppendResult> {
    const expected = options?.expected ?? 'any';
    this.assertWritable(streamName, events, expected);
    return this.append(streamName, events, expected);
  }

  /** KurrentDB has no multi-stream transaction in this client: entries are written one after another, in order. */
  async appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    for (const append of appends) this.assertWritable(append.streamName, append.events, append.expected);
    const outcomes: StreamAppendOutcome[] = [];
    for (const append of appends) {
      try {
        outcomes.push({ ok: true, result: await this.append(append.streamName, append.events, append.expected) });
      } catch (error) {
        if (!(error instanceof ExpectedVersionConflictError)) throw error;
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  }

  async readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    if (options?.maxCount !== undefined && options.maxCount <= 0) return [];
    const events: RecordedEvent[] = [];
    try {
      const read = this.#client.readStream(streamName, {
        fromRevision: options?.fromRevision ?? START,
        maxCount: options?.maxCount ?? Number.MAX_SAFE_INTEGER,
      });
      for await (const resolved of read) if (isUserEvent(resolved)) events.push(toRecordedEvent(resolved));
    } catch (error) {
      if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError) return [];
      throw error;
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (limit <= 0 || options.streamPrefixes?.length === 0) return [];
    const result: RecordedEvent[] = [];
    let after = options.after;
    for (;;) {
      const page = await this.readPage(after, Math.min(this.#pageSize, limit - result.length), options.streamPrefixes);
      result.push(...(await this.keepLive(page.events)));
      if (page.exhausted || result.length >= limit || page.last === after) break;
      after = page.last;
    }
    return result.slice(0, limit);
  }

  async headPosition(): Promise<bigint | undefined> {
    this.assertOpen();
    let before: bigint | undefined;
    for (;;) {
      const candidates: RecordedEvent[] = [];
      let received = 0;
      let oldest: bigint | undefined;
      const read = this.#client.readAll({
        direction: BACKWARDS,
        fromPosition: before === undefined ? END : toReadPosition(before),
        maxCount: 50,
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
      if (received < 50 || oldest === undefined) return undefined;
      before = oldest;
    }
  }

  subscribeToAll(
    handler: BatchHandler,
    options: SubscribeOptions & { onError?: (error: unknown) => void } = {},
  ): Subscription {
    if (this.#closed) throw new EventStoreError('the event store is closed');
    // An empty prefix list matches nothing, while the server would read it as "no filter".
    if (options.streamPrefixes?.length === 0) return { position: options.after, stop: async () => undefined };
    const filter = serverFilter(options.streamPrefixes);
    const subscription = new KurrentDbSubscription(
      {
        open: (after) =>
          this.#client.subscribeToAll({ fromPosition: toReadPosition(after), filter }),
        select: (raw, after) => this.select(raw, after),
      },
      handler,
      options,
      this.#retry,
      (stopped) => this.#subscriptions.delete(stopped),
    );
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /** A soft delete: the name can be used again (from `no_stream`), and a scavenge reclaims the space. */
  async deleteStream(streamName: string): Promise<void> {
    this.assertOpen();
    try {
      await this.#client.deleteStream(streamName);
    } catch (error) {
      if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError) return;
      throw error;
    }
  }

  async readCheckpoint(name: string): Promise<bigint | undefined> {
    this.assertOpen();
    return this.#checkpoints.read(name);
  }

  async writeCheckpoint(name: string, position: bigint): Promise<void> {
    this.assertOpen();
    await this.#checkpoints.write(name, position);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.stop()));
    await this.#client.dispose();
  }

  private async append(streamName: string, events: readonly EventToAppend[], expected: ExpectedRevision) {
    let result;
    try {
      result = await this.#client.appendToStream(streamName, events.map(toEventData), {
        streamState: toStreamState(expected),
      });
    } catch (error) {
      throw translateAppendError(error, streamName, expected);
    }
    if (!result.position) throw new EventStoreError(`stream ${streamName}: the server reported no position for the append`);
    return { nextExpectedRevision: result.nextExpectedRevision, position: result.position.commit };
  }

  /** One server round trip of $all after `after`; `last` is the newest position seen, filtered out or not. */
  private async readPage(after: bigint | undefined, want: number, prefixes: readonly string[] | undefined): Promise<Page> {
    // One more than wanted: the server starts at `after` inclusively.
    const requested = want + 1;
    const events: RecordedEvent[] = [];
    let received = 0;
    let last = after;
    const read = this.#client.readAll({
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

  private async select(raw: readonly AllStreamResolvedEvent[], after: bigint | undefined): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for (const resolved of raw) {
      const position = positionOf(resolved);
      if (position === undefined || (after !== undefined && position <= after) || !isUserEvent(resolved)) continue;
      events.push(toRecordedEvent(resolved));
    }
    return this.keepLive(events);
  }

  private keepLive(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    return this.#deleted ? this.#deleted.keepLive(events) : Promise.resolve(events);
  }

  private assertWritable(streamName: string, events: readonly EventToAppend[], expected: ExpectedRevision): void {
    this.assertOpen();
    assertAppendable(streamName, events);
    assertExpectedRevision(streamName, expected);
    if (streamName.startsWith(INTERNAL_STREAM_PREFIX)) {
      throw new EventStoreError(`stream ${streamName}: names starting with ${INTERNAL_STREAM_PREFIX} are reserved`);
    }
  }

  private assertOpen(): void {
    if (this.#closed) throw new EventStoreError('the event store is closed');
  }
}
