import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Doc } from '../port';
import type { CollectionDump } from './embedded-collection';
import { SnapshotUnreadableError } from './snapshot-errors';
import {
  asDataPayload,
  asEndPayload,
  decodeHeader,
  decompressPayload,
  deserializePayload,
  encodeHeader,
  encodePayload,
  FRAME_PREFIX_BYTES,
  FrameKind,
  MAX_FRAME_BYTES,
  openFrame,
  sealFrame,
  type DataPayload,
  type EndPayload,
} from './snapshot-format';
import { destroySnapshotKeys, syncDirectory, type SnapshotKeys } from './snapshot-keys';

/**
 * Documents per frame: v8.serialize of 1000 user-list documents takes ~5 ms, the longest stretch a snapshot write
 * holds the event loop (compression runs on the thread pool, writes are awaited).
 */
export const ENTRIES_PER_FRAME = 1000;
const TOMBSTONES_PER_FRAME = 10 * ENTRIES_PER_FRAME;
/**
 * Frames decompressed ahead of the one being deserialized. With one, loading 1M users waited on decompression for a
 * fifth of its time on a busy machine; the thread pool has four threads.
 */
const FRAMES_AHEAD = 4;

/** A consistent cut of a store: every collection's dump, taken in one synchronous pass. */
export type StoreCut = ReadonlyMap<string, CollectionDump<Doc>>;

export interface SnapshotStats {
  readonly collections: number;
  readonly entries: number;
  readonly tombstones: number;
  readonly bytes: number;
}

export const snapshotTempFile = (file: string) => `${file}.tmp`;

/**
 * Writes `cut` to `file` under a fresh data key: key file first (durable), then the snapshot into `<file>.tmp`, synced
 * and renamed over `file`, the directory synced; only then are the older keys destroyed. A crash at any point leaves
 * either the previous snapshot with its key or the new one with its key.
 */
export async function writeSnapshot(file: string, cut: StoreCut, keys: SnapshotKeys, readModelVersion: string): Promise<SnapshotStats> {
  const key = await keys.create();
  const header = encodeHeader(key.id, readModelVersion);
  const temp = snapshotTempFile(file);
  let stats: SnapshotStats;
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      stats = await writeFrames(handle, cut, (index, kind, plain) => sealFrame(key.key, header, index, kind, plain), header.bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    await syncDirectory(dirname(file));
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    await keys.destroy(key.id);
    throw error;
  }
  await keys.destroyAllExcept(key.id);
  return stats;
}

async function writeFrames(
  handle: FileHandle,
  cut: StoreCut,
  seal: (index: number, kind: FrameKind, plain: Buffer) => Buffer,
  header: Buffer,
): Promise<SnapshotStats> {
  let bytes = 0;
  let index = 0;
  const put = async (kind: FrameKind, payload: DataPayload | EndPayload) => {
    const frame = seal(index++, kind, await encodePayload(payload));
    await handle.write(frame);
    bytes += frame.length;
  };
  await handle.write(header);
  bytes += header.length;
  let entries = 0;
  let tombstones = 0;
  let collections = 0;
  for (const [name, dump] of cut) {
    if (dump.entries.length === 0 && dump.tombstones.length === 0) continue;
    collections++;
    for (let i = 0; i < dump.entries.length; i += ENTRIES_PER_FRAME) {
      await put(FrameKind.Data, { c: name, e: dump.entries.slice(i, i + ENTRIES_PER_FRAME), t: [] });
    }
    for (let i = 0; i < dump.tombstones.length; i += TOMBSTONES_PER_FRAME) {
      await put(FrameKind.Data, { c: name, e: [], t: dump.tombstones.slice(i, i + TOMBSTONES_PER_FRAME) });
    }
    entries += dump.entries.length;
    tombstones += dump.tombstones.length;
  }
  await put(FrameKind.End, { frames: index, entries, tombstones });
  return { collections, entries, tombstones, bytes };
}

interface LoadedDump {
  readonly entries: (readonly [Doc, bigint])[];
  readonly tombstones: (readonly [string, bigint])[];
}

