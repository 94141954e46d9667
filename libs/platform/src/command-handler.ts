import { ExpectedVersionConflictError, NO_STREAM, type EventStore } from '@roster/eventstore';
import type { DomainEvent, EventCodec } from './event-codec';

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

export interface CommandHandlerOptions {
  readonly maxAttempts?: number;
  readonly metadata?: Record<string, unknown>;
}

/**
 * The one generic command handler: load the stream, fold it, decide, append with the expected revision; on a version
 * conflict decide again on the fresh state (bounded, with jittered backoff). `decide` is pure, so a retry is safe.
 */
export async function handleCommand<C, E extends DomainEvent, S>(
  store: EventStore,
  codec: EventCodec,
  decider: Decider<C, E, S>,
  streamName: string,
  command: C,
  options: CommandHandlerOptions = {},
): Promise<CommandOutcome<S, E>> {
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    const recorded = await store.readStream(streamName);
    const history = (await codec.decodeAll(recorded)) as unknown as E[];
    const state = history.reduce(decider.evolve, decider.initialState());
    const newEvents = decider.decide(command, state);
    if (newEvents.length === 0) return { state, newEvents, version: recorded.length };
    const expected = recorded.length === 0 ? NO_STREAM : BigInt(recorded.length - 1);
    try {
      const encoded = await Promise.all(newEvents.map((e) => codec.encode(e, options.metadata)));
      const appended = await store.appendToStream(streamName, encoded, { expected });
      const next = newEvents.reduce(decider.evolve, state);
      return { state: next, newEvents, version: recorded.length + newEvents.length, position: appended.position };
    } catch (error) {
      if (!(error instanceof ExpectedVersionConflictError) || attempt >= maxAttempts) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}
