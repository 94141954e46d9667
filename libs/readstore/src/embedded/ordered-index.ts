/*
 * The ordered structure is `sorted-btree` (MIT, no runtime dependencies, written in TypeScript with its typings,
 * published since 2018 by David Piepgrass and still released in 2025): a B+ tree with a custom comparator, O(1)
 * size, range scans with early exit (`forRange`), iteration from any key in both directions (`entries` /
 * `entriesReversed`) and O(n) bulk loading from sorted keys (`extended/bulkLoad`). A hand-written balanced tree would need the same rebalancing code and tests of its own.
 */
import { isUint32Array } from 'node:util/types';
import BTree from 'sorted-btree';
import { bulkLoad } from 'sorted-btree/extended/bulkLoad';
import type { Keyset } from '../cursor';
import { compareStrings } from '../filter/compare';
import { leafScalars, splitPath, type FieldPath } from '../filter/paths';
import type { Doc } from '../port';
import { keysBefore } from './btree-rank';
import type { Entry } from './entry';
import { sortInTurns, turnPause, type Pause } from './sort-in-turns';
import {
  compareIndexValues,
  directValue,
  manyValues,
  rawReader,
  sameValues,
  Shape,
  shapeOf,
  type BoundValue,
  type IndexValue,
  type RawReader,
} from './index-values';

/**
 * The documents holding one combination of values, by id: a single entry (most of them, in indexes over nearly
 * unique values such as times) or a tree keyed by id. Keys are the documents' own id strings and values their
 * entries, so a key costs two slots in a leaf and no object of its own.
 */
type Bucket<T extends Doc> = Entry<T> | BTree<string, Entry<T>>;
/** One level per field after the first: a tree from that field's values to the next level (or to buckets). */
type Level<T extends Doc> = BTree<BoundValue, Node<T>>;
type Node<T extends Doc> = Level<T> | Bucket<T>;

/** The documents sharing one value of the index's first field. */
export interface Partition<T extends Doc> {
  readonly value: IndexValue;
  root: Node<T> | undefined;
  /** Documents in this partition, keyed or not. */
  docs: number;
  /** Keys (documents × combinations of their values) in the tree. */
  keys: number;
  /** Documents left out of the tree because every field after the first is null or missing (nothing to order by). */
  omitted: number;
}

/** A bound of a range over one field's values; `Edge` values bound a type bracket. */
export interface Bound {
  readonly value: BoundValue;
  readonly inclusive: boolean;
}

/**
 * Part of one partition: the keys with the `prefix` values on the first fields after the partition's, then within
 * bounds, and with a value there that passes `where` (a text condition tested on the level's values, never on the
 * documents; only below a level, not at the buckets).
 */
export interface Range<T extends Doc> {
  readonly partition: Partition<T>;
  readonly prefix: readonly IndexValue[];
  readonly low?: Bound;
  readonly high?: Bound;
  readonly where?: ValueTest;
}

/** A test of one index value; `key` names it (equal keys, equal tests). */
export interface ValueTest {
  readonly key: string;
  readonly test: (value: IndexValue) => boolean;
}

/**
 * One partition of an index in index order, as a snapshot keeps it: the documents of its keys, in order, as
 * positions in the snapshot's document order (`refs`), and per tail field the lengths (in keys) of the runs of equal
 * values, each field's runs nested in those of the field before. A field's values are kept (`values`) only where some
 * document has several values (multikey: a document is keyed once per value); elsewhere a run's value is read from
 * its first document. A million keys of a time index: 4 MB of positions and as many run lengths of 1.
 */
export interface PartitionOrder {
  readonly value: IndexValue;
  readonly refs: Uint32Array;
  readonly runs: readonly Uint32Array[];
  readonly values: readonly (readonly IndexValue[] | null)[];
}

/** One partition's order being loaded (`adopt`). */
interface Loading<T extends Doc> {
  readonly order: PartitionOrder;
  readonly entries: readonly Entry<T>[];
  readonly docOf: (entry: Entry<T>) => T;
  /** Per position, the keys its document still has to be found with. */
  readonly expected: Uint32Array;
  /** Per position, the document's partition when it has one only (the usual case): checked without reading it. */
  readonly sole: readonly (IndexValue | undefined)[];
  readonly partition: IndexValue;
  /** The values of the runs being loaded, per tail field. */
  readonly path: IndexValue[];
  /** Per tail field, the key whose document gave the run's value (that key need not be checked there again). */
  readonly readAt: number[];
  /** Per tail field, the next run. */
  readonly cursors: number[];
}

interface LevelLoad<T extends Doc> {
  readonly values: BoundValue[];
  readonly children: Node<T>[];
}

const REFUSED = Symbol('refused');
const isIndexValue = (value: unknown): value is IndexValue =>
  value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && !Number.isNaN(value));

const MAX_NODE_SIZE = 64;
const STOP = { break: true } as const;
const DELETE = { delete: true } as const;

const isBucketTree = <T extends Doc>(node: Node<T>): node is BTree<string, Entry<T>> => node instanceof BTree;

/**
 * One declared index, as MongoDB keeps it: compound, ordered, multikey over array elements (a document is keyed
 * once per distinct element, and per combination when several fields hold arrays). The first field partitions the
 * documents (queries pin it, e.g. `botId`); below, one tree level per further field, then buckets by id. A trailing
 * `id` field adds nothing (buckets are ordered by id) and is dropped. Directions are not needed: a B+ tree is walked
 * both ways, and a page's order is one direction for value and id alike.
 *
 * Comparisons only ever read the keys' own values (strings, numbers, booleans shared with the documents), never the
 * documents, so maintaining an index touches little memory.
 */
export class OrderedIndex<T extends Doc> {
  readonly first: string;
  /** The fields after the first (a trailing `id` dropped): one level each. */
  readonly tail: readonly string[];
  readonly partitions = new Map<IndexValue, Partition<T>>();
  /** Per tail field: documents whose value there is not a string, number or null (so not sortable). */
  readonly irregular: number[];
  /** Per tail field: documents with more than one value there (they are keyed several times). */
  readonly multi: number[];
  /** Documents in more than one partition (an array in the first field). */
  multiPartition = 0;
  private readonly firstPath: FieldPath;
  private readonly firstReader: RawReader;
  private readonly tailPaths: FieldPath[];
  private readonly readers: RawReader[];
  /** Per tail field, the document's values being indexed (one value, or several): reused across calls. */
  private readonly columns: (IndexValue | IndexValue[])[];

  constructor(readonly fields: readonly string[]) {
    this.first = fields[0]!;
    const tail = fields.slice(1);
    if (tail[tail.length - 1] === 'id') tail.pop();
    this.tail = tail;
    this.firstPath = splitPath(this.first);
    this.firstReader = rawReader(this.firstPath);
    this.tailPaths = tail.map(splitPath);
    this.readers = this.tailPaths.map(rawReader);
    this.irregular = tail.map(() => 0);
    this.multi = tail.map(() => 0);
    this.columns = tail.map(() => null);
  }

  add(entry: Entry<T>): void {
    this.enter(entry, (partition) => {
      partition.root = this.insert(partition, partition.root, 0, entry);
      const bits = treeBits.get(partition);
      if (bits) setBit(bits, entry.seq);
      const tested = testBits.get(partition);
      if (tested) for (const kept of tested.values()) if (this.passes(kept.test)) setBit(kept, entry.seq);
    });
  }

  /**
   * Counts a new document in its partitions (created as needed) and hands over each one where it has keys, its
   * values read into `columns`.
   */
  private enter(entry: Entry<T>, key: (partition: Partition<T>) => void): void {
    const partitions = this.partitionValues(entry.doc);
    if (partitions.length === 0) return;
    const keyed = this.readColumns(entry.doc, 1, partitions.length);
    for (const value of partitions) {
      let partition = this.partitions.get(value);
      if (!partition) this.partitions.set(value, (partition = { value, root: undefined, docs: 0, keys: 0, omitted: 0 }));
      partition.docs++;
      if (keyed) key(partition);
      else partition.omitted++;
    }
  }

  /** Call with the document as it was indexed (by default the entry's: before it is replaced). */
  remove(entry: Entry<T>, doc: T = entry.doc): void {
    const partitions = this.partitionValues(doc);
    if (partitions.length === 0) return;
    const keyed = this.readColumns(doc, -1, partitions.length);
    for (const value of partitions) {
      const partition = this.partitions.get(value);
      if (!partition) continue;
      partition.docs--;
      if (!keyed) partition.omitted--;
      else {
        if (partition.root !== undefined) partition.root = this.delete(partition, partition.root, 0, entry);
        clearBit(treeBits, partition, entry.seq);
        const tested = testBits.get(partition);
        if (tested && entry.seq < 0) testBits.delete(partition);
        else if (tested) for (const kept of tested.values()) clearBit(tested, kept.key, entry.seq);
      }
      if (partition.docs === 0) this.partitions.delete(value);
    }
  }

