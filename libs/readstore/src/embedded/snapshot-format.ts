import { createCipheriv, createDecipheriv } from 'node:crypto';
import { promisify } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import { brotliCompress, brotliDecompress, constants as zlib } from 'node:zlib';
import type { Doc } from '../port';
import type { PartitionOrder } from './ordered-index';
import { SnapshotUnreadableError } from './snapshot-errors';
import { SNAPSHOT_KEY_ID_BYTES } from './snapshot-keys';

/**
 * The snapshot file, format 3:
 *
 *   header  magic "RRSNAPSH" | version u16 | key id (16 bytes) | read model version length u16 | read model version
 *   frame*  body length u32 | kind u8 | body = AES-256-GCM(plain) | GCM tag (16 bytes)
 *           plain of a data or end frame:  brotli(v8.serialize(payload))
 *           plain of an index frame:       head length u32 | v8.serialize({ c, f }) | brotli(v8.serialize({ p }))
 *
 * Per collection, its data frames (documents, then tombstones), then its index frames: each finished ordered
 * index's partitions in index order (`PartitionOrder`: the keys' documents as positions in the collection's document
 * order, run lengths per field, values only for multikey fields), several small partitions or one large one per
 * frame. An index frame's head (collection and fields) is outside its compressed part, so a load authenticates the
 * frame and learns whose order it holds without decompressing or deserializing the partitions: those stay compressed
 * until the index is adopted (`decodeIndexFrames`). Format 2 (2026-11-25 to 2026-12-05) is format 3 with index frames
 * compressed whole (`brotli(v8.serialize({ c, f, p }))`, decoded during the load); format 1 (until 2026-11-25) has no
 * index frames (the indexes are then built). Both are still read.
 *
 * All integers big-endian. Every frame is sealed on its own under the snapshot's data key with the nonce
 * `0000 | frame index (u64)` and the header, kind and index as authenticated data, so a frame is authenticated before
 * anything of it is parsed, and frames cannot be reordered, dropped or moved between files. The last frame is an
 * `end` frame with the totals: a file cut anywhere is recognised. The key is fresh per file, so a counter nonce never
 * repeats under one key.
 *
 * Payloads are serialized with node's `v8.serialize` (structured clone: bigint positions as they are; measured
 * faster than JSON both ways on user-list documents) and compressed with brotli at quality 1 (field names repeat in
 * every document: ~10x smaller for ~1 ms per frame, on the thread pool).
 */
export const SNAPSHOT_FORMAT_VERSION = 3;
/** Format versions this code reads. */
const READABLE_FORMATS = [1, 2, 3];
/** From this format on, index frames keep their head outside the compressed partitions. */
export const SEALED_INDEX_FORMAT = 3;
const MAGIC = Buffer.from('RRSNAPSH', 'latin1');
const FIXED_HEADER_BYTES = MAGIC.length + 2 + SNAPSHOT_KEY_ID_BYTES + 2;
export const FRAME_PREFIX_BYTES = 5;
const TAG_BYTES = 16;
/** No frame the writer makes comes near this; a larger length is corruption. */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;

