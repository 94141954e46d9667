import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Doc } from '../port';
import type { CollectionDump, LoadedDump } from './embedded-collection';
import type { IndexOrder, LoadedIndexOrder } from './indexes';
import { SnapshotUnreadableError } from './snapshot-errors';
import {
  asDataPayload,
  asEndPayload,
  asIndexPayload,
  decodeHeader,
  decodeIndexFrames,
  decompressPayload,
  deserializePayload,
  encodeHeader,
  encodeIndexFrame,
  encodePayload,
  FRAME_PREFIX_BYTES,
  FrameKind,
  gatherIndexes,
  MAX_FRAME_BYTES,
  openFrame,
  SEALED_INDEX_FORMAT,
  sealFrame,
  splitIndexFrame,
  type DataPayload,
  type EndPayload,
  type GatheredIndex,
  type IndexPayload,
  type SnapshotHeader,
} from './snapshot-format';
import { destroySnapshotKeys, syncDirectory, type SnapshotKeys } from './snapshot-keys';

/**
 * Documents per frame: v8.serialize of 1000 user-list documents takes ~5 ms, the longest stretch a snapshot write
 * holds the event loop (compression runs on the thread pool, writes are awaited).
 */
export const ENTRIES_PER_FRAME = 1000;
const TOMBSTONES_PER_FRAME = 10 * ENTRIES_PER_FRAME;
/** Index keys per frame (4 bytes of position each, plus run lengths); a larger partition fills a frame alone. */
const INDEX_KEYS_PER_FRAME = 256 * ENTRIES_PER_FRAME;
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
  /** Index orders written or read (one per ordered index of a collection). */
  readonly indexes: number;
  readonly bytes: number;
}

export const snapshotTempFile = (file: string) => `${file}.tmp`;

/**
 * Writes `cut` to `file` under a fresh data key: key file first (durable), then the snapshot into `<file>.tmp`, synced
 * and renamed over `file`, the directory synced; only then are the older keys destroyed. A crash at any point leaves
 * either the previous snapshot with its key or the new one with its key.
 */
export async function writeSnapshot(file: string, cut: StoreCut, keys: SnapshotKeys, readModelVersion: string, format?: number): Promise<SnapshotStats> {
  const key = await keys.create();
  const header = encodeHeader(key.id, readModelVersion, format);
  const temp = snapshotTempFile(file);
  let stats: SnapshotStats;
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      stats = await writeFrames(handle, cut, (index, kind, plain) => sealFrame(key.key, header, index, kind, plain), header);
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
  header: SnapshotHeader,
): Promise<SnapshotStats> {
  let bytes = 0;
  let index = 0;
  const sealedIndexes = header.format >= SEALED_INDEX_FORMAT;
  const put = async (kind: FrameKind, payload: DataPayload | IndexPayload | EndPayload) => {
    const plain = kind === FrameKind.Index && sealedIndexes ? await encodeIndexFrame(payload as IndexPayload) : await encodePayload(payload);
    const frame = seal(index++, kind, plain);
    await handle.write(frame);
    bytes += frame.length;
  };
  await handle.write(header.bytes);
  bytes += header.bytes.length;
  let entries = 0;
  let tombstones = 0;
  let collections = 0;
  let indexes = 0;
  for (const [name, dump] of cut) {
    if (dump.docs.length === 0 && dump.tombstones.length === 0) continue;
    collections++;
    for (let i = 0; i < dump.docs.length; i += ENTRIES_PER_FRAME) {
      // A frame's pairs live for one frame (young garbage), not for the whole write.
      const e: (readonly [Doc, bigint])[] = [];
      const end = Math.min(i + ENTRIES_PER_FRAME, dump.docs.length);
      for (let j = i; j < end; j++) e.push([dump.docs[j]!, dump.positions[j]!]);
      await put(FrameKind.Data, { c: name, e, t: [] });
    }
    for (let i = 0; i < dump.tombstones.length; i += TOMBSTONES_PER_FRAME) {
      await put(FrameKind.Data, { c: name, e: [], t: dump.tombstones.slice(i, i + TOMBSTONES_PER_FRAME) });
    }
    entries += dump.docs.length;
    tombstones += dump.tombstones.length;
    for (const order of dump.indexes ?? []) {
      for (const partitions of indexFrames(order)) await put(FrameKind.Index, { c: name, f: order.fields, p: partitions });
      indexes++;
    }
  }
  await put(FrameKind.End, { frames: index, entries, tombstones });
  return { collections, entries, tombstones, indexes, bytes };
}

