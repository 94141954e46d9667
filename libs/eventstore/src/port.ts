/**
 * The event store port. Every adapter (SQLite, KurrentDB) passes `conformance.ts`.
 * Positions are bigint in code and decimal strings on the wire, never JS numbers.
 */

/** Expected stream state for an append. A bigint is the exact revision of the last event (first event = 0n). */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export const NO_STREAM = 'no_stream' as const;
export const ANY = 'any' as const;
export const STREAM_EXISTS = 'stream_exists' as const;

/** An event to append. `data` and `metadata` are plain JSON values (already PII-encoded by the caller). */
export interface EventToAppend {
  /** Globally unique event id (UUID). Becomes the JetStream `Nats-Msg-Id` when relayed. */
  readonly id: string;
  /** Stable, versioned type name, e.g. `user-profile.BotUserCreated.v1`. */
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: Record<string, unknown>;
}

/** An event as stored. */
export interface RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly streamName: string;
  /** Revision of this event within its stream, starting at 0n. */
  readonly revision: bigint;
  /** Position in the store's global order ($all), strictly increasing in append order. */
  readonly position: bigint;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
  /** When the store recorded it (ISO 8601). */
  readonly recordedAt: string;
}

export interface AppendResult {
  /** Revision of the last event written (stream length − 1). */
  readonly nextExpectedRevision: bigint;
  /** Global position of the last event written. */
  readonly position: bigint;
}

/** One append of a batch: `appendMany` writes several streams atomically where the store can, else in order. */
export interface StreamAppend {
  readonly streamName: string;
  readonly expected: ExpectedRevision;
  readonly events: readonly EventToAppend[];
}

/** Per-append outcome of `appendMany`: a conflict on one stream does not stop the others. */
export type StreamAppendOutcome =
  | { readonly ok: true; readonly result: AppendResult }
  | { readonly ok: false; readonly error: ExpectedVersionConflictError };

export interface ReadStreamOptions {
  /** Inclusive revision to start from (default 0n). */
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: returns events with position > after (default: from the beginning). */
  readonly after?: bigint;
  readonly maxCount?: number;
  /** Only events whose stream name starts with one of these prefixes (e.g. `botUser-`). */
  readonly streamPrefixes?: readonly string[];
}

export interface SubscribeOptions extends Omit<ReadAllOptions, 'maxCount'> {
  /** Largest batch handed to the handler at once (default 500). */
  readonly batchSize?: number;
}

/**
 * A live subscription to $all. The handler gets batches in global order; the next batch is not delivered before the
 * returned promise settles. If the handler throws, the subscription retries the same batch after a short backoff
 * (at-least-once); `onError` is told.
 */
export interface Subscription {
  /** Resolves after the in-flight batch (if any) has settled. */
  stop(): Promise<void>;
  /** Position of the last event handed to the handler successfully (or the start position). */
  readonly position: bigint | undefined;
}

export type BatchHandler = (events: readonly RecordedEvent[]) => Promise<void>;

/**
 * A stream's folded state as of one of its events: a cache of the fold kept beside the stream, never part of it (not
 * an event, not in $all, not relayed). A reader takes it and the events after it instead of the whole stream.
 */
export interface StreamSnapshot {
  /** Revision of the last event the state reflects. */
  readonly revision: bigint;
  /**
   * Id of that event. A snapshot is used only while the stream still holds this event at this revision: one taken of
   * a stream that was deleted and started again (or of a state read before such a delete) describes nothing.
   */
  readonly eventId: string;
  /** A plain JSON value, already encoded by the caller (and encrypted where it holds personal data). */
  readonly data: unknown;
}

export interface SnapshotToWrite extends StreamSnapshot {
  readonly streamName: string;
}

export interface StreamFromSnapshot {
  /** The stream's newest snapshot that still describes it, if any. */
  readonly snapshot?: StreamSnapshot;
  /** The events after the snapshot's revision, as `readStream` returns them; without a snapshot all of them. */
  readonly events: RecordedEvent[];
}

export interface EventStore {
  /**
   * Appends atomically, or throws `ExpectedVersionConflictError` and writes nothing. An empty append, an event id
   * repeated within the call and a stream name starting with `$` are `EventStoreError`s. The SQLite store also refuses
   * an id already in the store; KurrentDB treats a re-sent identical append as idempotent instead.
   */
  appendToStream(
    streamName: string,
    events: readonly EventToAppend[],
    options?: { expected?: ExpectedRevision },
  ): Promise<AppendResult>;
  appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]>;
  /** Returns [] for a stream that does not exist (or was deleted). */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Several streams at once, each as `readStream` would return it (the options apply to each), in the order of the
   * names. For a batch of cache misses: SQLite reads them all in one read transaction (one snapshot, one lock, its
   * page cache kept across the reads), KurrentDB concurrently.
   */
  readStreams(streamNames: readonly string[], options?: ReadStreamOptions): Promise<RecordedEvent[][]>;
  /**
   * Each stream as its newest usable snapshot and the events after it (in the order of the names; SQLite: one read
   * transaction, KurrentDB: concurrently). A stream without one comes back whole, as `readStream` returns it.
   */
  readStreamsFromSnapshots(streamNames: readonly string[]): Promise<StreamFromSnapshot[]>;
  /**
   * Keeps one snapshot per stream, the newest: one at a revision below the kept one's changes nothing, and one whose
   * event the stream does not hold at its revision is never read back (SQLite drops it on write, KurrentDB on read).
   * `deleteStream` deletes the stream's snapshot too. Snapshots are a cache: losing one loses nothing.
   */
  writeSnapshots(snapshots: readonly SnapshotToWrite[]): Promise<void>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the newest event in the store (undefined when empty). */
  headPosition(): Promise<bigint | undefined>;
  subscribeToAll(handler: BatchHandler, options?: SubscribeOptions & { onError?: (error: unknown) => void }): Subscription;
  /**
   * Removes a stream, its events and its snapshot for good (GDPR erasure of derived/identity streams). Idempotent. A later
   * `no_stream` append starts the stream again (its revisions restart at 0n on SQLite and continue on KurrentDB).
   */
  deleteStream(streamName: string): Promise<void>;
  /** Durable named checkpoints for consumers that must survive restarts. */
  readCheckpoint(name: string): Promise<bigint | undefined>;
  writeCheckpoint(name: string, position: bigint): Promise<void>;
  close(): Promise<void>;
}

export class EventStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The stream was not at the expected revision. Callers retry (decide again) or report 409. */
export class ExpectedVersionConflictError extends EventStoreError {
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${streamName}: expected ${String(expected)}, actual ${String(actual)}`);
  }
}