export const FrameKind = { Data: 1, End: 2, Index: 3 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Documents or tombstones of one collection; a collection spans as many frames as its size needs. */
export interface DataPayload {
  readonly c: string;
  readonly e: readonly (readonly [Doc, bigint])[];
  readonly t: readonly (readonly [string, bigint])[];
}

/** Partitions of one ordered index of a collection, in index order; an index spans as many frames as it needs. */
export interface IndexPayload {
  readonly c: string;
  /** The index's fields. */
  readonly f: readonly string[];
  readonly p: readonly PartitionOrder[];
}

export interface EndPayload {
  readonly frames: number;
  readonly entries: number;
  readonly tombstones: number;
}

export interface SnapshotHeader {
  readonly bytes: Buffer;
  readonly format: number;
  readonly keyId: string;
  readonly readModelVersion: string;
}

/** `format` other than the current one only for tests of reading older files. */
export function encodeHeader(keyId: string, readModelVersion: string, format = SNAPSHOT_FORMAT_VERSION): SnapshotHeader {
  const version = Buffer.from(readModelVersion, 'utf8');
  if (version.length > 0xffff) throw new RangeError('the read model version is too long');
  const fixed = Buffer.alloc(FIXED_HEADER_BYTES);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt16BE(format, MAGIC.length);
  Buffer.from(keyId, 'hex').copy(fixed, MAGIC.length + 2);
  fixed.writeUInt16BE(version.length, MAGIC.length + 2 + SNAPSHOT_KEY_ID_BYTES);
  return { bytes: Buffer.concat([fixed, version]), format, keyId, readModelVersion };
}

/** Reads the header through `read(offset, length)`; checks magic, format and read model version. */
export async function decodeHeader(
  read: (offset: number, length: number) => Promise<Buffer>,
  expectedReadModelVersion: string,
): Promise<SnapshotHeader> {
  const fixed = await read(0, FIXED_HEADER_BYTES);
  if (fixed.length < FIXED_HEADER_BYTES || !fixed.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new SnapshotUnreadableError('it is not a read store snapshot (bad magic or too short)');
  }
  const format = fixed.readUInt16BE(MAGIC.length);
  if (!READABLE_FORMATS.includes(format)) throw new SnapshotUnreadableError(`format version ${format} is not one of ${READABLE_FORMATS.join(', ')}`);
  const keyId = fixed.subarray(MAGIC.length + 2, MAGIC.length + 2 + SNAPSHOT_KEY_ID_BYTES).toString('hex');
  const versionLength = fixed.readUInt16BE(MAGIC.length + 2 + SNAPSHOT_KEY_ID_BYTES);
  const version = await read(FIXED_HEADER_BYTES, versionLength);
  if (version.length < versionLength) throw new SnapshotUnreadableError('the header is truncated');
  const readModelVersion = version.toString('utf8');
  if (readModelVersion !== expectedReadModelVersion) throw new SnapshotUnreadableError('it was written for another read model version');
  return { bytes: Buffer.concat([fixed, version]), format, keyId, readModelVersion };
}

const compress = promisify(brotliCompress);
const DECOMPRESS_CHUNK_BYTES = 1 << 20;
const decompress = promisify(brotliDecompress);

/** v8.serialize, then brotli at quality 1 (on the thread pool). */
async function serializeCompressed(value: unknown): Promise<Buffer> {
  const plain = serialize(value);
  return compress(plain, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 1, [zlib.BROTLI_PARAM_SIZE_HINT]: plain.length },
  });
}

export function encodePayload(payload: DataPayload | IndexPayload | EndPayload): Promise<Buffer> {
  return serializeCompressed(payload);
}

/** An index frame's plain bytes in format 3 (see the file's layout above). */
export async function encodeIndexFrame(payload: IndexPayload): Promise<Buffer> {
  const head = serialize({ c: payload.c, f: payload.f });
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(head.length, 0);
  return Buffer.concat([prefix, head, await serializeCompressed({ p: payload.p })]);
}

/** An authenticated format-3 index frame: whose order it holds, and its partitions still compressed. */
export interface SealedIndexFrame {
  readonly c: string;
  readonly f: readonly string[];
  readonly body: Buffer;
}

export function splitIndexFrame(plain: Buffer): SealedIndexFrame {
  const length = plain.length >= 4 ? plain.readUInt32BE(0) : Infinity;
  if (4 + length > plain.length) throw new SnapshotUnreadableError('an index frame is shorter than its head');
  const head = asIndexPayload({ ...(deserializePayload(plain.subarray(4, 4 + length)) as object), p: [] });
  return { c: head.c, f: head.f, body: plain.subarray(4 + length) };
}

/**
 * The partitions of one index from its sealed frames, in file order. Runs when the index is adopted, long after the
 * load: decompression on the thread pool, one frame's deserialization at a time.
 */
export async function decodeIndexFrames(bodies: readonly Buffer[]): Promise<PartitionOrder[]> {
  const plains = await Promise.all(bodies.map(decompressPayload));
  const partitions: PartitionOrder[] = [];
  for (const plain of plains) {
    const payload = deserializePayload(plain) as { p?: unknown } | null;
    const p = typeof payload === 'object' && payload !== null ? payload.p : undefined;
    for (const partition of asPartitions(p)) partitions.push(partition);
  }
  return partitions;
}

/** First half of decoding, on the thread pool: a reader overlaps it with the previous frame's deserialization. */
export async function decompressPayload(bytes: Buffer): Promise<Buffer> {
  try {
    // Output in 1 MiB chunks (default 16 KiB): a frame of ~0.9 MB plain then costs one callback and one buffer on
    // the main thread instead of ~60 (at 1M users those took 6 s of a load).
    return await decompress(bytes, { chunkSize: DECOMPRESS_CHUNK_BYTES });
  } catch {
    throw new SnapshotUnreadableError('a frame does not decompress');
  }
}

export function deserializePayload(plain: Buffer): unknown {
  try {
    return deserialize(plain);
  } catch {
    throw new SnapshotUnreadableError('a frame does not deserialize');
  }
}

function nonce(index: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(BigInt(index), 4);
  return iv;
}

function frameAad(header: SnapshotHeader, kind: FrameKind, index: number): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeUInt8(kind, 0);
  tail.writeBigUInt64BE(BigInt(index), 1);
  return Buffer.concat([header.bytes, tail]);
}