  /**
   * Indexes many documents into an empty index at once: groups them by their values level by level, sorts each
   * level's distinct values once, and bulk-loads every tree (O(n) after sorting; no per-key descent).
   */
  build(entries: readonly Entry<T>[]): void {
    const groups: Grouping<T> = new Map();
    for (const entry of entries) this.groupEntry(groups, entry);
    this.finishBuild(groups);
  }

  /**
   * The first half of a bulk build, one entry at a time (so that it can be spread over turns): counts the entry in
   * this index's partitions and files it under its values in `groups`, as its document stands now.
   */
  groupEntry(groups: Grouping<T>, entry: Entry<T>): void {
    this.enter(entry, (partition) => groups.set(partition.value, this.group(groups.get(partition.value), 0, entry, partition)));
  }

  /**
   * The second half: sorts each level's distinct values once and bulk-loads every tree of the grouped entries,
   * leaving out `stale` ones (grouped by a document they no longer hold; see `uncount`).
   */
  finishBuild(groups: Grouping<T>, stale?: ReadonlySet<Entry<T>>): void {
    for (const [value, group] of groups) setRoot(this.partitions.get(value)!, toNode(group, 0, this.tail.length, stale));
  }

  /**
   * `finishBuild` spread over turns: a level of more than `SORTED_AT_ONCE` values (times, names, addresses: a million
   * under one bot) is sorted in turns, and every level's children are made one by one, `pause` being awaited after
   * each (it yields when the turn is up; `cancelled` abandons the build); one bucket is loaded at once. The groups
   * must not change meanwhile. False if abandoned.
   */
  async finishBuildInTurns(groups: Grouping<T>, stale: ReadonlySet<Entry<T>>, turnMs: number, cancelled: () => boolean): Promise<boolean> {
    const pause = turnPause(turnMs, cancelled);
    for (const [value, group] of groups) {
      const root = await toNodeInTurns(group, 0, this.tail.length, stale, pause, turnMs, cancelled);
      if (root === ABANDONED || cancelled()) return false;
      setRoot(this.partitions.get(value)!, root);
    }
    return true;
  }

  /** Takes back what `groupEntry` counted for an entry grouped by `doc` that `finishBuild` left out as stale. */
  uncount(doc: T): void {
    const partitions = this.partitionValues(doc);
    if (partitions.length === 0) return;
    const keyed = this.readColumns(doc, -1, partitions.length);
    const keys = this.keysOfColumns();
    for (const value of partitions) {
      const partition = this.partitions.get(value)!;
      partition.docs--;
      treeBits.delete(partition);
      testBits.delete(partition);
      if (keyed) partition.keys -= keys;
      else partition.omitted--;
      if (partition.docs === 0) this.partitions.delete(value);
    }
  }

  /** The number of keys per partition of the document whose values are in `columns` (when keyed). */
  private keysOfColumns(): number {
    let keys = 1;
    for (const column of this.columns) if (Array.isArray(column)) keys *= column.length;
    return keys;
  }

  /**
   * This index in index order, partition by partition, for a snapshot (`PartitionOrder`), the documents named by
   * `positionOf`. Synchronous: the caller takes it in the same cut as the documents. Undefined if the trees do not
   * hold the keys the partitions count (a bug: the snapshot then keeps no order of this index).
   */
  order(positionOf: (entry: Entry<T>) => number): PartitionOrder[] | undefined {
    const m = this.tail.length;
    const orders: PartitionOrder[] = [];
    for (const partition of this.partitions.values()) {
      if (partition.root === undefined) continue;
      const refs = new Uint32Array(partition.keys);
      const runs = this.tail.map(() => new Uint32Array(partition.keys));
      const lengths = this.tail.map(() => 0);
      const values = this.multi.map((count) => (count > 0 ? ([] as IndexValue[]) : null));
      let k = 0;
      const walk = (node: Node<T>, depth: number): void => {
        if (depth === m) {
          if (!isBucketTree(node as Bucket<T>)) refs[k++] = positionOf(node as Entry<T>);
          else (node as BTree<string, Entry<T>>).forEachPair((_id, entry) => void (refs[k++] = positionOf(entry)));
          return;
        }
        (node as Level<T>).forEachPair((value, child) => {
          const start = k;
          walk(child, depth + 1);
          runs[depth]![lengths[depth]!++] = k - start;
          values[depth]?.push(value as IndexValue);
        });
      };
      walk(partition.root, 0);
      if (k !== partition.keys) return undefined;
      orders.push({ value: partition.value, refs, runs: runs.map((run, p) => run.slice(0, lengths[p])), values });
    }
    return orders;
  }

