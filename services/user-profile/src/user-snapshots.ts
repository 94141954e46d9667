import type { SnapshotPolicy } from '@roster/platform';
import { isEncryptedPii, type EncryptedPii, type JsonValue, type PiiCodec } from '@roster/privacy';
import type { BotUserState } from './domain/bot-user';

/**
 * Bump whenever `evolve` changes what a `BotUserState` holds or means: a snapshot of another version is not used (the
 * stream is read whole once more and a new snapshot written).
 */
export const BOT_USER_SNAPSHOT_VERSION = 1;

/**
 * An append that leaves, or a load that folded, this many events or more past the user's snapshot writes a new one. At 1M users a stream holds
 * ~13 events, each on its own page, and reading one costs ~7 µs of CPU plus ~5 µs to decrypt (docs/benchmarks.md,
 * 2026-12-05); a snapshot is one row and one decryption, and writing it costs about what reading a few events does.
 */
export const BOT_USER_SNAPSHOT_EVERY = 8;

interface BotUserSnapshot {
  readonly v: number;
  /** The data subject: the whole state is encrypted with the user's key, so erasing the user shreds it too. */
  readonly userId: string;
  readonly state: EncryptedPii;
}

/**
 * The `BotUser` snapshot: the folded state as one value encrypted with the user's key (it holds the profile, field
 * values and notes). Its outside names only the version and the user id, as the events do.
 */
export function botUserSnapshots(pii: PiiCodec, onWriteError: (error: unknown) => void): SnapshotPolicy<BotUserState> {
  return {
    every: BOT_USER_SNAPSHOT_EVERY,
    async encode(state) {
      if (!state.exists || !state.userId) return undefined;
      const snapshot: BotUserSnapshot = { v: BOT_USER_SNAPSHOT_VERSION, userId: state.userId, state: await pii.encrypt(state.userId, state as unknown as JsonValue) };
      return snapshot;
    },
    async decode(data) {
      if (!isBotUserSnapshot(data) || data.v !== BOT_USER_SNAPSHOT_VERSION) return undefined;
      const state = await pii.decrypt(data.userId, data.state);
      return state === undefined ? undefined : (state as unknown as BotUserState);
    },
    onWriteError,
  };
}

function isBotUserSnapshot(value: unknown): value is BotUserSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const { v, userId, state } = value as Partial<BotUserSnapshot>;
  return typeof v === 'number' && typeof userId === 'string' && isEncryptedPii(state);
}