/**
 * Reads a snapshot back: undefined when there is none, `SnapshotUnreadableError` when it cannot be used. Nothing is
 * returned unless every frame authenticated and the end frame's totals match, so a caller never loads half a file.
 */
export async function readSnapshot(
  file: string,
  keys: SnapshotKeys,
  readModelVersion: string,
): Promise<{ dumps: Map<string, CollectionDump<Doc>>; stats: SnapshotStats } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const size = (await handle.stat()).size;
    const read = async (offset: number, length: number) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    };
    const header = await decodeHeader(read, readModelVersion);
    const key = await keys.read(header.keyId);
    /** Reads and authenticates frame `index` at `offset`. */
    const readFrame = async (offset: number, index: number) => {
      const prefix = await read(offset, FRAME_PREFIX_BYTES);
      if (prefix.length < FRAME_PREFIX_BYTES) throw new SnapshotUnreadableError('it is truncated (no end frame)');
      const length = prefix.readUInt32BE(0);
      const kind = prefix.readUInt8(4);
      if (kind !== FrameKind.Data && kind !== FrameKind.End) throw new SnapshotUnreadableError(`frame ${index} has an unknown kind`);
      if (length > MAX_FRAME_BYTES || offset + FRAME_PREFIX_BYTES + length > size) {
        throw new SnapshotUnreadableError(`it is truncated (frame ${index} ends past the end of the file)`);
      }
      const body = await read(offset + FRAME_PREFIX_BYTES, length);
      return { kind, opened: openFrame(key, header, index, kind, body), end: offset + FRAME_PREFIX_BYTES + length };
    };
    // Frames are read in order (each one's length says where the next begins) and decompressed on the thread pool,
    // up to FRAMES_AHEAD ahead of the one being deserialized on the main thread.
    const ahead: { kind: FrameKind; plain: Promise<Buffer>; end: number }[] = [];
    let readAt = header.bytes.length;
    let endRead = false;
    const readAhead = async () => {
      while (!endRead && ahead.length < FRAMES_AHEAD) {
        const frame = await readFrame(readAt, ahead.length + consumed);
        const plain = decompressPayload(frame.opened);
        plain.catch(() => undefined); // awaited in its round; a failure must not count as unhandled meanwhile
        ahead.push({ kind: frame.kind, plain, end: frame.end });
        readAt = frame.end;
        endRead = frame.kind === FrameKind.End;
      }
    };
    let consumed = 0;
    let reading = readAhead();
    const dumps = new Map<string, LoadedDump>();
    let entries = 0;
    let tombstones = 0;
    for (let index = 0; ; index++) {
      await reading;
      const next = ahead.shift()!;
      consumed++;
      const plain = await next.plain;
      reading = readAhead();
      reading.catch(() => undefined); // awaited in the next round
      if (next.kind === FrameKind.End) {
        const end = asEndPayload(deserializePayload(plain));
        if (end.frames !== index || end.entries !== entries || end.tombstones !== tombstones) {
          throw new SnapshotUnreadableError('the end frame does not match the frames read');
        }
        if (next.end !== size) throw new SnapshotUnreadableError('bytes follow the end frame');
        return { dumps, stats: { collections: dumps.size, entries, tombstones, bytes: size } };
      }
      const data = asDataPayload(deserializePayload(plain));
      let dump = dumps.get(data.c);
      if (!dump) dumps.set(data.c, (dump = { entries: [], tombstones: [] }));
      for (const entry of data.e) dump.entries.push(entry);
      for (const tombstone of data.t) dump.tombstones.push(tombstone);
      entries += data.e.length;
      tombstones += data.t.length;
    }
  } finally {
    await handle.close();
  }
}

/** Deletes the snapshot, an interrupted write's temporary file and every key file of `file`. */
export async function discardSnapshot(file: string): Promise<void> {
  for (const path of [file, snapshotTempFile(file)]) {
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  await destroySnapshotKeys(file);
  await syncDirectory(dirname(file));
}
