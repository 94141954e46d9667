import { KurrentDBClient, START, StreamDeletedError, StreamNotFoundError } from '@kurrent/kurrentdb-client';
import { assertAppendMany, assertAppendable, assertExpectedRevision, assertSnapshots } from '../append-validation';
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
  type SnapshotToWrite,
  type StreamAppend,
  type StreamAppendOutcome,
  type StreamFromSnapshot,
  type SubscribeOptions,
  type Subscription,
} from '../port';
import { KurrentDbCheckpoints } from './kurrentdb-checkpoints';
import { DeletedStreamFilter } from './deleted-streams';
import { KurrentDbAllReader } from './kurrentdb-all-reader';
import {
  INTERNAL_STREAM_PREFIX,
  isUserEvent,
  serverFilter,
  toEventData,
  toReadPosition,
  toRecordedEvent,
  toStreamState,
  translateAppendError,
} from './kurrentdb-mapping';
import { KurrentDbSnapshots } from './kurrentdb-snapshots';
import { KurrentDbSubscription } from './kurrentdb-subscription';

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

export class KurrentDbEventStore implements EventStore {
  readonly #client: KurrentDBClient;
  readonly #checkpoints: KurrentDbCheckpoints;
  readonly #all: KurrentDbAllReader;
  readonly #snapshots: KurrentDbSnapshots;
  readonly #subscriptions = new Set<KurrentDbSubscription>();
  readonly #retry: RetryPolicy;
  #closed = false;

  constructor(options: KurrentDbEventStoreOptions) {
    this.#client = KurrentDBClient.connectionString(options.connectionString);
    this.#checkpoints = new KurrentDbCheckpoints(this.#client);
    const deleted = options.hideDeletedStreams === false ? undefined : new DeletedStreamFilter(this.#client);
    this.#all = new KurrentDbAllReader(this.#client, deleted, Math.max(1, options.pageSize ?? 500));
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.#snapshots = new KurrentDbSnapshots(this.#client, (name, readOptions) => this.readStream(name, readOptions));
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
    this.assertOpen();
    assertAppendMany(appends);
    for (const append of appends) this.assertNotInternal(append.streamName);
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

  /** Concurrently over the client's one connection (KurrentDB has no multi-stream read). */
  async readStreams(streamNames: readonly string[], options?: ReadStreamOptions): Promise<RecordedEvent[][]> {
    return Promise.all(streamNames.map((name) => this.readStream(name, options)));
  }

  /** Concurrently: per stream its snapshot, then the stream from the snapshot's revision (see KurrentDbSnapshots). */
  async readStreamsFromSnapshots(streamNames: readonly string[]): Promise<StreamFromSnapshot[]> {
    this.assertOpen();
    return Promise.all(streamNames.map((name) => this.#snapshots.read(name)));
  }

  async writeSnapshots(snapshots: readonly SnapshotToWrite[]): Promise<void> {
    this.assertOpen();
    assertSnapshots(snapshots);
    for (const snapshot of snapshots) this.assertNotInternal(snapshot.streamName);
    await Promise.all(snapshots.map((snapshot) => this.#snapshots.write(snapshot)));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.#all.read(options);
  }

  async headPosition(): Promise<bigint | undefined> {
    this.assertOpen();
    return this.#all.head();
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
        open: (after) => this.#client.subscribeToAll({ fromPosition: toReadPosition(after), filter }),
        select: (raw, after) => this.#all.select(raw, after),
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
    // The snapshot first: if the stream's delete then fails, a retry finds it again; the other way round a
    // snapshot of a deleted stream would wait for a retry that may never come (it never fits a restarted stream).
    await this.#snapshots.delete(streamName);
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

  private async append(
    streamName: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    let result;
    try {
      result = await this.#client.appendToStream(streamName, events.map(toEventData), {
        streamState: toStreamState(expected),
      });
    } catch (error) {
      throw translateAppendError(error, streamName, expected);
    }
    if (!result.position) throw new EventStoreError(`stream ${streamName}: the server reported no append position`);
    // The server answers with the position of the write's last event (its commit record).
    return { nextExpectedRevision: result.nextExpectedRevision, position: result.position.commit };
  }

  private assertWritable(streamName: string, events: readonly EventToAppend[], expected: ExpectedRevision): void {
    this.assertOpen();
    assertAppendable(streamName, events);
    assertExpectedRevision(streamName, expected);
    this.assertNotInternal(streamName);
  }

  private assertNotInternal(streamName: string): void {
    if (streamName.startsWith(INTERNAL_STREAM_PREFIX)) {
      throw new EventStoreError(`stream ${streamName}: names starting with ${INTERNAL_STREAM_PREFIX} are reserved`);
    }
  }

  private assertOpen(): void {
    if (this.#closed) throw new EventStoreError('the event store is closed');
  }
}