  /**
   * Loads an empty index from a snapshot's order of it (`orders`) over the documents it was taken from: `entries` by
   * position, `docOf` giving the document each held then. Every key is checked against its document as it is placed
   * — in its partition, with its values, in strict order, each document with exactly as many keys as it has — so an
   * order that is not this index's order of those documents is refused, never loaded. No sorting and no grouping:
   * runs of keys become trees by `bulkLoad` as they come. Spread over turns by `pause` (true: abandon). False when
   * the order does not check (the index is then cleared) or the work was abandoned (the index is then left alone:
   * whoever abandoned it, a `load` or `clear`, has rebuilt or cleared it).
   */
  async adopt(orders: readonly PartitionOrder[], entries: readonly Entry<T>[], docOf: (entry: Entry<T>) => T, turn: Pause): Promise<boolean> {
    let abandoned = false;
    const pause: Pause = async () => (abandoned ||= await turn());
    const refuse = (): false => {
      if (!abandoned) this.clear();
      return false;
    };
    // First the counters, as `add` would count each document; `expected` holds the keys each must have.
    const expected = new Uint32Array(entries.length);
    const sole = new Array<IndexValue | undefined>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const doc = docOf(entries[i]!);
      const partitions = this.partitionValues(doc);
      if (partitions.length === 1) sole[i] = partitions[0];
      if (partitions.length > 0) {
        const keys = this.readColumns(doc, 1, partitions.length) ? this.keysOfColumns() : 0;
        for (const value of partitions) {
          let partition = this.partitions.get(value);
          if (!partition) this.partitions.set(value, (partition = { value, root: undefined, docs: 0, keys: 0, omitted: 0 }));
          partition.docs++;
          if (keys > 0) partition.keys += keys;
          else partition.omitted++;
        }
        expected[i] = keys * partitions.length;
      }
      if ((i & 1023) === 1023 && (await pause())) return refuse();
    }
    const loaded = new Set<IndexValue>();
    for (const order of orders) {
      const partition = this.partitions.get(order.value);
      if (!partition || loaded.has(order.value) || !this.fits(order, partition.keys)) return refuse();
      loaded.add(order.value);
      const load: Loading<T> = { order, entries, docOf, expected, sole, partition: order.value, path: [], readAt: [], cursors: this.tail.map(() => 0) };
      const root = await this.loadPartition(load, pause);
      if (root === REFUSED || !load.cursors.every((cursor, p) => cursor === order.runs[p]!.length)) return refuse();
      setRoot(partition, root);
    }
    // Each partition's keys were all placed (`fits`), and each at most as often as its document has keys.
    for (const partition of this.partitions.values()) if (partition.keys > 0 && !loaded.has(partition.value)) return refuse();
    return true;
  }

  /** The shape of a partition's order: as many keys as counted, a run list per level, values where kept. */
  private fits(order: PartitionOrder, keys: number): boolean {
    const m = this.tail.length;
    // `isUint32Array`, not `instanceof`: a deserialized array may come from another realm (under jest, for one).
    if (!isUint32Array(order.refs) || order.refs.length !== keys || keys === 0) return false;
    if (!Array.isArray(order.runs) || order.runs.length !== m || !Array.isArray(order.values) || order.values.length !== m) return false;
    for (let p = 0; p < m; p++) {
      const values = order.values[p];
      if (!isUint32Array(order.runs[p])) return false;
      if (values !== null && (!Array.isArray(values) || values.length !== order.runs[p]!.length || !values.every(isIndexValue))) return false;
    }
    return true;
  }

  /** A partition's root: the top level's runs one by one, pausing between them now and then. */
  private async loadPartition(load: Loading<T>, pause: Pause): Promise<Node<T> | typeof REFUSED> {
    const end = load.order.refs.length;
    if (this.tail.length === 0) return this.loadBucket(load, 0, end) ?? REFUSED;
    const level: LevelLoad<T> = { values: [], children: [] };
    for (let at = 0, runs = 0; at < end; runs++) {
      const next = this.loadRun(load, 0, at, end, level);
      if (next === undefined) return REFUSED;
      // A run of many keys (a tag's, a status's) is a turn's work of its own.
      if ((next - at > 1024 || (runs & 255) === 255) && (await pause())) return REFUSED;
      at = next;
    }
    return levelOf(level.values, level.children, this.tail.length === 1);
  }

  /** The node of keys [start, end) at `depth`; undefined if they do not check. */
  private loadNode(load: Loading<T>, depth: number, start: number, end: number): Node<T> | undefined {
    if (depth === this.tail.length) return this.loadBucket(load, start, end);
    const level: LevelLoad<T> = { values: [], children: [] };
    for (let at: number | undefined = start; at < end; ) {
      at = this.loadRun(load, depth, at, end, level);
      if (at === undefined) return undefined;
    }
    return levelOf(level.values, level.children, depth + 1 === this.tail.length);
  }

  /**
   * Loads the next run of `depth` (keys from `at` on, within `end`) into `level`: its value (kept, or read from its
   * first document), strictly after the level's last one, and its child. Returns where the next run starts.
   */
  private loadRun(load: Loading<T>, depth: number, at: number, end: number, level: LevelLoad<T>): number | undefined {
    const i = load.cursors[depth]!++;
    const n = load.order.runs[depth]![i];
    if (n === undefined || n === 0 || at + n > end) return undefined;
    const kept = load.order.values[depth];
    const entry = load.entries[load.order.refs[at]!];
    const value = kept ? kept[i]! : entry && this.onlyValue(load.docOf(entry), depth);
    if (value === undefined) return undefined;
    load.readAt[depth] = kept ? -1 : at;
    const last = level.values.length;
    if (last > 0 && compareIndexValues(level.values[last - 1]!, value) >= 0) return undefined;
    load.path[depth] = value;
    const child = this.loadNode(load, depth + 1, at, at + n);
    if (child === undefined) return undefined;
    level.values.push(value);
    level.children.push(child);
    return at + n;
  }

  /** A bucket of keys [start, end): each key's document holds the path's values, ids strictly increase. */
  private loadBucket(load: Loading<T>, start: number, end: number): Bucket<T> | undefined {
    if (end - start === 1) return this.loadKey(load, start); // most buckets, in indexes over times or names
    const ids: string[] = [];
    const bucket: Entry<T>[] = [];
    for (let k = start; k < end; k++) {
      const entry = this.loadKey(load, k);
      if (entry === undefined) return undefined;
      const id = entry.doc.id; // an entry's id never changes
      if (k > start && compareStrings(ids[ids.length - 1]!, id) >= 0) return undefined;
      ids.push(id);
      bucket.push(entry);
    }
    return bulkLoad(ids, bucket, MAX_NODE_SIZE, compareStrings);
  }

  /** The entry of key `k`, if its document holds the key and has not been found with all its keys yet. */
  private loadKey(load: Loading<T>, k: number): Entry<T> | undefined {
    const position = load.order.refs[k]!;
    const entry = load.entries[position];
    if (entry === undefined || load.expected[position] === 0) return undefined;
    load.expected[position]!--;
    const sole = load.sole[position];
    const doc = load.docOf(entry);
    if (sole !== undefined ? sole !== load.partition : !this.partitionValues(doc).includes(load.partition)) return undefined;
    for (let p = 0; p < this.readers.length; p++) {
      if (load.readAt[p] !== k && !this.holdsValue(doc, p, load.path[p]!)) return undefined;
    }
    return entry;
  }

  /** The only value the document has at tail field `p` (undefined if it has several: the order must keep them). */
  private onlyValue(doc: T, p: number): IndexValue | undefined {
    const raw = this.readers[p]!(doc);
    if (shapeOf(raw) !== Shape.Many) return directValue(raw);
    const values = manyValues(doc, this.tailPaths[p]!, raw);
    return values.length === 1 ? values[0] : undefined;
  }

  /** Whether the document is keyed by `value` at tail field `p` (an array is searched in place). */
  private holdsValue(doc: T, p: number, value: IndexValue): boolean {
    const raw = this.readers[p]!(doc);
    if (shapeOf(raw) !== Shape.Many) return directValue(raw) === value;
    // Values are scalars (not NaN, see `isIndexValue`): an element equal to one is that scalar.
    if (Array.isArray(raw) && value !== null) return raw.includes(value);
    return manyValues(doc, this.tailPaths[p]!, raw).includes(value);
  }

  /** Adds the entry (values in `columns`) to a grouping of depth `p`: nested maps by value, then lists by id. */
  private group(group: Group<T> | undefined, p: number, entry: Entry<T>, partition: Partition<T>): Group<T> {
    if (p === this.tail.length) {
      partition.keys++;
      if (group === undefined) return entry;
      if (!Array.isArray(group)) return [group as Entry<T>, entry];
      group.push(entry);
      return group;
    }
    const level = (group as Map<IndexValue, Group<T>> | undefined) ?? new Map<IndexValue, Group<T>>();
    const column = this.columns[p]!;
    for (const value of Array.isArray(column) ? column : [column]) level.set(value, this.group(level.get(value), p + 1, entry, partition));
    return level;
  }

  clear(): void {
    this.partitions.clear();
    this.irregular.fill(0);
    this.multi.fill(0);
    this.multiPartition = 0;
  }

  /** True when replacing `before` by `after` leaves every key (and every counter) of this index as it is. */
  keepsKeys(before: T, after: T): boolean {
    if (!sameField(before, after, this.firstReader, this.firstPath)) return false;
    for (let p = 0; p < this.readers.length; p++) {
      if (!sameField(before, after, this.readers[p]!, this.tailPaths[p]!)) return false;
    }
    return true;
  }

  /** Calls `visit` with each entry keyed in the range, in index order, until it returns true. Returns whether it did. */
  scan(range: Range<T>, visit: (entry: Entry<T>) => boolean | void): boolean {
    const m = this.tail.length;
    let stopped = false;
    this.forEachChild(range, (child, depth) => (stopped = visitAll(child, depth, m, visit)));
    return stopped;
  }

  /**
   * Adds the seqs of the entries keyed in the range to a set being made (`SeqSet.of`, for entries below `size`): a
   * large bucket's as its bits (`bucketBits`; made the first time), any other entry's one by one. A bounded range's
   * kept bits are moved onto it by at most `moveUpTo` keys (`keptSlice`: the planner's bound of what moving is worth).
   */
  addSeqs(range: Range<T>, size: number, add: (seq: number) => void, addWords: (bits: Uint32Array) => void, moveUpTo = Number.POSITIVE_INFINITY): void {
    const m = this.tail.length;
    const docs = range.partition.docs;
    if (this.setFromBits(range)) return addWords(treeBitsOf(range.partition, size, m));
    if (this.testsTopLevel(range)) return addWords(this.testBitsOf(range.partition, range.where!, size));
    if (this.boundsTopLevel(range)) {
      const kept = this.keptRangeFor(range, moveUpTo) ?? this.keepRange(range, size);
      if (kept) return addWords(kept);
    }
    this.forEachChild(range, (child, depth) =>
      visitBuckets(child, depth, m, (bucket) => {
        if (!isBucketTree(bucket)) add(bucket.seq);
        else if (hasBits(bucket.size, docs, BUCKET_BITS_SHARE)) addWords(bitsOf(bucket, size));
        else bucket.forEachPair((_id, entry) => void add(entry.seq));
      }),
    );
  }

  /**
   * What `addSeqs` costs for a range without bounds (an equality's, with any levels below it), in keys read: one per
   * entry, a bucket with bits `bitsCost` whatever its size; if at most `cap`, else some number above `cap`.
   */
  setCostUpTo(range: Range<T>, bitsCost: number, cap: number): number {
    if (this.setFromBits(range)) return bitsCost;
    const m = this.tail.length;
    const docs = range.partition.docs;
    let cost = 0;
    this.forEachChild(range, (child, depth) =>
      visitBuckets(child, depth, m, (bucket) => {
        cost += !isBucketTree(bucket) ? 1 : hasBits(bucket.size, docs, BUCKET_BITS_SHARE) ? bitsCost : bucket.size;
        return cost > cap;
      }),
    );
    return cost;
  }

  /**
   * The number of keys in the range, if at most `cap`; else some number above `cap`. A range of bounds over the last
   * level of values (times, addresses, names) is counted without a walk (`keysWithin`): O(log n), plus its buckets of
   * several keys; exact whatever the cap but for those buckets, which are added up only while the count is within it.
   */
  countUpTo(range: Range<T>, cap: number): number {
    if (this.holdsAll(range)) return range.partition.keys;
    const m = this.tail.length;
    if (range.prefix.length === m - 1 && !range.where && (range.low || range.high)) {
      const level = this.descend(range.partition.root, range.prefix) as Level<T> | undefined;
      return level === undefined ? 0 : keysWithin(level, range.low, range.high, cap);
    }
    if (range.prefix.length === m - 1 && range.where) {
      // A range over the last level of values (times, addresses): each value holds one key at least, so more values
      // than `cap` answer without reading a bucket — the values lie in the level's leaves, each bucket (most often
      // one entry) anywhere in memory: ~20× cheaper a key at 1M.
      let values = 0;
      this.forEachChild(range, () => ++values > cap);
      if (values > cap) return values;
    }
    let n = 0;
    this.forEachChild(range, (child, depth) => (n += countAll(child, depth, m, cap - n)) > cap);
    return n;
  }

  /**
   * Whether the range holds every key of its partition: it has no prefix, and its bounds (if any) hold the first and
   * the last value of the top level (e.g. `exists: true` on an index of one field after the first, whose documents
   * without a value are left out of the tree).
   */
  holdsAll(range: Range<T>): boolean {
    if (range.prefix.length > 0 || range.where) return false;
    if (!range.low && !range.high) return true;
    const root = range.partition.root;
    if (root === undefined) return true;
    if (this.tail.length === 0) return false;
    const level = root as Level<T>;
    const min = level.minKey();
    const max = level.maxKey();
    if (min === undefined || max === undefined) return true;
    return withinBounds(range, min as IndexValue) && withinBounds(range, max as IndexValue);
  }

  /**
   * Whether a set of the range, with `keys` keys, is kept once made (`addSeqs`): a test of the top level's values
   * (`testBitsOf`), or a range over them holding a kept range's share, or a bucket's share asked again unchanged
   * (`keepRange`, `keepsRangeOf`) — later sets of it copy or move those bits instead of reading its keys again.
   */
  keptOnceMade(range: Range<T>, keys: number): boolean {
    if (this.setFromBits(range)) return false;
    return this.testsTopLevel(range) || (this.boundsTopLevel(range) && this.multi[0] === 0 && this.keepsRangeOf(range, keys, false));
  }

  /**
   * Whether a range of `keys` keys gets its bits kept: one holding a kept range's share, or a bucket's share when it
   * was asked before with the same bounds and held the same number of keys then (`askedRanges`) — a range that
   * changes between asks (a walk's `sortStamp > S`, which every change since S joins) would be kept only to be tested
   * on every change and evicted. `note`: remember this ask (a set of it is being made).
   */
  private keepsRangeOf(range: Range<T>, keys: number, note: boolean): boolean {
    const { docs } = range.partition;
    if (keys >= keptShare(docs)) return true;
    if (keys < askedShare(docs)) return false;
    let asked = askedRanges.get(range.partition);
    if (!asked) askedRanges.set(range.partition, (asked = new Map()));
    const key = JSON.stringify([range.low ?? null, range.high ?? null]);
    const before = asked.get(key);
    if (before === keys) return true;
    if (note) {
      asked.delete(key);
      asked.set(key, keys);
      if (asked.size > ASKED_RANGES) asked.delete(asked.keys().next().value!);
    }
    return false;
  }

  /** A prefix-less test of the top level's values (a text condition's): its bits are kept (`testBitsOf`). */
  private testsTopLevel(range: Range<T>): boolean {
    return range.where !== undefined && range.prefix.length === 0 && !range.low && !range.high && this.tail.length > 0;
  }

  /** A prefix-less range of bounds over the top level's values: kept bits are moved onto it, or kept for it (`keepRange`). */
  private boundsTopLevel(range: Range<T>): boolean {
    return !range.where && range.prefix.length === 0 && (range.low !== undefined || range.high !== undefined) && this.tail.length > 0;
  }

  /** Whether a set of the range copies bits kept for its `where` (`testBits`): no value is tested again. */
  keepsTest(range: Range<T>): boolean {
    return range.where !== undefined && range.prefix.length === 0 && testBits.get(range.partition)?.get(range.where.key) !== undefined;
  }

  /** The bits of the documents of a partition whose value (at the top level) passes a test: kept once made. */
  private testBitsOf(partition: Partition<T>, where: ValueTest, size: number): Uint32Array {
    const tested = testBits.get(partition);
    const kept = tested?.get(where.key);
    if (tested && kept) {
      // The most recently used last: the first is the one to go.
      tested.delete(where.key);
      tested.set(where.key, kept);
      return kept.words;
    }
    return this.keep(partition, { key: where.key, test: where.test, words: new Uint32Array((size + 31) >>> 5) }, { partition, prefix: [], where });
  }

  /**
   * The kept bits of a prefix-less range on the top level (`testBits`, as a test of the value within moving bounds),
   * moved onto the range's bounds, if bits of a range sharing one of its bounds are kept: the keys between the two
   * other bounds (usually few: a relative time's bound moves by the seconds between two requests) are added or taken
   * out. Undefined when none is kept that close (at most as many keys between them as a range must hold to be kept),
   * or some document holds several values there (taking out one key of a document would not take the document out).
   */
  private keptRangeFor(range: Range<T>, upTo: number): Uint32Array | undefined {
    const move = this.keptMove(range, upTo);
    if (!move) return undefined;
    const { kept, slice, add } = move;
    const m = this.tail.length;
    if (slice) this.forEachChild(slice, (child, depth) => visitAll(child, depth, m, (entry) => void (add ? setBit(kept, entry.seq) : unsetBit(kept, entry.seq))));
    kept.bounds!.low = range.low;
    kept.bounds!.high = range.high;
    const tested = testBits.get(range.partition)!;
    tested.delete(kept.key);
    tested.set(kept.key, kept);
    return kept.words;
  }

  /**
   * The keys a set of the range reads when kept bits are moved onto it (`keptRangeFor`): those between its bounds and
   * the kept ones. Undefined when no bits kept are that close, or none within `upTo` keys (a caller that knows the
   * range holds few keys: moving bits further costs more than reading the range's own keys).
   */
  keptSlice(range: Range<T>, upTo = Number.POSITIVE_INFINITY): number | undefined {
    return this.keptMove(range, upTo)?.keys;
  }

  /**
   * The kept bits closest to the range, with the keys between them, if at most `upTo` and fewer than a kept range's
   * share. Counting a slice stops at that cap, so kept bits far from the range (a bound moved on since, or another
   * request's) cost at most the cap each — the caller's, not the partition's 1/64: the ranges of a search's movers
   * (`sortMoves`) are small beside bits kept for other pages, and were counted up to 1/64 of a bot for each.
   */
  private keptMove(range: Range<T>, upTo: number): { kept: KeptTest; slice?: Range<T>; add: boolean; keys: number } | undefined {
    if (!this.boundsTopLevel(range) || this.multi[0] !== 0) return undefined;
    const tested = testBits.get(range.partition);
    if (!tested) return undefined;
    const cap = Math.min(keptShare(range.partition.docs) - 1, Math.floor(upTo));
    if (cap < 0) return undefined;
    let best: { kept: KeptTest; slice?: Range<T>; add: boolean; keys: number } | undefined;
    for (const kept of tested.values()) {
      if (!kept.bounds) continue;
      const move = sliceBetween(kept.bounds, range);
      if (!move) continue;
      const slice = move.slice && { partition: range.partition, prefix: [], ...move.slice };
      const keys = slice ? this.countUpTo(slice, Math.min(cap, best ? best.keys : cap)) : 0;
      if (keys <= cap && (!best || keys < best.keys)) best = { kept, slice, add: move.add, keys };
      if (keys === 0) break;
    }
    return best;
  }

  /** Makes and keeps the bits of a range holding a large share of its partition (as a bucket's); else undefined. */
  private keepRange(range: Range<T>, size: number): Uint32Array | undefined {
    const { partition } = range;
    if (this.multi[0] !== 0) return undefined;
    if (!this.keepsRangeOf(range, this.countUpTo(range, keptShare(partition.docs) - 1), true)) return undefined;
    const bounds = { low: range.low, high: range.high };
    return this.keep(partition, { key: `range ${++keptRanges}`, bounds, words: new Uint32Array((size + 31) >>> 5), test: (value) => withinBounds(bounds, value) }, range);
  }

  /** Sets the bits of the documents keyed in `range` and keeps them (the least recently used go past the limit). */
  private keep(partition: Partition<T>, kept: KeptTest, range: Range<T>): Uint32Array {
    const m = this.tail.length;
    this.forEachChild(range, (child, depth) => visitAll(child, depth, m, (entry) => void setBit(kept, entry.seq)));
    let tested = testBits.get(partition);
    if (!tested) testBits.set(partition, (tested = new Map()));
    tested.set(kept.key, kept);
    if (tested.size > MAX_KEPT_TESTS) tested.delete(tested.keys().next().value!);
    return kept.words;
  }

  /** Whether the document whose values are in `columns` has a top-level value that passes the test. */
  private passes(test: (value: IndexValue) => boolean): boolean {
    const column = this.columns[0]!;
    return Array.isArray(column) ? column.some(test) : test(column);
  }

  /** How many values the range's `where` tests: those of the level below its prefix. */
  valuesBelow(range: Range<T>): number {
    const node = this.descend(range.partition.root, range.prefix);
    return node === undefined || range.prefix.length === this.tail.length ? 0 : (node as Level<T>).size;
  }

  /**
   * Whether a set of the range copies the bits of every document keyed in its partition (`treeBits`): the range holds
   * all its keys, and they are many (as for a bucket's bits).
   */
  setFromBits(range: Range<T>): boolean {
    return range.partition.root !== undefined && hasBits(range.partition.keys, range.partition.docs) && this.holdsAll(range);
  }

  /**
   * Whether every document of the range's partition is keyed in it: the range holds all the partition's keys, and
   * each document has exactly one (none left out for want of a value, none keyed twice). Its set is then the whole
   * partition, with nothing to read (a walk's `sortStamp <= S` at its first page, where S is the list's position).
   */
  holdsEveryDocument(range: Range<T>): boolean {
    const { partition } = range;
    return partition.omitted === 0 && partition.keys === partition.docs && this.holdsAll(range);
  }

  /**
   * The nodes whose every key is in the range, in order, with their depth, until `visit` returns true: the node at
   * the prefix, or the children of its level within the bounds.
   */
  private forEachChild(range: Range<T>, visit: (node: Node<T>, depth: number) => boolean): void {
    const depth = range.prefix.length;
    const node = this.descend(range.partition.root, range.prefix);
    if (node === undefined) return;
    const where = range.where?.test;
    if (depth === this.tail.length && where) throw new Error('a range tests values at a level of values, not at the buckets');
    if (depth === this.tail.length || (!range.low && !range.high && !where)) return void visit(node, depth);
    const level = node as Level<T>;
    // Every value tested: in order, with no bound to compare each leaf's keys to.
    if (!range.low && !range.high) return void level.forEachPair((value, child) => (where!(value as IndexValue) && visit(child, depth + 1) ? STOP : undefined));
    forEachWithin(level, range.low, range.high, (value, child) => (!where || where(value as IndexValue)) && visit(child, depth + 1));
  }

  /**
   * The entries of one partition in page order from just after `after` (or from the start), for an index whose
   * fields after `prefix` are the sort field alone (`byValue`) or none (a sort by id): value bounds stop the walk.
   * A cursor (`EntryWalk.next`), not a generator: a walk's step is the hot loop of every filtered page, and resuming a
   * generator cost as much as the rest of the step (bench/readstore at 1M: ~250 of ~500 ns).
   */
  walk(
    partition: Partition<T>,
    prefix: readonly IndexValue[],
    byValue: boolean,
    forward: boolean,
    after: Keyset | undefined,
    low: Bound | undefined,
    high: Bound | undefined,
  ): EntryWalk<T> {
    const node = this.descend(partition.root, prefix);
    if (node === undefined) return new EntryWalk<T>(undefined, forward);
    if (!byValue) return new EntryWalk<T>(undefined, forward, { inner: bucketFrom(node as Bucket<T>, forward, after?.id) });
    const level = node as Level<T>;
    const first = forward ? low : high;
    // A keyset before the range's start (in the walk's direction) starts nothing: the range does.
    if (after && first && (forward ? 1 : -1) * compareIndexValues(after.value, first.value) < 0) after = undefined;
    const start: BoundValue | undefined = after ? after.value : first?.value;
    const reused: unknown[] = [];
    const pairs = forward
      ? level.entries(start, reused as [BoundValue, Node<T>])
      : level.entriesReversed(start, reused as [BoundValue, Node<T>]);
    return new EntryWalk<T>(pairs, forward, { start, after, first, end: forward ? high : low });
  }

  private descend(root: Node<T> | undefined, prefix: readonly IndexValue[]): Node<T> | undefined {
    let node = root;
    for (let p = 0; p < prefix.length && node !== undefined; p++) node = (node as Level<T>).get(prefix[p]!);
    return node;
  }

  private partitionValues(doc: T): readonly IndexValue[] {
    const raw = this.firstReader(doc);
    const type = typeof raw;
    if (type === 'string' || type === 'number' || type === 'boolean') return [raw as IndexValue];
    return shapeOf(raw) === Shape.Many ? [...new Set(leafScalars(doc, this.firstPath))] : [];
  }

  /**
   * Reads the document's values per tail field into `columns`, counting (sign 1) or uncounting (-1) its shapes.
   * Returns false when there is nothing to key it by (every tail field null or missing).
   */
  private readColumns(doc: T, sign: 1 | -1, partitions: number): boolean {
    if (partitions > 1) this.multiPartition += sign;
    let keyed = this.readers.length === 0;
    for (let p = 0; p < this.readers.length; p++) {
      const raw = this.readers[p]!(doc);
      const shape = shapeOf(raw);
      if (shape !== Shape.Scalar && shape !== Shape.Null) this.irregular[p]! += sign;
      if (shape === Shape.Many) {
        const values = manyValues(doc, this.tailPaths[p]!, raw);
        if (values.length > 1) this.multi[p]! += sign;
        this.columns[p] = values;
        if (values[0] !== null) keyed = true;
      } else {
        const value = directValue(raw);
        this.columns[p] = value;
        if (value !== null) keyed = true;
      }
    }
    return keyed;
  }

  private insert(partition: Partition<T>, node: Node<T> | undefined, p: number, entry: Entry<T>): Node<T> {
    if (p === this.tail.length) {
      partition.keys++;
      return addToBucket(node as Bucket<T> | undefined, entry);
    }
    const level = (node as Level<T> | undefined) ?? levelOf<T>([], [], p + 1 === this.tail.length);
    const column = this.columns[p]!;
    if (!Array.isArray(column)) return this.insertAt(partition, level, column, p, entry);
    for (const value of column) this.insertAt(partition, level, value, p, entry);
    return level;
  }

  private insertAt(partition: Partition<T>, level: Level<T>, value: IndexValue, p: number, entry: Entry<T>): Level<T> {
    const last = p + 1 === this.tail.length;
    // Over nearly unique values (times) most keys are new: one descent adds them.
    if (last && level.set(value, entry, false)) {
      partition.keys++;
      return level;
    }
    const child = level.get(value);
    const before = last ? extraKeys(child) : 0;
    const next = this.insert(partition, child, p + 1, entry);
    if (next !== child) level.set(value, next);
    if (last) noteBucket(level, value, child, before, next);
    return level;
  }

  private delete(partition: Partition<T>, node: Node<T>, p: number, entry: Entry<T>): Node<T> | undefined {
    if (p === this.tail.length) {
      partition.keys--;
      return removeFromBucket(node as Bucket<T>, entry);
    }
    const level = node as Level<T>;
    const column = this.columns[p]!;
    if (!Array.isArray(column)) this.deleteAt(partition, level, column, p, entry);
    else for (const value of column) this.deleteAt(partition, level, value, p, entry);
    return level.size === 0 ? undefined : level;
  }

  /** One descent: finds the value's child and deletes or replaces it in place. */
  private deleteAt(partition: Partition<T>, level: Level<T>, value: IndexValue, p: number, entry: Entry<T>): void {
    const last = p + 1 === this.tail.length;
    level.editRange(value, value, true, (_value, child) => {
      const before = last ? extraKeys(child) : 0;
      const next = this.delete(partition, child, p + 1, entry);
      if (last) noteBucket(level, value, child, before, next);
      if (next === undefined) return DELETE;
      return next === child ? undefined : { value: next };
    });
  }
}

