import {
  ExpectedVersionConflictError,
  newEventId,
  NO_STREAM,
  type EventStore,
  type EventToAppend,
  type SnapshotToWrite,
  type StreamFromSnapshot,
} from '@roster/eventstore';
import type { DomainEvent, EventCodec } from './event-codec';
import { LRUCache } from 'lru-cache';

export interface Decider<C, E extends DomainEvent, S> {
  decide(command: C, state: S): readonly E[];
  evolve(state: S, event: E): S;
  initialState(): S;
}

export interface CommandOutcome<S, E> {
  readonly state: S;
  readonly newEvents: readonly E[];
  /** Number of events in the stream after the command (0 for a stream that does not exist). */
  readonly version: number;
  /** Global position of the last appended event (undefined when nothing was appended). */
  readonly position?: bigint;
}

/** A folded state and the number of events it reflects (and, with snapshots, how many of them its newest snapshot does). */
export interface LoadedState<S> {
  readonly state: S;
  readonly version: number;
  readonly snapshotted?: number;
}

/**
 * Folded states of recently used streams with the number of events they reflect, bounded (least recently used out).
 * A cached state may be stale (another process appended): the append's expected revision then conflicts and the
 * handler reloads from the store, so the cache can only save work, never cause a wrong decision.
 */
export class AggregateCache<S> {
  /** `lru-cache`, not a Map evicting its first key (V8 walks a Map's deleted slots on every such eviction). */
  private readonly entries: LRUCache<string, LoadedState<S>>;

  constructor(capacity = 50_000) {
    this.entries = new LRUCache({ max: capacity });
  }

  get(stream: string): LoadedState<S> | undefined {
    return this.entries.get(stream);
  }

  /** Whether the stream's state is held (without making it recently used). */
  has(stream: string): boolean {
    return this.entries.has(stream);
  }

  /** `snapshotted`: the version the stream's newest known snapshot reflects (see SnapshotPolicy), if any. */
  set(stream: string, state: S, version: number, snapshotted?: number): void {
    this.entries.set(stream, snapshotted === undefined ? { state, version } : { state, version, snapshotted });
  }

  forget(stream: string): void {
    this.entries.delete(stream);
  }
}

/**
 * Runs work for one stream at a time within this process, in arrival order. Commands racing on one aggregate in one
 * process then never conflict, and the bounded retry only has to absorb races between processes.
 */
export class StreamLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(stream: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(stream) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.tails.set(stream, tail);
    void tail.then(() => {
      if (this.tails.get(stream) === tail) this.tails.delete(stream);
    });
    return result;
  }
}

/**
 * Snapshots of a stream's folded state kept beside it (the event store's `StreamSnapshot`): a load then reads the
 * snapshot and the events after it instead of the whole stream. A load that had to fold at least `every` events
 * past the snapshot (or without one), and an append that leaves at least `every` events past it, write a new one in
 * the background; snapshots are a cache — one that cannot be written, read or decoded costs a whole read, never a
 * wrong state.
 */
export interface SnapshotPolicy<S> {
  /** A load that folded, or an append that leaves, at least this many events past the snapshot writes a new one (at least 1). */
  readonly every: number;
  /** The snapshot's data: plain JSON, encrypted where the state holds personal data; undefined (or a throw) writes none. */
  encode(state: S): Promise<unknown>;
  /** The state again, or undefined (or a throw) when the data cannot be used (another version, a shredded key): the stream is read whole. */
  decode(data: unknown): Promise<S | undefined>;
  /** A snapshot could not be encoded or written (nothing is lost; the next load reads more events). */
  onWriteError?(error: unknown): void;
}

export interface CommandHandlerOptions<S> {
  readonly maxAttempts?: number;
  readonly metadata?: Record<string, unknown>;
  readonly cache?: AggregateCache<S>;
  readonly locks?: StreamLocks;
  /** Load from snapshots and write them (see SnapshotPolicy); without it every load reads the whole stream. */
  readonly snapshots?: SnapshotPolicy<S>;
}

