import { ReadStoreError } from '../port';

/**
 * A snapshot file that cannot be used: corrupt, truncated, of another format version or read model, or whose key is
 * gone. The reason names what is wrong with the file, never what it holds, so it is safe to log.
 */
export class SnapshotUnreadableError extends ReadStoreError {
  constructor(readonly reason: string) {
    super(`the read store snapshot is unreadable: ${reason}`);
  }
}