/** A level being built: values to sub-groups (a Map), or at the last level the entries (one, or a list). */
type Group<T extends Doc> = Map<IndexValue, Group<T>> | Entry<T>[] | Entry<T>;
/** Entries grouped by partition value, then by value level by level: a bulk build in progress. */
export type Grouping<T extends Doc> = Map<IndexValue, Group<T>>;

const byId = <T extends Doc>(a: Entry<T>, b: Entry<T>) => compareStrings(a.doc.id, b.doc.id);

function toNode<T extends Doc>(group: Group<T>, depth: number, m: number, stale?: ReadonlySet<Entry<T>>): Node<T> | undefined {
  if (depth === m) {
    if (!Array.isArray(group)) return stale?.has(group as Entry<T>) ? undefined : (group as Entry<T>);
    const entries = stale?.size ? group.filter((entry) => !stale.has(entry)) : group;
    if (entries.length <= 1) return entries[0];
    // Grouped in id order by `build` (its callers sort), in creation order by a background build.
    for (let i = 1; i < entries.length; i++) {
      if (byId(entries[i - 1]!, entries[i]!) > 0) {
        entries.sort(byId);
        break;
      }
    }
    return bulkLoad(entries.map((entry) => entry.doc.id), entries, MAX_NODE_SIZE, compareStrings);
  }
  const level = group as Map<IndexValue, Group<T>>;
  const values: BoundValue[] = [];
  const children: Node<T>[] = [];
  for (const value of sortValues([...level.keys()])) {
    const child = toNode(level.get(value)!, depth + 1, m, stale);
    if (child === undefined) continue;
    values.push(value);
    children.push(child);
  }
  return children.length === 0 ? undefined : levelOf(values, children, depth + 1 === m);
}