/** The whole frame as written: prefix (length, kind), ciphertext, tag. */
export function sealFrame(key: Buffer, header: SnapshotHeader, index: number, kind: FrameKind, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(index), { authTagLength: TAG_BYTES });
  cipher.setAAD(frameAad(header, kind, index));
  const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  const prefix = Buffer.alloc(FRAME_PREFIX_BYTES);
  prefix.writeUInt32BE(body.length, 0);
  prefix.writeUInt8(kind, 4);
  return Buffer.concat([prefix, body]);
}

export function openFrame(key: Buffer, header: SnapshotHeader, index: number, kind: FrameKind, body: Buffer): Buffer {
  if (body.length < TAG_BYTES) throw new SnapshotUnreadableError('a frame is shorter than its tag');
  const decipher = createDecipheriv('aes-256-gcm', key, nonce(index), { authTagLength: TAG_BYTES });
  decipher.setAAD(frameAad(header, kind, index));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new SnapshotUnreadableError(`frame ${index} does not authenticate (corrupt, or another key)`);
  }
}

const isPosition = (value: unknown): value is bigint => typeof value === 'bigint' && value >= 0n;
const isPair = (value: unknown): value is readonly [unknown, unknown] => Array.isArray(value) && value.length === 2;

/** Authenticated frames come from our writer; the checks guard against a writer bug turning into a bad store. */
export function asDataPayload(value: unknown): DataPayload {
  const payload = value as Partial<DataPayload> | null;
  if (typeof payload !== 'object' || payload === null || typeof payload.c !== 'string' || payload.c === '') {
    throw new SnapshotUnreadableError('a data frame names no collection');
  }
  if (!Array.isArray(payload.e) || !Array.isArray(payload.t)) throw new SnapshotUnreadableError('a data frame lacks its lists');
  for (const entry of payload.e as unknown[]) {
    if (!isPair(entry) || !isPosition(entry[1])) throw new SnapshotUnreadableError('a document has no valid position');
    const doc = entry[0] as Doc | null;
    if (typeof doc !== 'object' || doc === null || typeof doc.id !== 'string' || doc.id === '') {
      throw new SnapshotUnreadableError('a document has no id');
    }
  }
  for (const tombstone of payload.t as unknown[]) {
    if (!isPair(tombstone) || typeof tombstone[0] !== 'string' || !isPosition(tombstone[1])) {
      throw new SnapshotUnreadableError('a tombstone is malformed');
    }
  }
  return payload as DataPayload;
}

/**
 * The shape of an index frame; its content is checked against the documents when an index adopts it
 * (`OrderedIndex.adopt`), which refuses it (the index is then built) if it does not match.
 */
export function asIndexPayload(value: unknown): IndexPayload {
  const payload = value as Partial<IndexPayload> | null;
  if (typeof payload !== 'object' || payload === null || typeof payload.c !== 'string' || payload.c === '') {
    throw new SnapshotUnreadableError('an index frame names no collection');
  }
  if (!Array.isArray(payload.f) || payload.f.length === 0 || !payload.f.every((field) => typeof field === 'string' && field !== '')) {
    throw new SnapshotUnreadableError('an index frame names no fields');
  }
  asPartitions(payload.p);
  return payload as IndexPayload;
}

/** An index frame's partitions: a list of objects (their content is checked when an index adopts them). */
function asPartitions(value: unknown): readonly PartitionOrder[] {
  if (!Array.isArray(value) || !value.every((partition) => typeof partition === 'object' && partition !== null)) {
    throw new SnapshotUnreadableError('an index frame lacks its partitions');
  }
  return value as PartitionOrder[];
}

/** One index's frames as read: decoded partitions (format 2) or sealed bodies, decoded when adopted (format 3). */
export interface GatheredIndex {
  readonly fields: readonly string[];
  readonly partitions: PartitionOrder[];
  readonly sealed: Buffer[];
}

/**
 * Index frames in file order, gathered per index (frames of one index follow each other): their partitions (format 2)
 * or their sealed bodies (format 3).
 */
export function gatherIndexes(
  indexes: Map<string, GatheredIndex>,
  fields: readonly string[],
  frame: { readonly partitions: readonly PartitionOrder[] } | { readonly sealed: Buffer },
): void {
  const key = JSON.stringify(fields);
  let index = indexes.get(key);
  if (!index) indexes.set(key, (index = { fields, partitions: [], sealed: [] }));
  if ('sealed' in frame) index.sealed.push(frame.sealed);
  else for (const partition of frame.partitions) index.partitions.push(partition);
}

export function asEndPayload(value: unknown): EndPayload {
  const payload = value as Partial<EndPayload> | null;
  const counts = [payload?.frames, payload?.entries, payload?.tombstones];
  if (!counts.every((count) => Number.isSafeInteger(count) && (count as number) >= 0)) {
    throw new SnapshotUnreadableError('the end frame is malformed');
  }
  return payload as EndPayload;
}
