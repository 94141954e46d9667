import { deflateRawSync, inflateRawSync, type ZlibOptions } from 'node:zlib';
import type { SnapshotPolicy } from '@roster/platform';
import { isEncryptedBytes, isEncryptedPii, type EncryptedPii, type PiiCodec } from '@roster/privacy';
import type { BotUserState } from './domain/bot-user';

/**
 * Bump whenever `evolve` changes what a `BotUserState` holds or means: a snapshot of another version is not used (the
 * stream is read whole once more and a new snapshot written).
 */
export const BOT_USER_SNAPSHOT_VERSION = 1;

/**
 * An append that leaves, or a load that folded, this many events or more past the user's snapshot writes a new one.
 * At 1M users a stream holds ~13 events, each on its own page, and reading one costs ~7 µs of CPU plus ~5 µs to decrypt
 * (docs/benchmarks.md, 2026-12-05); a snapshot is one row and one decryption, and writing it costs about what reading a
 * few events does.
 */
export const BOT_USER_SNAPSHOT_EVERY = 8;

/**
 * Written since 2026-12-06: the state's JSON compressed (raw deflate with `DICTIONARY_1`), then encrypted as bytes.
 * A state of a user with a profile, a few tags and fields is ~1.3 KB of JSON; encrypted as text (the form before, still
 * read) its row exceeded what a SQLite page holds in place (~1 KB at 4 KiB pages), so each took a page of its own for
 * the rest — a 4 KiB page mostly empty per user. Compressed it is ~0.5 KB.
 */
interface CompressedSnapshot {
  readonly v: number;
  /** The data subject: the whole state is encrypted with the user's key, so erasing the user shreds it too. */
  readonly userId: string;
  /** Which dictionary compressed `state`; a snapshot with another one is not used (read whole once more). */
  readonly z: 1;
  /** `PiiCodec.encryptBytes` of the compressed JSON. */
  readonly state: string;
}

/** The form written before 2026-12-06, still read: the state's JSON encrypted as a personal value. */
interface JsonSnapshot {
  readonly v: number;
  readonly userId: string;
  readonly state: EncryptedPii;
}

/**
 * The `BotUser` snapshot: the folded state as one value encrypted with the user's key (it holds the profile, field
 * values and notes). Its outside names only the version, the compression dictionary and the user id, as the events
 * name their user.
 */
export function botUserSnapshots(pii: PiiCodec, onWriteError: (error: unknown) => void): SnapshotPolicy<BotUserState> {
  return {
    every: BOT_USER_SNAPSHOT_EVERY,
    async encode(state) {
      if (!state.exists || !state.userId) return undefined;
      const compressed = deflateRawSync(JSON.stringify(state), ZLIB_1);
      const snapshot: CompressedSnapshot = { v: BOT_USER_SNAPSHOT_VERSION, userId: state.userId, z: 1, state: await pii.encryptBytes(state.userId, compressed) };
      return snapshot;
    },
    async decode(data) {
      if (!isBotUserSnapshot(data)) return undefined;
      if (data.z === 1 && isEncryptedBytes(data.state)) {
        const compressed = await pii.decryptBytes(data.userId, data.state);
        return compressed && (JSON.parse(inflateRawSync(compressed, ZLIB_1).toString('utf8')) as BotUserState);
      }
      if (data.z === undefined && isEncryptedPii(data.state)) {
        const state = await pii.decrypt(data.userId, data.state);
        return state === undefined ? undefined : (state as unknown as BotUserState);
      }
      return undefined;
    },
    onWriteError,
  };
}

/** The outside of a snapshot of this version, either form; `z` and `state` say which (checked by `decode`). */
function isBotUserSnapshot(value: unknown): value is { readonly userId: string; readonly z?: unknown; readonly state: unknown } {
  if (typeof value !== 'object' || value === null) return false;
  const { v, userId } = value as Partial<CompressedSnapshot | JsonSnapshot>;
  return v === BOT_USER_SNAPSHOT_VERSION && typeof userId === 'string';
}

/**
 * The preset dictionary of `z: 1` — part of the stored format: never change it; a better one is `z: 2` beside it.
 * The state's keys and common values in the order `evolve` writes them (deflate finds nearer matches cheaper, so the
 * most frequent text comes last). With it a 1.3 KB state compresses to ~0.37 KB instead of ~0.53 KB; raw deflate at
 * level 6 with a 2 KiB window (the state is small) costs ~17 µs and inflating ~6 µs here.
 */
const DICTIONARY_1 = Buffer.from(
  [
    '"webchat","voice","sms","whatsapp","instagram",',
    '"notes":[{"id":"","text":"","createdAt":"","updatedAt":""}],',
    '{"type":"date","value":"","type":"datetime","value":"","type":"boolean","value":true},"type":"boolean","value":false},',
    '"type":"number","value":},"type":"text","value":"',
    '"status":"unsubscribed","subscribedAt":null,',
    '"profile":{"firstName":"","lastName":"","name":"","gender":"","language":"","locale":"","timezone":"","profilePicUrl":"https://","phone":"+","email":"@"},',
    '{"exists":true,"profile":{},"status":"subscribed","subscribedAt":"","tags":[],"fields":{},"notes":[],',
    '"sequences":[{"id":"","name":"","subscribedAt":""}],"otnTopics":[{"id":"","name":"","optedInAt":""}],',
    '"asOf":{"tag:","field:","sequence:","otn:"},',
    '"botId":"","userId":"","channel":"messenger","channelUserId":"","profileAsOf":"","statusAsOf":"",',
    '"lastInteractionAt":"","createdAt":"2026-01-01T00:00:00.000Z"}',
  ].join(''),
  'utf8',
);

const ZLIB_1: ZlibOptions = { level: 6, windowBits: 11, memLevel: 5, dictionary: DICTIONARY_1 };
