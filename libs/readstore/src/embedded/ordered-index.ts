/*
 * The ordered structure is `sorted-btree` (MIT, no runtime dependencies, written in TypeScript with its typings,
 * published since 2018 by David Piepgrass and still released in 2025): a B+ tree with a custom comparator, range
 * scans with early exit (`forRange`), iteration from any key in both directions (`entries` / `entriesReversed`),
 * O(n) bulk loading from sorted keys (`extended/bulkLoad`), and a set mode whose leaves share one values array, so a
 * key costs about one slot in a leaf. A hand-written balanced tree would need the same rebalancing code and tests of
 * its own for no gain.
 */
import BTree from 'sorted-btree';
import { bulkLoad } from 'sorted-btree/extended/bulkLoad';
import { compareStrings } from '../filter/compare';
import { leafScalars, splitPath, type FieldPath } from '../filter/paths';
import type { Doc } from '../port';
import type { Entry } from './entry';
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

/** A document's key when one of its fields has several values (an array): one per combination of values. */
export class MultiKey<T extends Doc> {
  constructor(
    readonly entry: Entry<T>,
    readonly values: readonly IndexValue[],
  ) {}
}

/**
 * A search key that sits between stored keys: it compares by its values (a prefix of the index's fields), then by
 * `id` when it has one, and on a tie lies just before (`bias` -1) or just after (+1) the keys it equals.
 */
export class Probe {
  constructor(
    readonly values: readonly BoundValue[],
    readonly id: string | undefined,
    readonly bias: -1 | 1,
  ) {}
}

/**
 * A stored key. Most documents have one value per indexed field, and are keyed by their entry itself: the
 * comparator reads the values from the document, so the index costs one slot per document and no allocation.
 */
type StoredKey<T extends Doc> = Entry<T> | MultiKey<T>;
type TreeKey<T extends Doc> = StoredKey<T> | Probe;

/** The documents sharing one value of the index's first field, ordered by the other fields, then by id. */
export interface Partition<T extends Doc> {
  readonly value: IndexValue;
  tree: BTree<TreeKey<T>, undefined>;
  /** Documents in this partition, keyed or not. */
  docs: number;
  /** Documents left out of the tree because every field after the first is null or missing (nothing to order by). */
  omitted: number;
}

/** Part of one partition: keys strictly between two probes, or all of it. */
export interface Range<T extends Doc> {
  readonly partition: Partition<T>;
  readonly low?: Probe;
  readonly high?: Probe;
}

const MAX_NODE_SIZE = 64;

interface Layout<T extends Doc> {
  readonly partitions: IndexValue[];
  readonly keys: StoredKey<T>[];
  readonly shapes: Shape[];
  readonly many: boolean[];
}

export const entryOf = <T extends Doc>(key: StoredKey<T>): Entry<T> => (key instanceof MultiKey ? key.entry : key);

/**
 * One declared index, as MongoDB keeps it: compound, ordered, multikey over array elements (one key per distinct
 * element, and per combination when several fields hold arrays). The first field partitions the documents (queries
 * pin it, e.g. `botId`); within a partition keys order by the remaining fields, then by id. Directions are not
 * needed: a B+ tree is walked both ways, and a page's order is one direction for value and id alike.
 */
export class OrderedIndex<T extends Doc> {
  readonly first: string;
  readonly tail: readonly string[];
  readonly partitions = new Map<IndexValue, Partition<T>>();
  /** Per field after the first: documents whose value there is not a string, number or null (so not sortable). */
  readonly irregular: number[];
  /** Per field after the first: documents with more than one value there (they have several keys). */
  readonly multi: number[];
  /** Documents in more than one partition (an array in the first field). */
  multiPartition = 0;
  private readonly firstPath: FieldPath;
  private readonly firstReader: RawReader;
  private readonly tailPaths: FieldPath[];
  private readonly readers: RawReader[];

  constructor(readonly fields: readonly string[]) {
    this.first = fields[0]!;
    this.tail = fields.slice(1);
    this.firstPath = splitPath(this.first);
    this.firstReader = rawReader(this.firstPath);
    this.tailPaths = this.tail.map(splitPath);
    this.readers = this.tailPaths.map(rawReader);
    this.irregular = this.tail.map(() => 0);
    this.multi = this.tail.map(() => 0);
  }

  readonly compare = (a: TreeKey<T>, b: TreeKey<T>): number => {
    if (a instanceof Probe) return this.probeOrder(a, b as StoredKey<T>);
    if (b instanceof Probe) return -this.probeOrder(b, a);
    for (let p = 0; p < this.readers.length; p++) {
      const c = compareIndexValues(this.valueAt(a, p), this.valueAt(b, p));
      if (c !== 0) return c;
    }
    return compareStrings(entryOf(a).doc.id, entryOf(b).doc.id);
  };

  add(entry: Entry<T>): void {
    const layout = this.count(entry, 1);
    for (const value of layout.partitions) {
      const partition = this.partitionFor(value);
      partition.docs++;
      if (layout.keys.length === 0) partition.omitted++;
      for (const key of layout.keys) partition.tree.set(key, undefined);
    }
  }

  /** Call with the document as it was indexed (before the entry's document is replaced). */
  remove(entry: Entry<T>): void {
    const layout = this.count(entry, -1);
    for (const value of layout.partitions) {
      const partition = this.partitions.get(value);
      if (!partition) continue;
      partition.docs--;
      if (layout.keys.length === 0) partition.omitted--;
      for (const key of layout.keys) partition.tree.delete(key);
      if (partition.docs === 0) this.partitions.delete(value);
    }
  }

