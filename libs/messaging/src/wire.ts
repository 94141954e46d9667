import type { RecordedEvent } from '@roster/eventstore';
import type { DeliveredEvent } from './port';

/** Headers every relayed event carries, so tools can route and locate messages without parsing bodies. */
export const POSITION_HEADER = 'Roster-Position';
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

export function decodeEvent(json: string, source: string): DeliveredEvent {
  const wire = JSON.parse(json) as Partial<WireEvent>;
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