/** An index's partitions in frames of about `INDEX_KEYS_PER_FRAME` keys (at least one frame, so an empty index is kept). */
function* indexFrames(order: IndexOrder): Generator<IndexOrder['partitions']> {
  let frame: IndexOrder['partitions'][number][] = [];
  let keys = 0;
  for (const partition of order.partitions) {
    if (frame.length > 0 && keys + partition.refs.length > INDEX_KEYS_PER_FRAME) {
      yield frame;
      frame = [];
      keys = 0;
    }
    frame.push(partition);
    keys += partition.refs.length;
  }
  yield frame;
}

interface Loading {
  readonly docs: Doc[];
  readonly positions: bigint[];
  readonly tombstones: (readonly [string, bigint])[];
  indexes?: LoadedIndexOrder[];
}

/**
 * Reads a snapshot back: undefined when there is none, `SnapshotUnreadableError` when it cannot be used. Nothing is
 * returned unless every frame authenticated and the end frame's totals match, so a caller never loads half a file.
 * The partitions of a format-3 file's index orders are returned sealed: authenticated, still compressed, decoded by
 * the order's `partitions()` when its index is adopted (a failure there refuses the order; the index is built).
 * `onDocument` sees each document of a collection as soon as its frame is deserialized (and authenticated): the
 * store shares its repeated strings then, while the frame's copies are still young garbage, rather than after the
 * whole file, when a million documents' duplicates would have been promoted to the old generation first.
 */
export async function readSnapshot(
  file: string,
  keys: SnapshotKeys,
  readModelVersion: string,
  onDocument?: (collection: string, doc: Doc) => void,
): Promise<{ dumps: Map<string, LoadedDump<Doc>>; stats: SnapshotStats } | undefined> {
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
      const known = kind === FrameKind.Data || kind === FrameKind.End || (kind === FrameKind.Index && header.format >= 2);
      if (!known) throw new SnapshotUnreadableError(`frame ${index} has an unknown kind`);
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
        // A format-3 index frame's partitions stay compressed (its head is read in the loop below).
        const sealed = frame.kind === FrameKind.Index && header.format >= SEALED_INDEX_FORMAT;
        const plain = sealed ? Promise.resolve(frame.opened) : decompressPayload(frame.opened);
        plain.catch(() => undefined); // awaited in its round; a failure must not count as unhandled meanwhile
        ahead.push({ kind: frame.kind, plain, end: frame.end });
        readAt = frame.end;
        endRead = frame.kind === FrameKind.End;
      }
    };
    let consumed = 0;
    let reading = readAhead();
    const dumps = new Map<string, Loading>();
    const indexes = new Map<string, Map<string, GatheredIndex>>();
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
        let orders = 0;
        for (const [name, byFields] of indexes) {
          dumps.get(name)!.indexes = [...byFields.values()].map(({ fields, partitions, sealed }) =>
            sealed.length === 0 ? { fields, partitions } : { fields, partitions: () => decodeIndexFrames(sealed) },
          );
          orders += byFields.size;
        }
        return { dumps, stats: { collections: dumps.size, entries, tombstones, indexes: orders, bytes: size } };
      }
      if (next.kind === FrameKind.Index) {
        const order = header.format >= SEALED_INDEX_FORMAT ? splitIndexFrame(plain) : asIndexPayload(deserializePayload(plain));
        // Positions refer to the collection's documents, which come first.
        if (!dumps.has(order.c)) throw new SnapshotUnreadableError('an index frame precedes its collection');
        if (!indexes.has(order.c)) indexes.set(order.c, new Map());
        gatherIndexes(indexes.get(order.c)!, order.f, 'body' in order ? { sealed: order.body } : { partitions: order.p });
        continue;
      }
      const data = asDataPayload(deserializePayload(plain));
      let dump = dumps.get(data.c);
      if (!dump) dumps.set(data.c, (dump = { docs: [], positions: [], tombstones: [] }));
      // The frame's pairs die young: only their documents and positions are kept.
      for (const [doc, position] of data.e) {
        onDocument?.(data.c, doc);
        dump.docs.push(doc);
        dump.positions.push(position);
      }
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