const ABANDONED = Symbol('abandoned');
/** Levels up to this many values are sorted in one step (a few milliseconds). */
const SORTED_AT_ONCE = 4096;

/** Engine order for strings (checked against code point order afterwards), the index order otherwise. */
const valueBefore = (a: IndexValue, b: IndexValue) => (typeof a === 'string' && typeof b === 'string' ? a < b : compareIndexValues(a, b) < 0);

async function toNodeInTurns<T extends Doc>(
  group: Group<T>,
  depth: number,
  m: number,
  stale: ReadonlySet<Entry<T>>,
  pause: Pause,
  turnMs: number,
  cancelled: () => boolean,
): Promise<Node<T> | undefined | typeof ABANDONED> {
  if (depth === m) return toNode(group, depth, m, stale);
  const level = group as Map<IndexValue, Group<T>>;
  let sorted: IndexValue[] | undefined;
  if (level.size <= SORTED_AT_ONCE) sorted = sortValues([...level.keys()]);
  else {
    sorted = await sortInTurns([...level.keys()], valueBefore, turnMs, cancelled);
    if (!sorted) return ABANDONED;
    for (let i = 1; i < sorted.length; i++) {
      if (compareIndexValues(sorted[i - 1]!, sorted[i]!) >= 0) {
        sorted = sortValues(sorted); // a surrogate met U+E000–U+FFFF: code point order differs (rare)
        break;
      }
      if ((i & 4095) === 0 && (await pause())) return ABANDONED;
    }
  }
  const values: BoundValue[] = [];
  const children: Node<T>[] = [];
  const leaves = depth + 1 === m;
  for (let i = 0; i < sorted.length; i++) {
    const group = level.get(sorted[i]!)!;
    const child = leaves ? toNode(group, depth + 1, m, stale) : await toNodeInTurns(group, depth + 1, m, stale, pause, turnMs, cancelled);
    if (child === ABANDONED) return ABANDONED;
    if (child !== undefined) {
      values.push(sorted[i]!);
      children.push(child);
    }
    // A level of few values may hold large buckets (tags, status: 100k–500k entries each): a pause after each of those.
    const large = !leaves || (Array.isArray(group) && group.length > 1024);
    if ((large || (i & 1023) === 1023) && (await pause())) return ABANDONED;
  }
  return children.length === 0 ? undefined : levelOf(values, children, leaves);
}