export interface BatchCommandOptions<S> extends CommandHandlerOptions<S> {
  /**
   * Errors of `decide` that reject only their own command (e.g. a value that does not fit its field): that command
   * decides nothing and the others go on. Any other error fails the whole batch and nothing is appended.
   */
  readonly isRejection?: (error: unknown) => boolean;
  /** The metadata of the events the command at `index` decides (instead of one `metadata` for all). */
  readonly metadataFor?: (index: number) => Record<string, unknown>;
}

/** What one command of a batch decided: its events, or the rejection that made it decide nothing. */
export type CommandDecision<E> = { readonly events: readonly E[] } | { readonly events: readonly []; readonly rejected: unknown };

export interface BatchOutcome<S, E> extends CommandOutcome<S, E> {
  /** One entry per command, in order. */
  readonly decisions: readonly CommandDecision<E>[];
}

/**
 * The one generic command handler: load the stream (or take its cached state), decide, append with the expected
 * revision; on a version conflict reload and decide again (bounded, with jittered backoff). `decide` is pure, so a
 * retry is safe.
 */
export async function handleCommand<C, E extends DomainEvent, S>(
  store: EventStore,
  codec: EventCodec,
  decider: Decider<C, E, S>,
  streamName: string,
  command: C,
  options: CommandHandlerOptions<S> = {},
): Promise<CommandOutcome<S, E>> {
  const { decisions: _decisions, ...outcome } = await handleCommands(store, codec, decider, streamName, [command], options);
  return outcome;
}

/**
 * Several commands on one stream with one load and one append: each command decides against the state the commands
 * before it left (exactly what running them one after the other would decide), and all their events are appended
 * together with one expected revision — a conflict reloads and decides them all again. This is how a batch of one
 * user's channel events costs one append instead of one per event.
 */
