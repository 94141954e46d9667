/**
 * Privacy ports: per-user data keys for crypto-shredding.
 *
 * Personal values in events are encrypted with AES-256-GCM under a data key that belongs to one data subject (a bot
 * user id). Erasure deletes the key; every stored copy of those values becomes unreadable.
 */

export interface KeyVault {
  /** Returns the subject's data key, creating it on first use. Throws `KeyShreddedError` after `shred`. */
  getOrCreateKey(subjectId: string): Promise<Uint8Array>;
  /** The subject's data key, or undefined when none was made or it was shredded. */
  getKey(subjectId: string): Promise<Uint8Array | undefined>;
  /**
   * Several subjects' keys at once, each as `getKey` would return it, in the order asked (a batch's cache misses:
   * one read transaction on SQLite, one query on MongoDB). Creates nothing.
   */
  getKeys(subjectIds: readonly string[]): Promise<(Uint8Array | undefined)[]>;
  /** Deletes the key for good and remembers that the subject was erased. Idempotent. */
  shred(subjectId: string): Promise<void>;
  isShredded(subjectId: string): Promise<boolean>;
  close(): Promise<void>;
}

export class KeyShreddedError extends Error {
  constructor(readonly subjectId: string) {
    super('the data key of this subject was shredded');
    this.name = 'KeyShreddedError';
  }
}