/** Sorts index values: natively (UTF-16 order) when all are strings and that is code point order, else by comparator. */
function sortValues(values: IndexValue[]): IndexValue[] {
  if (values.every((value) => typeof value === 'string')) return sortStrings(values as string[]);
  if (values.every((value) => typeof value === 'number')) return (values as number[]).sort((a, b) => a - b);
  return values.sort(compareIndexValues);
}

/**
 * Sorts strings by code point. The engine's own sort orders by UTF-16 code unit, which agrees except where a
 * surrogate meets U+E000–U+FFFF; checked in one pass, else sorted again by `compareStrings`.
 */
export function sortStrings(values: string[]): string[] {
  values.sort();
  for (let i = 1; i < values.length; i++) if (compareStrings(values[i - 1]!, values[i]!) >= 0) return values.sort(compareStrings);
  return values;
}

/**
 * The seqs of a large bucket's entries (a tag's, a language's, a plan's: thousands to hundreds of thousands of them)
 * as bits, kept beside its tree once a set has been made of it and updated by every add and remove after: a set then
 * copies ~31k words at 1M instead of reading every entry's `seq`, each a cache miss (~37 ms for 370k entries). A tree
 * made anew (a build, an adoption) has none until asked. Keyed weakly: a bucket that goes takes its bits along.
 */
const bucketBits = new WeakMap<object, { words: Uint32Array }>();
/** A partition's tree gets bits when it holds at least 1/BITS_SHARE of its documents: ≤ 8 bytes per entry. */
const BITS_SHARE = 64;
/**
 * A bucket gets bits when it holds at least 1/BUCKET_BITS_SHARE of its partition's documents (≤ 64 bytes per entry,
 * made only for buckets a set is made of): from about there on, copying the words costs less than reading the
 * entries (`SEQS_PER_KEY_COST` in set-plan.ts: 1,024 seqs of words per key). At 1/64 a rare tag (1.4 % of a bot at
 * 1M, bench/search's shape 1) read its 14k entries, each a cache miss, for every page (~1–3 ms).
 */
const BUCKET_BITS_SHARE = 512;
const MIN_BITS_BUCKET = 256;

/** Whether a tree of `keys` keys in a partition of `docs` documents makes its sets from bits (`share`: of what size). */
const hasBits = (keys: number, docs: number, share = BITS_SHARE): boolean => keys >= MIN_BITS_BUCKET && keys * share >= docs;

function bitsOf<T extends Doc>(bucket: BTree<string, Entry<T>>, size: number): Uint32Array {
  let bits = bucketBits.get(bucket);
  if (!bits) {
    const made = { words: new Uint32Array((size + 31) >>> 5) };
    bucket.forEachPair((_id, entry) => void setBit(made, entry.seq));
    bucketBits.set(bucket, (bits = made));
  }
  return bits.words;
}

/**
 * The seqs of the documents keyed in a partition's tree, as bits, for a range holding all of them (`holdsAll`: an
 * email address's or a timezone's `exists: true`, 60–100 % of a bot): kept beside the partition once a set has been
 * made of it, updated by every add and remove after, dropped when a build or an adoption gives the partition a new tree.
 */
const treeBits = new WeakMap<object, { words: Uint32Array }>();

function treeBitsOf<T extends Doc>(partition: Partition<T>, size: number, m: number): Uint32Array {
  let bits = treeBits.get(partition);
  if (!bits) {
    const made = { words: new Uint32Array((size + 31) >>> 5) };
    if (partition.root !== undefined) visitAll(partition.root, 0, m, (entry) => void setBit(made, entry.seq));
    treeBits.set(partition, (bits = made));
  }
  return bits.words;
}

/**
 * Per partition, the seqs of the documents whose value passes a test (a text condition over an index's values:
 * `email notContains "example"` tests 600k addresses at 1M, ~0.3 s), as bits kept once made, by the test's key, the
 * most recently used last: at most `MAX_KEPT_TESTS` (125 KB each at 1M). Every add and remove keeps them up to date
 * (a test per kept bits for the documents of that partition whose keys in this index change: an address, not an
 * interaction). Dropped with the tree they were made of.
 */
const testBits = new WeakMap<object, Map<string, KeptTest>>();
const MAX_KEPT_TESTS = 8;
/**
 * Bits kept for a test of a partition's top-level values; `bounds`: the test is a range's (a value within them), and
 * the bounds move with the ranges asked for (`keptRangeFor`).
 */