  /** Builds the index over many documents at once (it must be empty): sorts each partition's keys, bulk-loads. */
  build(entries: Iterable<Entry<T>>): void {
    const pending = new Map<IndexValue, StoredKey<T>[]>();
    for (const entry of entries) {
      const layout = this.count(entry, 1);
      for (const value of layout.partitions) {
        const partition = this.partitionFor(value);
        partition.docs++;
        if (layout.keys.length === 0) partition.omitted++;
        let keys = pending.get(value);
        if (!keys) pending.set(value, (keys = []));
        for (const key of layout.keys) keys.push(key);
      }
    }
    for (const [value, keys] of pending) {
      if (keys.length === 0) continue;
      keys.sort(this.compare);
      const partition = this.partitions.get(value)!;
      partition.tree = bulkLoad<TreeKey<T>, undefined>(keys, new Array<undefined>(keys.length), MAX_NODE_SIZE, this.compare);
    }
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

  /** Calls `visit` with each entry keyed in the range, in order, until it returns true. Returns whether it did. */
  scan(range: Range<T>, visit: (entry: Entry<T>) => boolean | void): boolean {
    const onKey = (key: TreeKey<T>) => (visit(entryOf(key as StoredKey<T>)) ? STOP : undefined);
    const tree = range.partition.tree;
    const stopped =
      range.low && range.high ? tree.forRange(range.low, range.high, false, onKey) : tree.forEachPair(onKey);
    return stopped === true;
  }

  /**
   * A cursor over one partition from `start` (exclusive: probes never equal a key) towards `stop`, forwards or
   * backwards; it returns undefined once past `stop` or at the end.
   */
  cursor(partition: Partition<T>, start: Probe | undefined, stop: Probe | undefined, forward: boolean): () => Entry<T> | undefined {
    const reused: unknown[] = [];
    const tree = partition.tree;
    const iterator = forward
      ? tree.entries(start, reused as [TreeKey<T>, undefined])
      : tree.entriesReversed(start, reused as [TreeKey<T>, undefined]);
    let done = false;
    return () => {
      if (done) return undefined;
      const step = iterator.next();
      if (step.done) return void (done = true);
      const key = step.value[0] as StoredKey<T>;
      if (stop) {
        const c = this.compare(key, stop);
        if (forward ? c > 0 : c < 0) return void (done = true);
      }
      return entryOf(key);
    };
  }

  private partitionFor(value: IndexValue): Partition<T> {
    let partition = this.partitions.get(value);
    if (!partition) {
      partition = { value, tree: new BTree<TreeKey<T>, undefined>(undefined, this.compare, MAX_NODE_SIZE), docs: 0, omitted: 0 };
      this.partitions.set(value, partition);
    }
    return partition;
  }

  private valueAt(key: StoredKey<T>, p: number): IndexValue {
    return key instanceof MultiKey ? key.values[p]! : directValue(this.readers[p]!(key.doc));
  }

  private probeOrder(probe: Probe, key: StoredKey<T>): number {
    const values = probe.values;
    for (let p = 0; p < values.length; p++) {
      const c = compareIndexValues(values[p]!, this.valueAt(key, p));
      if (c !== 0) return c;
    }
    if (values.length < this.readers.length || probe.id === undefined) return probe.bias;
    return compareStrings(probe.id, entryOf(key).doc.id) || probe.bias;
  }

  /** The document's partitions and keys, counting it (sign 1) or uncounting it (-1) in the shape counters. */
  private count(entry: Entry<T>, sign: 1 | -1): Layout<T> {
    const layout = this.layoutOf(entry);
    if (layout.partitions.length === 0) return layout;
    if (layout.partitions.length > 1) this.multiPartition += sign;
    for (let p = 0; p < layout.shapes.length; p++) {
      const shape = layout.shapes[p]!;
      if (shape !== Shape.Scalar && shape !== Shape.Null) this.irregular[p]! += sign;
      if (layout.many[p]) this.multi[p]! += sign;
    }
    return layout;
  }

  private layoutOf(entry: Entry<T>): Layout<T> {
    const doc = entry.doc;
    const partitions = [...new Set(leafScalars(doc, this.firstPath))];
    const m = this.readers.length;
    const shapes: Shape[] = new Array(m);
    const many: boolean[] = new Array(m).fill(false);
    const raws: unknown[] = new Array(m);
    let direct = true;
    let allNull = m > 0;
    for (let p = 0; p < m; p++) {
      const raw = this.readers[p]!(doc);
      raws[p] = raw;
      const shape = shapeOf(raw);
      shapes[p] = shape;
      if (shape === Shape.Many) direct = false;
      else if (directValue(raw) !== null) allNull = false;
    }
    if (direct) return { partitions, keys: allNull ? [] : [entry], shapes, many };
    const columns = raws.map((raw, p) => (shapes[p] === Shape.Many ? manyValues(doc, this.tailPaths[p]!) : [directValue(raw)]));
    columns.forEach((column, p) => (many[p] = column.length > 1));
    if (columns.every((column) => column.length === 1 && column[0] === null)) return { partitions, keys: [], shapes, many };
    const keys = combinations(columns).map((values) => new MultiKey(entry, values));
    return { partitions, keys, shapes, many };
  }
}

const STOP = { break: true } as const;

function combinations(columns: readonly IndexValue[][]): IndexValue[][] {
  let tuples: IndexValue[][] = [[]];
  for (const column of columns) tuples = tuples.flatMap((tuple) => column.map((value) => [...tuple, value]));
  return tuples;
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
      return sameValues(manyValues(before, path), manyValues(after, path));
  }
}
