import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SnapshotUnreadableError } from './snapshot-errors';

export const SNAPSHOT_KEY_BYTES = 32;
export const SNAPSHOT_KEY_ID_BYTES = 16;
const KEY_FILE_V1 = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_FILE_BYTES = 1 + IV_BYTES + TAG_BYTES + SNAPSHOT_KEY_BYTES;
const KEY_ID = /^[0-9a-f]{32}$/;

/** A snapshot's data key and its id (random hex, written in the snapshot's header and in the key file's name). */
export interface SnapshotKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The data keys of the snapshots of one file, each in its own small file next to it (`<file>.<id>.key`), wrapped
 * (AES-256-GCM, the key id as authenticated data) under a secret derived from the master key. A key file is written
 * durably before its snapshot, and destroyed — overwritten, synced, unlinked — once a newer snapshot is durable, so a
 * copy of an older snapshot that survives somewhere can no longer be decrypted.
 *
 * Why files and not the key vault: the vault's `shred` records the subject as erased for ever (one row per snapshot,
 * every interval) and the vault is the compliance service's record of erasures; these keys are housekeeping.
 */
export class SnapshotKeys {
  constructor(
    private readonly file: string,
    private readonly wrappingKey: Uint8Array,
  ) {
    if (wrappingKey.length !== 32) throw new RangeError(`the snapshot wrapping key must be 32 bytes, got ${wrappingKey.length}`);
  }

  /** A fresh random key, durable on disk when this resolves. */
  async create(): Promise<SnapshotKey> {
    const id = randomBytes(SNAPSHOT_KEY_ID_BYTES).toString('hex');
    const key = randomBytes(SNAPSHOT_KEY_BYTES);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.wrappingKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(id));
    const wrapped = Buffer.concat([cipher.update(key), cipher.final()]);
    await writeDurably(this.pathOf(id), Buffer.concat([Buffer.of(KEY_FILE_V1), iv, cipher.getAuthTag(), wrapped]));
    return { id, key };
  }

  async read(id: string): Promise<Buffer> {
    if (!KEY_ID.test(id)) throw new SnapshotUnreadableError('the header names no valid key id');
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathOf(id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SnapshotUnreadableError('its key file is missing (destroyed)');
      throw error;
    }
    if (bytes.length !== KEY_FILE_BYTES || bytes[0] !== KEY_FILE_V1) throw new SnapshotUnreadableError('its key file is malformed');
    const decipher = createDecipheriv('aes-256-gcm', this.wrappingKey, bytes.subarray(1, 1 + IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(id));
    decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      throw new SnapshotUnreadableError('its key does not unwrap (another master key?)');
    }
  }

  /** Destroys one key: the snapshot written under it can no longer be read. */
  async destroy(id: string): Promise<void> {
    if (!KEY_ID.test(id)) return;
    await shredFile(this.pathOf(id));
    await syncDirectory(dirname(this.file));
  }

  /** Destroys every key of this snapshot file but `keep`'s: older ones and orphans of interrupted writes. */
  async destroyAllExcept(keep: string | undefined): Promise<void> {
    await destroySnapshotKeys(this.file, keep);
  }

  private pathOf(id: string): string {
    return `${this.file}.${id}.key`;
  }
}

/** Destroys the key files of snapshot `file` (all, or all but `keep`); needs no wrapping key. */
export async function destroySnapshotKeys(file: string, keep?: string): Promise<void> {
  const prefix = `${basename(file)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const doomed = names.filter((name) => {
    const suffix = name.endsWith('.key') ? '.key' : name.endsWith('.key.tmp') ? '.key.tmp' : undefined;
    if (!name.startsWith(prefix) || !suffix) return false;
    const id = name.slice(prefix.length, -suffix.length);
    return KEY_ID.test(id) && id !== keep;
  });
  for (const name of doomed) await shredFile(join(dirname(file), name));
  if (doomed.length > 0) await syncDirectory(dirname(file));
}

const aad = (id: string) => Buffer.from(`roster/readstore-snapshot-key/v1\0${id}`, 'utf8');

/** Writes a temporary file, syncs it, renames it into place and syncs the directory: all or nothing after a crash. */
export async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

/**
 * Overwrites the file with random bytes and syncs before unlinking, so the key's bytes do not stay in the freed
 * blocks. Best effort on copy-on-write file systems and flash translation layers, which may keep the old blocks.
 */
async function shredFile(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r+');
    try {
      const { size } = await handle.stat();
      await handle.write(randomBytes(size), 0, size, 0);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Makes a rename or unlink in the directory durable (no-op where directories cannot be opened for sync). */
export async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    await handle?.close();
  }
}
