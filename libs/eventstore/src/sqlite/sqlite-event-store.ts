import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
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
import { EventTable } from './event-table';
import { GroupCommit } from './group-commit';
import { openDatabase, type SqliteSynchronous } from './schema';
import { SnapshotTable } from './snapshot-table';
import { SqliteSubscription, type ScanResult } from './sqlite-subscription';

export interface SqliteEventStoreOptions {
  /** Database file (its folder is created), or `':memory:'`. */
  readonly filename: string;
  /** NORMAL (default) may lose the last commits on power loss but never corrupts; FULL syncs every commit. */
  readonly synchronous?: SqliteSynchronous;
  /** How often subscriptions look for appends made by other processes on the same file (default 250 ms). */
  readonly pollIntervalMs?: number;
  /** Backoff for a subscription whose handler (or read) fails (default 100 ms doubling up to 5 s). */
  readonly retry?: RetryPolicy;
  /** Upper bound of events per group commit, so that one commit cannot block the event loop for long (default 10,000). */
  readonly maxEventsPerCommit?: number;
  /** How long a write waits for another process's write lock before failing (default 5 s). */
  readonly busyTimeoutMs?: number;
  /** WAL pages between automatic checkpoints (default 8192, i.e. 32 MiB; SQLite's own default is 1000). */
  readonly walAutocheckpointPages?: number;
}

/** Subscriptions of this store wake on it: after a local commit, and when told another connection committed. */
const APPENDED = 'appended';
/** Only this connection's own commits (what other threads or processes need to hear about). */
const COMMITTED = 'committed';

export class SqliteEventStore implements EventStore {
  readonly #db: Database.Database;
  readonly #table: EventTable;
  readonly #snapshots: SnapshotTable;
  readonly #writes: GroupCommit;
  readonly #signal = new EventEmitter();
  readonly #subscriptions = new Set<SqliteSubscription>();
  readonly #pollIntervalMs: number;
  readonly #retry: RetryPolicy;
  #closed = false;

