import {
  ANY as CLIENT_ANY,
  NO_STREAM as CLIENT_NO_STREAM,
  START,
  STREAM_EXISTS as CLIENT_STREAM_EXISTS,
  StreamDeletedError,
  WrongExpectedVersionError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type EventData,
  type Filter,
  type JSONType,
  type ReadPosition,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { jsonData } from '../append-validation';
import {
  EventStoreError,
  ExpectedVersionConflictError,
  type EventToAppend,
  type ExpectedRevision,
  type RecordedEvent,
} from '../port';

/**
 * Everything that knows the client's vocabulary lives here, so that a client rename or a change of store touches one
 * folder (style.md). The adapter's own streams (checkpoints) share this prefix and are hidden from readers of $all.
 */
export const INTERNAL_STREAM_PREFIX = 'roster-internal-';

// Matches user streams only: not `$` system streams (metadata `$$…`, stats, projections) and not our own.
const USER_STREAMS_REGEX = `^(?!\\$|${INTERNAL_STREAM_PREFIX})`;

export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return CLIENT_ANY;
    case 'no_stream':
      return CLIENT_NO_STREAM;
    case 'stream_exists':
      return CLIENT_STREAM_EXISTS;
    default:
      return expected;
  }
}

export function translateAppendError(error: unknown, streamName: string, expected: ExpectedRevision): unknown {
  if (error instanceof WrongExpectedVersionError) {
    const actual = error.actualState;
    return new ExpectedVersionConflictError(streamName, expected, actual === CLIENT_NO_STREAM ? 'no_stream' : actual);
  }
  if (error instanceof StreamDeletedError) {
    return new EventStoreError(`stream ${streamName} was tombstoned and can never be written again`, { cause: error });
  }
  return error;
}

export function toEventData(event: EventToAppend): EventData {
  return jsonEvent({
    id: event.id,
    type: event.type,
    data: jsonData(event.data) as JSONType,
    metadata: event.metadata as JSONType | undefined,
  });
}

/** Reading $all from a position is inclusive on the server; callers drop the event at `after` themselves. */
export function toReadPosition(after: bigint | undefined): ReadPosition {
  // Events appended through gRPC commit implicitly, so an event's commit and prepare positions are the same.
  return after === undefined ? START : { commit: after, prepare: after };
}

export function serverFilter(streamPrefixes: readonly string[] | undefined): Filter {
  return streamPrefixes === undefined
    ? streamNameFilter({ regex: USER_STREAMS_REGEX })
    : streamNameFilter({ prefixes: [...streamPrefixes] });
}

/**
 * Global position of a resolved event. On $all, events appended through gRPC commit implicitly, so commit and prepare
 * positions are equal and $all is ordered by them. On stream reads the prepare position is the event's own log
 * position while the commit position may be its write's, shared by every event of a multi-event append: so prepare.
 */
export function positionOf(resolved: AllStreamResolvedEvent | ResolvedEvent): bigint | undefined {
  const position = resolved.event?.position?.prepare ?? resolved.event?.position?.commit ?? resolved.commitPosition;
  // Servers before 22.6 send no position on stream reads, some send u64::MAX instead of nothing.
  return position === undefined || position >= 2n ** 63n ? undefined : position;
}

export function isUserEvent(resolved: AllStreamResolvedEvent | ResolvedEvent): boolean {
  const event = resolved.event;
  return (
    event !== undefined &&
    !event.type.startsWith('$') &&
    !event.streamId.startsWith('$') &&
    !event.streamId.startsWith(INTERNAL_STREAM_PREFIX)
  );
}

/** Converts a user event (see `isUserEvent`); system events, links and our own streams are the caller's to skip. */
export function toRecordedEvent(resolved: AllStreamResolvedEvent | ResolvedEvent): RecordedEvent {
  const event = resolved.event;
  if (!event) throw new EventStoreError('KurrentDB returned a link to a missing event');
  const position = positionOf(resolved);
  if (position === undefined) {
    throw new EventStoreError(`stream ${event.streamId}: the server sent no event position (needs KurrentDB, or EventStoreDB 22.6+)`);
  }
  return {
    id: event.id,
    type: event.type,
    streamName: event.streamId,
    revision: event.revision,
    position,
    data: event.data,
    metadata: isRecord(event.metadata) ? event.metadata : {},
    recordedAt: event.created.toISOString(),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