export async function handleCommands<C, E extends DomainEvent, S>(
  store: EventStore,
  codec: EventCodec,
  decider: Decider<C, E, S>,
  streamName: string,
  commands: readonly C[],
  options: BatchCommandOptions<S> = {},
): Promise<BatchOutcome<S, E>> {
  if (options.locks) {
    const { locks, ...rest } = options;
    return locks.run(streamName, () => handleCommands(store, codec, decider, streamName, commands, rest));
  }
  const maxAttempts = options.maxAttempts ?? 8;
  const cache = options.cache;
  for (let attempt = 1; ; attempt++) {
    const cached = attempt === 1 ? cache?.get(streamName) : undefined;
    const { state, version, snapshotted } = cached ?? (await loadStates(store, codec, decider, [streamName], options.snapshots))[0]!;
    const { next, newEvents, decisions } = decideAll(decider, commands, state, options.isRejection);
    if (newEvents.length === 0) {
      cache?.set(streamName, state, version, snapshotted);
      return { state, newEvents, version, decisions };
    }
    const expected = version === 0 ? NO_STREAM : BigInt(version - 1);
    try {
      const encoded = await encodeAll(codec, decisions, (index) => options.metadataFor?.(index) ?? options.metadata);
      const appended = await store.appendToStream(streamName, encoded, { expected });
      const last = { revision: appended.nextExpectedRevision, eventId: encoded[encoded.length - 1]!.id };
      const nowSnapshotted = options.snapshots ? snapshotAfterAppend(store, streamName, next, last, snapshotted ?? 0, options.snapshots) : snapshotted;
      cache?.set(streamName, next, version + newEvents.length, nowSnapshotted);
      return { state: next, newEvents, version: version + newEvents.length, position: appended.position, decisions };
    } catch (error) {
      cache?.forget(streamName);
      if (!(error instanceof ExpectedVersionConflictError) || attempt >= maxAttempts) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

/**
 * Decides the commands in order, each against the state its predecessors' events led to. Pure: the batch handler's
 * core, exported for its specs.
 */
export function decideAll<C, E extends DomainEvent, S>(
  decider: Decider<C, E, S>,
  commands: readonly C[],
  state: S,
  isRejection?: (error: unknown) => boolean,
): { next: S; newEvents: E[]; decisions: CommandDecision<E>[] } {
  let next = state;
  const newEvents: E[] = [];
  const decisions: CommandDecision<E>[] = [];
  for (const command of commands) {
    let events: readonly E[];
    try {
      events = decider.decide(command, next);
    } catch (error) {
      if (!isRejection?.(error)) throw error;
      decisions.push({ events: [], rejected: error });
      continue;
    }
    for (const event of events) {
      next = decider.evolve(next, event);
      newEvents.push(event);
    }
    decisions.push({ events });
  }
  return { next, newEvents, decisions };
}

/**
 * Event ids are minted here as UUIDv7 (time-ordered): the store's unique index on ids then grows at its right edge
 * (see `newEventId`). The encryption of all events shares the subject's key load (the first event loads it).
 */
async function encodeAll<E extends DomainEvent>(
  codec: EventCodec,
  decisions: readonly CommandDecision<E>[],
  metadataOf: (index: number) => Record<string, unknown> | undefined,
): Promise<EventToAppend[]> {
  const encoded: EventToAppend[] = [];
  for (let index = 0; index < decisions.length; index++) {
    const events = decisions[index]!.events;
    if (events.length === 0) continue;
    const metadata = metadataOf(index);
    for (const event of events) encoded.push({ ...(await codec.encode(event, metadata)), id: newEventId() });
  }
  return encoded;
}

/** Folds a stream into its current state (and the number of events it holds): the read side of the handler. */
export async function loadAggregate<C, E extends DomainEvent, S>(
  store: EventStore,
  codec: EventCodec,
  decider: Decider<C, E, S>,
  streamName: string,
  snapshots?: SnapshotPolicy<S>,
): Promise<LoadedState<S>> {
  return (await loadStates(store, codec, decider, [streamName], snapshots))[0]!;
}

/**
 * Puts into `cache` the states of those streams it does not hold, read with one `readStreams` (on SQLite one read
 * transaction for all, instead of one per stream as each command's own load would take): for a batch of commands on
 * many streams, before they run. A state read here that another writer overtakes before its command runs is a stale
 * cached state like any other (the append conflicts, the handler reloads); one that a command of this process
 * cached meanwhile is left as it is.
 */
export async function preloadAggregates<C, E extends DomainEvent, S>(
  store: EventStore,
  codec: EventCodec,
  decider: Decider<C, E, S>,
  cache: AggregateCache<S>,
  streamNames: Iterable<string>,
  snapshots?: SnapshotPolicy<S>,
): Promise<void> {
  const missing = [...new Set(streamNames)].filter((name) => !cache.has(name));
  if (missing.length === 0) return;
  const loaded = await loadStates(store, codec, decider, missing, snapshots);
  missing.forEach((name, i) => {
    if (!cache.has(name)) cache.set(name, loaded[i]!.state, loaded[i]!.version, loaded[i]!.snapshotted);
  });
}

/**
 * Folds streams into their states, read together (one `readStreams`; with snapshots one `readStreamsFromSnapshots`,
 * and the streams whose snapshot did not decode read whole with one `readStreams` more). Their events are decoded as
 * one list, so that the data keys of all their subjects are read together too (`EventCodec.decodeAll`).
 */
async function loadStates<C, E extends DomainEvent, S>(
  store: EventStore,
  codec: EventCodec,
  decider: Decider<C, E, S>,
  streamNames: readonly string[],
  snapshots: SnapshotPolicy<S> | undefined,
): Promise<LoadedState<S>[]> {
  if (!snapshots) {
    const recorded = streamNames.length === 1 ? [await store.readStream(streamNames[0]!)] : await store.readStreams(streamNames);
    const decoded = (await codec.decodeAll(recorded.flat())) as unknown as E[];
    let at = 0;
    return recorded.map((events) => ({ state: decoded.slice(at, (at += events.length)).reduce(decider.evolve, decider.initialState()), version: events.length }));
  }
  const read = await store.readStreamsFromSnapshots(streamNames);
  // A snapshot whose decoding fails (altered, unreadable) is one that cannot be used, like one of another version.
  const bases = await Promise.all(read.map(({ snapshot }) => (snapshot ? snapshots.decode(snapshot.data).catch(() => undefined) : undefined)));
  const unusable = streamNames.filter((_, i) => read[i]!.snapshot !== undefined && bases[i] === undefined);
  if (unusable.length > 0) {
    const whole = await store.readStreams(unusable);
    let next = 0;
    read.forEach((entry, i) => {
      if (entry.snapshot !== undefined && bases[i] === undefined) read[i] = { events: whole[next++]! };
    });
  }
  const decoded = (await codec.decodeAll(read.flatMap((entry) => entry.events))) as unknown as E[];
  let at = 0;
  const states = read.map(({ snapshot, events }, i) => {
    const state = decoded.slice(at, (at += events.length)).reduce(decider.evolve, bases[i] ?? decider.initialState());
    const last = events[events.length - 1];
    // Revisions, not counts: a snapshot stands for every event up to its own.
    const snapshotted = snapshot ? Number(snapshot.revision) + 1 : 0;
    return { state, version: last ? Number(last.revision) + 1 : snapshotted, snapshotted };
  });
  return snapshotAfterLoad(store, streamNames, read, states, snapshots);
}

/**
 * A snapshot for each stream whose load folded `every` events or more (`writeInBackground`). Returns the states with
 * the version their newest snapshot reflects.
 */
function snapshotAfterLoad<S>(
  store: EventStore,
  streamNames: readonly string[],
  read: readonly StreamFromSnapshot[],
  states: LoadedState<S>[],
  snapshots: SnapshotPolicy<S>,
): LoadedState<S>[] {
  const due: SnapshotDue<S>[] = [];
  read.forEach(({ events }, i) => {
    if (events.length < Math.max(1, snapshots.every)) return;
    const last = events[events.length - 1]!;
    due.push({ streamName: streamNames[i]!, state: states[i]!.state, revision: last.revision, eventId: last.id });
    states[i] = { ...states[i]!, snapshotted: states[i]!.version };
  });
  writeInBackground(store, due, snapshots);
  return states;
}

/**
 * After an append that left `every` events or more past the stream's newest snapshot: a snapshot of the new state
 * (`writeInBackground`). So a stream that grows by large appends — a user's first batch of events — has its snapshot
 * before its next load. Returns the version its newest snapshot reflects now.
 */
function snapshotAfterAppend<S>(
  store: EventStore,
  streamName: string,
  state: S,
  last: { readonly revision: bigint; readonly eventId: string },
  snapshotted: number,
  snapshots: SnapshotPolicy<S>,
): number {
  const version = Number(last.revision) + 1;
  if (version - snapshotted < Math.max(1, snapshots.every)) return snapshotted;
  writeInBackground(store, [{ streamName, state, ...last }], snapshots);
  return version;
}

interface SnapshotDue<S> {
  readonly streamName: string;
  readonly state: S;
  readonly revision: bigint;
  readonly eventId: string;
}

/**
 * Encodes the states and writes them with one `writeSnapshots`, without the caller waiting (snapshots are a cache).
 * A state that cannot be encoded (e.g. an erased subject's: nothing personal is written about them again) or a
 * write that fails is reported to `onWriteError`; the others are written.
 */
function writeInBackground<S>(store: EventStore, due: readonly SnapshotDue<S>[], snapshots: SnapshotPolicy<S>): void {
  if (due.length === 0) return;
  const report = (error: unknown) => snapshots.onWriteError?.(error);
  void (async () => {
    const encoded = await Promise.all(due.map(({ state }) => snapshots.encode(state).catch((error: unknown) => void report(error))));
    const writes: SnapshotToWrite[] = [];
    due.forEach(({ streamName, revision, eventId }, i) => {
      const data = encoded[i];
      if (data !== undefined) writes.push({ streamName, revision, eventId, data });
    });
    if (writes.length > 0) await store.writeSnapshots(writes);
  })().catch(report);
}