interface KeptTest {
  readonly key: string;
  readonly test: (value: IndexValue) => boolean;
  readonly bounds?: { low?: Bound; high?: Bound };
  words: Uint32Array;
}
let keptRanges = 0;
/**
 * A range keeps bits when it holds this many keys (as a bucket does); kept bits move by fewer keys than that. Not the
 * buckets' 1/512 from the first ask (only when asked again unchanged, `askedShare`): kept ranges are tested on every
 * change of their index (up to `MAX_KEPT_TESTS` of them), and at 1/512 more are kept. Tried at 1M (bench/readstore, 2026-12-05, fifth session): an e-mail prefix (1.2 % of a bot)
 * gained (6.4 → 2.4 ms a first page); a change cost 0.21 ms with it and 0.20 without (0.18 before sort columns and
 * bucket bits) — not told apart from the noise of single runs, so left out until measured alone.
 */
const keptShare = (docs: number): number => Math.max(MIN_BITS_BUCKET, Math.ceil(docs / BITS_SHARE));
/**
 * A range asked again with the same bounds, holding the same keys, keeps its bits from a bucket's share
 * (`keepsRangeOf`): every page of a filter like `email startsWith 'zoe.'` (12k keys at 1M, under a kept range's 1/64)
 * read its keys one by one, ~4 ms a page (bench/readstore, eighth session). Not from the first ask: kept ranges at
 * 1/512 made every change slower (0.15 → 0.22 ms, fifth session) — the one-off ranges of movers' windows and cursors
 * were kept and evicted in turn. Not when its keys changed between the asks: kept on any second ask (1eb6194, eighth
 * session) the whole deployment got slower with ten clients (bench/search M14, M15) — each walk's `sortStamp > S`
 * grows with every change and was kept and evicted page after page. The last ASKED_RANGES bounds asked per partition
 * are remembered with their key counts (what a bound holds stays in memory, as a kept test's bounds do; never logged).
 */
const askedShare = (docs: number): number => Math.max(MIN_BITS_BUCKET, Math.ceil(docs / BUCKET_BITS_SHARE));
const askedRanges = new WeakMap<object, Map<string, number>>();
const ASKED_RANGES = 32;

/** Whether a value lies within a range's bounds, as `forEachChild` reads them. */
function withinBounds(bounds: { readonly low?: Bound; readonly high?: Bound }, value: IndexValue): boolean {
  const { low, high } = bounds;
  if (low) {
    const c = compareIndexValues(value, low.value);
    if (c < 0 || (c === 0 && !low.inclusive)) return false;
  }
  if (high) {
    const c = compareIndexValues(value, high.value);
    if (c > 0 || (c === 0 && !high.inclusive)) return false;
  }
  return true;
}

/** Orders two low bounds (none: before every value; at one value, inclusive first). */
function compareLows(a: Bound | undefined, b: Bound | undefined): number {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  return compareIndexValues(a.value, b.value) || (a.inclusive === b.inclusive ? 0 : a.inclusive ? -1 : 1);
}

/** Orders two high bounds (none: after every value; at one value, exclusive first). */
function compareHighs(a: Bound | undefined, b: Bound | undefined): number {
  if (!a || !b) return (a ? 0 : 1) - (b ? 0 : 1);
  return compareIndexValues(a.value, b.value) || (a.inclusive === b.inclusive ? 0 : a.inclusive ? 1 : -1);
}

const flip = (bound: Bound): Bound => ({ value: bound.value, inclusive: !bound.inclusive });

/**
 * How the keys within `from` become those within `to` when they share a bound: the keys between the other two bounds
 * (`slice`, none when those are equal too), added or taken out. Undefined when they share no bound.
 */
function sliceBetween(from: { readonly low?: Bound; readonly high?: Bound }, to: { readonly low?: Bound; readonly high?: Bound }): { slice?: { low?: Bound; high?: Bound }; add: boolean } | undefined {
  if (compareHighs(from.high, to.high) === 0) {
    const c = compareLows(from.low, to.low);
    if (c === 0) return { add: true };
    // The keys from the lower low bound up to (not reaching) the higher one.
    const [lower, higher] = c < 0 ? [from.low, to.low!] : [to.low, from.low!];
    return { slice: { low: lower, high: flip(higher) }, add: c > 0 };
  }
  if (compareLows(from.low, to.low) === 0) {
    const c = compareHighs(from.high, to.high);
    // The keys past the lower high bound up to the higher one.
    const [lower, higher] = c < 0 ? [from.high!, to.high] : [to.high!, from.high];
    return { slice: { low: flip(lower), high: higher }, add: c < 0 };
  }
  return undefined;
}

function unsetBit(bits: { words: Uint32Array }, seq: number): void {
  if (seq >= 0 && seq >>> 5 < bits.words.length) bits.words[seq >>> 5]! &= ~(1 << (seq & 31));
}

/** A partition given a tree made at once (a build, an adoption): bits made of an earlier tree no longer hold. */
function setRoot<T extends Doc>(partition: Partition<T>, root: Node<T> | undefined): void {
  partition.root = root;
  treeBits.delete(partition);
  testBits.delete(partition);
}

/** Takes an entry's bit out of the bits kept for `owner`, if any; a deleted entry's bit is unknown: the bits go. */
function clearBit<K extends object | string>(kept: { get(owner: K): { words: Uint32Array } | undefined; delete(owner: K): unknown }, owner: K, seq: number): void {
  const bits = kept.get(owner);
  if (!bits) return;
  if (seq < 0) kept.delete(owner);
  else if (seq >>> 5 < bits.words.length) bits.words[seq >>> 5]! &= ~(1 << (seq & 31));
}

function setBit(bits: { words: Uint32Array }, seq: number): void {
  if (seq < 0) return; // a deleted entry (still in a tree being caught up): never a member
  const i = seq >>> 5;
  if (i >= bits.words.length) {
    const grown = new Uint32Array(Math.max(i + 1, Math.ceil(bits.words.length * 1.25)));
    grown.set(bits.words);
    bits.words = grown;
  }
  bits.words[i]! |= 1 << (seq & 31);
}

function addToBucket<T extends Doc>(bucket: Bucket<T> | undefined, entry: Entry<T>): Bucket<T> {
  if (bucket === undefined || bucket === entry) return entry;
  if (isBucketTree(bucket)) {
    const added = bucket.set(entry.doc.id, entry);
    const bits = bucketBits.get(bucket);
    // An entry put in another's place (never expected) may leave a stale bit: the bits are made again when asked.
    if (bits && added) setBit(bits, entry.seq);
    else if (bits) bucketBits.delete(bucket);
    return bucket;
  }
  return new BTree<string, Entry<T>>(
    [
      [bucket.doc.id, bucket],
      [entry.doc.id, entry],
    ],
    compareStrings,
    MAX_NODE_SIZE,
  );
}

function removeFromBucket<T extends Doc>(bucket: Bucket<T>, entry: Entry<T>): Bucket<T> | undefined {
  if (!isBucketTree(bucket)) return bucket === entry ? undefined : bucket;
  bucket.delete(entry.doc.id);
  clearBit(bucketBits, bucket, entry.seq); // a deleted entry's bit is unknown: made again when next asked
  // Back to a single entry when one is left, so that a bucket tree exists only where values repeat.
  return bucket.size === 1 ? bucket.get(bucket.minKey()!) : bucket;
}

/**
 * Calls `visit` with the values of a level within the bounds (none: from the first, to the last) and their children,
 * in order, until it returns true.
 */
function forEachWithin<V>(level: BTree<BoundValue, V>, lowBound: Bound | undefined, highBound: Bound | undefined, visit: (value: BoundValue, child: V) => boolean): void {
  const low = lowBound?.value ?? level.minKey();
  const high = highBound?.value ?? level.maxKey();
  if (low === undefined || high === undefined) return;
  const skipLow = lowBound !== undefined && !lowBound.inclusive;
  level.forRange(low, high, highBound?.inclusive ?? true, (value, child) => {
    if (skipLow && compareIndexValues(value, low) === 0) return undefined;
    return visit(value, child) ? STOP : undefined;
  });
}

/**
 * Per last level of an index (its values' children are buckets), the values whose bucket holds several keys (a tree
 * of them), and how many keys those buckets hold beyond one a value (`extra`). A range of that level then holds as
 * many keys as it has values — a difference of two ranks in the level's B+ tree (`keysBefore`: O(log n), no walk of
 * the values) — plus the extra keys of its values in `values` (few in a level over times or addresses). Made with the
 * level (`levelOf`: a build, an adoption, a first key), kept up to date by every key added or removed after
 * (`noteBucket`); weakly keyed, it goes with its level.
 */
interface MultiBuckets<T extends Doc> {
  extra: number;
  readonly values: BTree<BoundValue, BTree<string, Entry<T>>>;
}
const multiBuckets = new WeakMap<object, MultiBuckets<Doc>>();

