import type { RecordedEvent } from '@roster/eventstore';
import type { DeliveredEvent } from './port';

/**
 * Headers of relayed messages, so tools can locate them without parsing bodies. A message holds one or more events
 * in position order: `Roster-Position` is its last event's position (the relay's checkpoint and every resume point are
 * "the last message's position"), `Roster-First-Position` its first, `Roster-Event-Count` how many.
 * `Roster-Event-Type` is set on messages of one event only (messages written before batching, one per event).
 */
export const POSITION_HEADER = 'Roster-Position';
export const FIRST_POSITION_HEADER = 'Roster-First-Position';
export const EVENT_COUNT_HEADER = 'Roster-Event-Count';
export const EVENT_TYPE_HEADER = 'Roster-Event-Type';

/** A recorded event as JSON: positions and revisions travel as decimal strings, never as JS numbers. */
export interface WireEvent {
  readonly id: string;
  readonly type: string;
  readonly streamName: string;
  readonly revision: string;
  readonly position: string;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
  readonly recordedAt: string;
}

export function encodeEvent(event: RecordedEvent): string {
  const wire: WireEvent = {
    id: event.id,
    type: event.type,
    streamName: event.streamName,
    revision: event.revision.toString(),
    position: event.position.toString(),
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt,
  };
  return JSON.stringify(wire);
}

/** One message body for events already encoded one by one with `encodeEvent`: a JSON array, in position order. */
export function encodeBatch(encoded: readonly string[]): string {
  return `[${encoded.join(',')}]`;
}

/**
 * The events of one relayed message: a JSON array of events (the relay's batches), or a single event object (how
 * messages were written before batching; still read).
 */
export function decodeMessage(json: string, source: string): DeliveredEvent[] {
  const body: unknown = JSON.parse(json);
  const events = Array.isArray(body) ? body.map((wire) => fromWire(wire, source)) : [fromWire(body, source)];
  if (events.length === 0) throw new Error('relayed message holds no event');
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.position <= events[i - 1]!.position) throw new Error('relayed message holds events out of position order');
  }
  return events;
}

export function decodeEvent(json: string, source: string): DeliveredEvent {
  return fromWire(JSON.parse(json), source);
}

function fromWire(value: unknown, source: string): DeliveredEvent {
  const wire = (typeof value === 'object' && value !== null ? value : {}) as Partial<WireEvent>;
  if (typeof wire.id !== 'string' || typeof wire.type !== 'string' || typeof wire.streamName !== 'string') {
    throw new Error('relayed event lacks id, type or streamName');
  }
  return {
    id: wire.id,
    type: wire.type,
    streamName: wire.streamName,
    revision: parsePosition(wire.revision, 'revision'),
    position: parsePosition(wire.position, 'position'),
    data: wire.data,
    metadata: wire.metadata ?? {},
    recordedAt: String(wire.recordedAt),
    source,
  };
}

/** Strict decimal parsing: `BigInt('')` is 0n and `BigInt(' 1')` is 1n, neither of which is a valid position. */
export function parsePosition(value: unknown, what = 'position'): bigint {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]*)$/.test(value)) {
    throw new Error(`invalid ${what}: expected a decimal string`);
  }
  return BigInt(value);
}
