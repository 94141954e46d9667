import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { sourceSubjects, streamNameFor } from '../subjects';
import { POSITION_HEADER, parsePosition } from '../wire';

/** Covers a relay restart and the overlap it republishes; the sequence guard of the relay covers the rest. */
export const MIN_DUPLICATE_WINDOW_MS = 2 * 60_000;

/**
 * One stream per source. Limits retention without max age: consumers rebuild their projections from the first
 * event, so nothing may expire. Personal data is crypto-shredded in the events, never deleted from the stream.
 */
export function eventStreamConfig(source: string, duplicateWindowMs = MIN_DUPLICATE_WINDOW_MS) {
  return {
    name: streamNameFor(source),
    subjects: [sourceSubjects(source)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: 0,
    max_msgs: -1,
    max_bytes: -1,
    duplicate_window: nanos(Math.max(duplicateWindowMs, MIN_DUPLICATE_WINDOW_MS)),
  } satisfies Partial<StreamConfig> & { name: string };
}

export async function ensureEventStream(jsm: JetStreamManager, source: string, duplicateWindowMs?: number): Promise<string> {
  const config = eventStreamConfig(source, duplicateWindowMs);
  try {
    const info = await jsm.streams.info(config.name);
    const current = info.config;
    const subjectsOk = config.subjects.every((s) => current.subjects?.includes(s));
    if (!subjectsOk || current.duplicate_window < config.duplicate_window || current.max_age !== 0) {
      await jsm.streams.update(config.name, {
        ...current,
        subjects: [...new Set([...(current.subjects ?? []), ...config.subjects])],
        duplicate_window: Math.max(current.duplicate_window, config.duplicate_window),
        max_age: 0,
      });
    }
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.StreamNotFound)) throw error;
    await jsm.streams.add(config).catch(async (addError: unknown) => {
      // The relay and the first consumer of a source may race to create it: whoever loses finds it there.
      await jsm.streams.info(config.name).catch(() => Promise.reject(addError));
    });
  }
  return config.name;
}

export function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

export interface StreamTail {
  /** Stream sequence of the last message (0 when the stream never held one). */
  readonly seq: number;
  /** Source position of the last relayed event; undefined when there is none. */
  readonly position: bigint | undefined;
}

/** The relay's checkpoint: the last message of the stream says how far the source store was relayed. */
export async function readTail(jsm: JetStreamManager, stream: string): Promise<StreamTail> {
  const { state } = await jsm.streams.info(stream);
  if (state.messages === 0) return { seq: state.last_seq, position: undefined };
  // Only an operator deletes single messages; the newest surviving one still marks how far the relay got.
  for (let seq = state.last_seq; seq >= state.first_seq; seq--) {
    const position = await positionAt(jsm, stream, seq);
    if (position !== undefined) return { seq: state.last_seq, position };
  }
  return { seq: state.last_seq, position: undefined };
}

/** Position header of the message at `seq`; undefined when that message was removed. */
export async function positionAt(jsm: JetStreamManager, stream: string, seq: number): Promise<bigint | undefined> {
  const message = await jsm.streams.getMessage(stream, { seq });
  if (!message) return undefined;
  return parsePosition(message.header.get(POSITION_HEADER) || undefined, `${POSITION_HEADER} of ${stream}#${seq}`);
}