/** The keys a bucket holds beyond one (none for a missing bucket or a single entry). */
const extraKeys = <T extends Doc>(bucket: Node<T> | undefined): number => (bucket !== undefined && isBucketTree(bucket) ? bucket.size - 1 : 0);

/**
 * A level of `values` (sorted, distinct) over `children`; a last level (`last`: its children are buckets) gets its
 * `MultiBuckets` at once, from the arrays in hand.
 */
function levelOf<T extends Doc>(values: BoundValue[], children: Node<T>[], last: boolean): Level<T> {
  const multi = last ? multiFrom(values, children) : undefined;
  const level = bulkLoad<BoundValue, Node<T>>(values, children, MAX_NODE_SIZE, compareIndexValues);
  if (multi) multiBuckets.set(level, multi as MultiBuckets<Doc>);
  return level;
}

function multiFrom<T extends Doc>(values: readonly BoundValue[], children: readonly Node<T>[]): MultiBuckets<T> {
  const multiValues: BoundValue[] = [];
  const buckets: BTree<string, Entry<T>>[] = [];
  let extra = 0;
  for (let i = 0; i < children.length; i++) {
    const child = children[i]!;
    if (!isBucketTree(child)) continue;
    multiValues.push(values[i]!);
    buckets.push(child);
    extra += child.size - 1;
  }
  return { extra, values: bulkLoad(multiValues, buckets, MAX_NODE_SIZE, compareIndexValues) };
}

/** A last level's `MultiBuckets`: made with it (`levelOf`); made by a walk of it for any level made otherwise. */
function multiOf<T extends Doc>(level: Level<T>): MultiBuckets<T> {
  let multi = multiBuckets.get(level) as MultiBuckets<T> | undefined;
  if (!multi) {
    const values: BoundValue[] = [];
    const children: Node<T>[] = [];
    level.forEachPair((value, child) => void (values.push(value), children.push(child)));
    multiBuckets.set(level, (multi = multiFrom(values, children)) as MultiBuckets<Doc>);
  }
  return multi;
}

/** Keeps a last level's `MultiBuckets` (if made) up to date after its bucket at `value` went from `child` (which then held `before` extra keys) to `next`. */
function noteBucket<T extends Doc>(level: Level<T>, value: BoundValue, child: Node<T> | undefined, before: number, next: Node<T> | undefined): void {
  const multi = multiBuckets.get(level) as MultiBuckets<T> | undefined;
  if (!multi) return;
  multi.extra += extraKeys(next) - before;
  const was = child !== undefined && isBucketTree(child);
  const is = next !== undefined && isBucketTree(next);
  if (is && !was) multi.values.set(value, next);
  else if (was && !is) multi.values.delete(value);
}

/**
 * The keys of a last level within the bounds: its values there (two ranks), then, while that is at most `cap`, the
 * extra keys of their buckets of several keys.
 */
function keysWithin<T extends Doc>(level: Level<T>, low: Bound | undefined, high: Bound | undefined, cap: number): number {
  const from = low ? keysBefore(level, low.value, !low.inclusive) : 0;
  const to = high ? keysBefore(level, high.value, high.inclusive) : level.size;
  let n = Math.max(0, to - from);
  if (n > cap) return n;
  const multi = multiOf(level);
  if (multi.extra === 0) return n;
  forEachWithin(multi.values, low, high, (_value, bucket) => (n += bucket.size - 1) > cap);
  return n;
}

/** Visits every bucket below a node at `depth` (of `m` levels), in order; true when `visit` asked to stop. */
function visitBuckets<T extends Doc>(node: Node<T>, depth: number, m: number, visit: (bucket: Bucket<T>) => boolean | void): boolean {
  if (depth === m) return visit(node as Bucket<T>) === true;
  return (node as Level<T>).forEachPair((_value, child) => (visitBuckets(child, depth + 1, m, visit) ? STOP : undefined)) === true;
}

/** Visits every entry below a node at `depth` (of `m` levels), in order; true when `visit` asked to stop. */
function visitAll<T extends Doc>(node: Node<T>, depth: number, m: number, visit: (entry: Entry<T>) => boolean | void): boolean {
  if (depth === m) {
    if (!isBucketTree(node as Bucket<T>)) return visit(node as Entry<T>) === true;
    return (node as BTree<string, Entry<T>>).forEachPair((_id, entry) => (visit(entry) ? STOP : undefined)) === true;
  }
  return (node as Level<T>).forEachPair((_value, child) => (visitAll(child, depth + 1, m, visit) ? STOP : undefined)) === true;
}

/** The number of keys below a node, counting at most a little past `cap` (bucket trees and last levels in O(1)). */
function countAll<T extends Doc>(node: Node<T>, depth: number, m: number, cap: number): number {
  if (depth === m) return isBucketTree(node as Bucket<T>) ? (node as BTree<string, Entry<T>>).size : 1;
  if (depth === m - 1) return (node as Level<T>).size + multiOf(node as Level<T>).extra;
  let n = 0;
  (node as Level<T>).forEachPair((_value, child) => ((n += countAll(child, depth + 1, m, cap - n)) > cap ? STOP : undefined));
  return n;
}

/**
 * A walk through one level's values in page order (`OrderedIndex.walk`): `next()` gives the next entry, undefined at
 * the end. Most values (times, names) hold one document and are returned as they come; a bucket of several, and the
 * start's bucket after a keyset, are walked through `bucketFrom`. Only the first value can be the start: compared once.
 */
export class EntryWalk<T extends Doc> {
  private inner: Iterator<Entry<T>> | undefined;
  private atStart = true;
  private readonly start: BoundValue | undefined;
  private readonly after: Keyset | undefined;
  private readonly first: Bound | undefined;
  private readonly end: Bound | undefined;

  constructor(
    private pairs: Iterator<[BoundValue, Node<T>]> | undefined,
    private readonly forward: boolean,
    from: { inner?: Iterator<Entry<T>>; start?: BoundValue; after?: Keyset; first?: Bound; end?: Bound } = {},
  ) {
    this.inner = from.inner;
    this.start = from.start;
    this.after = from.after;
    this.first = from.first;
    this.end = from.end;
  }

  next(): Entry<T> | undefined {
    for (;;) {
      if (this.inner) {
        const step = this.inner.next();
        if (!step.done) return step.value;
        this.inner = undefined;
      }
      if (!this.pairs) return undefined;
      const step = this.pairs.next();
      if (step.done) return (this.pairs = undefined);
      const value = step.value[0];
      const bucket = step.value[1] as Bucket<T>;
      const end = this.end;
      if (end) {
        const c = compareIndexValues(value, end.value);
        if (this.forward ? c > 0 || (c === 0 && !end.inclusive) : c < 0 || (c === 0 && !end.inclusive)) return (this.pairs = undefined);
      }
      if (this.atStart) {
        this.atStart = false;
        if (this.start !== undefined && compareIndexValues(value, this.start) === 0) {
          if (this.after) {
            this.inner = bucketFrom(bucket, this.forward, this.after.id);
            continue;
          }
          if (this.first && !this.first.inclusive) continue;
        }
      }
      if (!isBucketTree(bucket)) return bucket;
      this.inner = bucketFrom(bucket, this.forward, undefined);
    }
  }
}

/** A bucket's entries in id order (or reversed), strictly after `afterId` when given. */
function* bucketFrom<T extends Doc>(bucket: Bucket<T>, forward: boolean, afterId: string | undefined): Generator<Entry<T>, void, undefined> {
  if (!isBucketTree(bucket)) {
    if (afterId === undefined) return void (yield bucket);
    const c = compareStrings(bucket.doc.id, afterId);
    if (forward ? c > 0 : c < 0) yield bucket;
    return;
  }
  const reused: unknown[] = [];
  const pairs = forward
    ? bucket.entries(afterId, reused as [string, Entry<T>])
    : bucket.entriesReversed(afterId, reused as [string, Entry<T>], true);
  for (const [id, entry] of pairs) {
    if (afterId !== undefined && id === afterId) continue;
    yield entry;
  }
}

function sameField(before: object, after: object, read: RawReader, path: FieldPath): boolean {
  const a = read(before);
  const b = read(after);
  const shape = shapeOf(a);
  if (shape !== shapeOf(b)) return false;
  switch (shape) {
    case Shape.Scalar:
      return a === b;
    case Shape.Null:
      return true;
    case Shape.Odd:
      return directValue(a) === directValue(b);
    default:
      // Arrays of the same elements (an unchanged tag list) key alike; else compare their keys.
      if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((value, i) => value === b[i])) return true;
      return sameValues(manyValues(before, path), manyValues(after, path));
  }
}