  constructor(options: SqliteEventStoreOptions) {
    this.#db = openDatabase({
      filename: options.filename,
      synchronous: options.synchronous ?? 'NORMAL',
      busyTimeoutMs: options.busyTimeoutMs ?? 5_000,
      walAutocheckpointPages: options.walAutocheckpointPages ?? 8_192,
    });
    this.#table = new EventTable(this.#db);
    this.#snapshots = new SnapshotTable(this.#db);
    this.#writes = new GroupCommit(this.#db, options.maxEventsPerCommit ?? 10_000, () => {
      this.#signal.emit(APPENDED);
      this.#signal.emit(COMMITTED);
    });
    this.#signal.setMaxListeners(0);
    this.#pollIntervalMs = options.pollIntervalMs ?? 250;
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  async appendToStream(
    streamName: string,
    events: readonly EventToAppend[],
    options?: { expected?: ExpectedRevision },
  ): Promise<AppendResult> {
    const expected = options?.expected ?? 'any';
    assertAppendable(streamName, events);
    assertExpectedRevision(streamName, expected);
    return this.#writes.submit((recordedAt) => {
      this.assertNewEventIds(streamName, events);
      return this.appendNow({ streamName, expected, events }, recordedAt);
    }, events.length);
  }

  /** One transaction: a conflicting entry writes nothing and the others commit; any other failure writes nothing. */
  async appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    assertAppendMany(appends);
    if (appends.length === 0) return [];
    const weight = appends.reduce((sum, append) => sum + append.events.length, 0);
    return this.#writes.submit((recordedAt) => {
      for (const append of appends) this.assertNewEventIds(append.streamName, append.events);
      return appends.map((append): StreamAppendOutcome => {
        try {
          return { ok: true, result: this.appendNow(append, recordedAt) };
        } catch (error) {
          if (error instanceof ExpectedVersionConflictError) return { ok: false, error };
          throw error;
        }
      });
    }, weight);
  }

  async readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.#table.readStream(streamName, options?.fromRevision ?? 0n, options?.maxCount);
  }

  /**
   * One read transaction for all: outside one, every statement begins its own (a lock on the WAL index, and SQLite
   * drops its page cache when another connection has committed since), which made a random stream read ~10 µs of
   * syscalls and re-read B-tree pages; inside, the B-tree's upper pages stay cached from one read to the next.
   */
  async readStreams(streamNames: readonly string[], options?: ReadStreamOptions): Promise<RecordedEvent[][]> {
    this.assertOpen();
    const from = options?.fromRevision ?? 0n;
    const readAll = () => streamNames.map((name) => this.#table.readStream(name, from, options?.maxCount));
    return streamNames.length <= 1 ? readAll() : this.#db.transaction(readAll)();
  }

  /** One read transaction, like `readStreams`: a snapshot and the events after it come from one read snapshot. */
  async readStreamsFromSnapshots(streamNames: readonly string[]): Promise<StreamFromSnapshot[]> {
    this.assertOpen();
    const readAll = () =>
      streamNames.map((name): StreamFromSnapshot => {
        const snapshot = this.#snapshots.read(name);
        const events = this.#table.readStream(name, snapshot ? snapshot.revision + 1n : 0n, undefined);
        return snapshot ? { snapshot, events } : { events };
      });
    return streamNames.length <= 1 ? readAll() : this.#db.transaction(readAll)();
  }

  /** One unit of the group commit for all: a snapshot the stream does not hold is dropped there (see SnapshotTable). */
  async writeSnapshots(snapshots: readonly SnapshotToWrite[]): Promise<void> {
    assertSnapshots(snapshots);
    if (snapshots.length === 0) return;
    const texts = snapshots.map((snapshot) => SnapshotTable.text(snapshot));
    await this.#writes.submit(() => {
      snapshots.forEach((snapshot, i) => this.#snapshots.write(snapshot, texts[i]!));
    }, snapshots.length);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.readAllNow(options ?? {});
  }

  async headPosition(): Promise<bigint | undefined> {
    this.assertOpen();
    return this.#table.head();
  }

  subscribeToAll(
    handler: BatchHandler,
    options: SubscribeOptions & { onError?: (error: unknown) => void } = {},
  ): Subscription {
    if (this.#closed) throw new EventStoreError('the event store is closed');
    const subscription = new SqliteSubscription(
      {
        scanAll: (readOptions) => this.scanAllNow(readOptions),
        onAppended: (listener) => {
          this.#signal.on(APPENDED, listener);
          return () => this.#signal.off(APPENDED, listener);
        },
      },
      handler,
      options,
      { pollIntervalMs: this.#pollIntervalMs, retry: this.#retry },
      (stopped) => this.#subscriptions.delete(stopped),
    );
    this.#subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Runs after every commit made through THIS store object (not after `notifyAppended`), so it can be relayed to
   * the stores of other threads without echoing back.
   */
  onCommitted(listener: () => void): () => void {
    this.#signal.on(COMMITTED, listener);
    return () => this.#signal.off(COMMITTED, listener);
  }

  /**
   * Another connection to the same file (another thread) committed: subscriptions look now instead of at their next
   * slow poll. Safe to call at any time; a wake that finds nothing new costs one read.
   */
  notifyAppended(): void {
    if (!this.#closed) this.#signal.emit(APPENDED);
  }

  async deleteStream(streamName: string): Promise<void> {
    await this.#writes.submit(() => {
      this.#table.deleteStream(streamName);
      this.#snapshots.delete(streamName);
    });
  }

  async readCheckpoint(name: string): Promise<bigint | undefined> {
    this.assertOpen();
    return this.#table.readCheckpoint(name);
  }

  async writeCheckpoint(name: string, position: bigint): Promise<void> {
    if (typeof position !== 'bigint') throw new EventStoreError(`checkpoint ${name}: position must be a bigint`);
    await this.#writes.submit(() => this.#table.writeCheckpoint(name, position));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writes.close();
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.stop()));
    this.#db.close();
  }

  /**
   * A filtered read of $all that also says how far it looked: the head of the same read snapshot when the read was
   * not cut short by `maxCount`. One read transaction, so a commit by another connection cannot fall in between.
   */
  private scanAllNow(options: ReadAllOptions): ScanResult {
    this.assertOpen();
    return this.#db.transaction(() => {
      const events = this.#table.readAll(options.after ?? 0n, options.maxCount, options.streamPrefixes);
      const cutShort = options.maxCount !== undefined && events.length >= options.maxCount;
      const scannedTo = cutShort ? events[events.length - 1]!.position : this.#table.head();
      return { events, scannedTo };
    })();
  }

  private readAllNow(options: ReadAllOptions): RecordedEvent[] {
    this.assertOpen();
    return this.#table.readAll(options.after ?? 0n, options.maxCount, options.streamPrefixes);
  }

  /** Duplicates are looked for before anything is written: a group-commit unit must fail before it writes. */
  private assertNewEventIds(streamName: string, events: readonly EventToAppend[]): void {
    for (const event of events) {
      if (this.#table.hasEvent(event.id)) {
        throw new EventStoreError(`stream ${streamName}: event id ${event.id} is already in the store`);
      }
    }
  }

  /** Runs inside the group commit's transaction: the revision check and the inserts see one consistent stream. */
  private appendNow({ streamName, expected, events }: StreamAppend, recordedAt: string): AppendResult {
    const current = this.#table.lastRevision(streamName);
    if (!satisfies(expected, current)) {
      throw new ExpectedVersionConflictError(streamName, expected, current ?? 'no_stream');
    }
    let revision = current ?? -1n;
    let position = 0n;
    for (const event of events) {
      revision += 1n;
      try {
        position = this.#table.insert(streamName, revision, event, recordedAt);
      } catch (error) {
        throw translateInsertError(streamName, event, error);
      }
    }
    return { nextExpectedRevision: revision, position };
  }

  // Reads stay possible while close() drains pending writes; only the closed database refuses them.
  private assertOpen(): void {
    if (!this.#db.open) throw new EventStoreError('the event store is closed');
  }
}

function satisfies(expected: ExpectedRevision, current: bigint | undefined): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === undefined;
    case 'stream_exists':
      return current !== undefined;
    default:
      return current === expected;
  }
}

function translateInsertError(streamName: string, event: EventToAppend, error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' && String((error as Error).message).includes('event_id')) {
    return new EventStoreError(`stream ${streamName}: event id ${event.id} is already in the store`, { cause: error });
  }
  return error;
}
