import { encodeCursor, queryFingerprint, sortOf, startOf } from '../cursor';
import { assertFields, assertLimit, assertPosition, cloneStored, copyDocument, pickStored } from '../documents';
import { toPredicate, type DocPredicate } from '../filter/to-predicate';
import { assertValidFilter } from '../filter/validate-filter';
import { DeadlineExceededError, type Collection, type CountOptions, type Doc, type DocFilter, type FindQuery, type IndexSpec, type Page } from '../port';
import { DELETED, isLive, type Entry } from './entry';
import { planCount, runCount, runFind, type QueryStats, type Ranked } from './executor';
import { Indexes, type BuildOptions, type IndexOrder, type LoadedIndexOrder } from './indexes';
import { DocumentStrings, InternPath, internInPlace } from './interner';
import { planQuery } from './planner';
import { SortColumns, type SortColumn } from './sort-columns';

const MATCH_ALL: DocPredicate = () => true;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A consistent cut of one collection: what a snapshot writes and a restart loads back. */
export interface CollectionDump<T extends Doc> {
  /**
   * The documents and, at the same places, their positions. Two flat arrays rather than a pair per document: a cut of
   * a million documents then allocates two arrays instead of a million small ones, which a snapshot write kept alive
   * (and the collector promoted and marked) for its whole duration.
   */
  readonly docs: readonly T[];
  readonly positions: readonly bigint[];
  readonly tombstones: readonly (readonly [id: string, position: bigint])[];
  /** The finished ordered indexes in index order, their documents by place in `docs` (none in older snapshots). */
  readonly indexes?: readonly IndexOrder[];
}

/** A dump as a snapshot load hands it back: its index orders may still be sealed (decoded when adopted). */
export interface LoadedDump<T extends Doc> extends Omit<CollectionDump<T>, 'indexes'> {
  readonly indexes?: readonly LoadedIndexOrder[];
}

/** How a collection spreads long work (index builds, counts) over turns of the event loop. */
export interface CollectionSettings {
  /** Up to this many documents, `ensureIndexes` builds a new ordered index before it resolves; above, in the background. */
  readonly atOnceUpTo: number;
  /** How long one turn of a background index build or of a count may hold the event loop (ms), about. */
  readonly turnMs: number;
  /** A count yields after evaluating at most this many documents in one turn (tests set it low). */
  readonly countTurnDocs: number;
  /**
   * Whether finds may select pages from sets through sort columns (`sort-columns.ts`: 8 bytes per document per field
   * sorted by, made in the background like the indexes); default true. Off, the planner's specs see the strategies
   * without them.
   */
  readonly sortColumns?: boolean;
}

/**
 * 50,000 documents bulk-build in about a tenth of a second per index; a million take seconds each (tens for the user
 * list's indexes together), which must not hold the event loop. A count's predicate costs 0.2–1 µs a document in
 * storage order and up to ten times that through an index: 10 ms is 10,000–50,000 documents.
 */
export const DEFAULT_COLLECTION_SETTINGS: CollectionSettings = { atOnceUpTo: 50_000, turnMs: 10, countTurnDocs: 50_000 };

/**
 * One collection held in process memory. Every method but `count` runs to completion without awaiting, so each call
 * is atomic with respect to the others.
 *
 * `ensureIndexes` over a large collection resolves once the indexes are declared and builds them in the background
 * (`whenIndexesBuilt`); until an index is finished, queries are planned without it. Answers never depend on indexes.
 */
export class EmbeddedCollection<T extends Doc> implements Collection<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Positions of deletions, so that replayed older events cannot bring a deleted document back. */
  private readonly tombstones = new Map<string, bigint>();
  private readonly indexes: Indexes<T>;
  /** The `seq` of the next entry created: entries are created (and kept in `entries`) in increasing order. */
  private nextSeq = 0;
  /** Live entries by `seq` (set plans enumerate sets of seqs); its length is `nextSeq`. */
  private readonly bySeq: (Entry<T> | undefined)[] = [];
  /** Shared copies of the short strings that repeat across documents (see `InternPath`). */
  private readonly strings = new InternPath();
  private readonly sameStrings = new DocumentStrings();
  /** Sort fields' values as numbers by seq, for pages selected from sets (made when first sorted by). */
  private readonly sortColumns: SortColumns<T>;

  constructor(
    readonly name: string,
    private readonly settings: CollectionSettings = DEFAULT_COLLECTION_SETTINGS,
  ) {
    const options: BuildOptions = { ...settings, isLive, entries: () => this.entries.values() };
    this.indexes = new Indexes<T>(options);
    this.sortColumns = new SortColumns<T>(this.bySeq, settings);
  }

  async ensureIndexes(indexes: readonly IndexSpec[]): Promise<void> {
    this.indexes.declare(indexes, this.entries.values());
  }

  /** Resolves once every declared index is built (indexes over large collections are built in the background). */
  whenIndexesBuilt(): Promise<void> {
    return this.indexes.whenBuilt();
  }

  /** How many ordered indexes are still being built in the background. */
  get indexesBuilding(): number {
    return this.indexes.pendingBuilds;
  }

  /**
   * The index orders a snapshot taken with them now would hold of this collection: one per finished ordered index,
   * none when it holds neither documents nor tombstones (a snapshot leaves such a collection out).
   */
  get ordersToKeep(): number {
    return this.entries.size === 0 && this.tombstones.size === 0 ? 0 : this.indexes.ordered.length;
  }

  /** How many indexes were loaded from a snapshot's order of them, and how many such orders were refused. */
  get indexAdoptions(): { readonly adopted: number; readonly refused: number } {
    return this.indexes.adoptions;
  }

  async get(id: string): Promise<T | undefined> {
    const entry = this.entries.get(id);
    return entry && cloneStored(entry.doc);
  }

  /** The stored document itself (see `Collection.getForUpdate`): a projection's read-modify-write copies it once, on upsert. */
  async getForUpdate(id: string): Promise<Readonly<T> | undefined> {
    return this.entries.get(id)?.doc;
  }

  /** Includes the position of a deletion that left a tombstone. */
  async positionOf(id: string): Promise<bigint | undefined> {
    return this.entries.get(id)?.position ?? this.tombstones.get(id);
  }

  async upsert(doc: T, position: bigint): Promise<boolean> {
    assertPosition(position);
    const stored = typeof doc?.id === 'string' ? this.entries.get(doc.id) : undefined;
    const copy = copyDocument(doc, this.strings, this.sameStrings, stored?.doc);
    const entry = this.entries.get(copy.id);
    if (!this.isNewer(copy.id, position)) return false;
    this.indexes.assertUnique(copy, entry);
    if (entry) {
      this.indexes.replace(entry, copy);
      entry.position = position;
      this.sortColumns.update(entry);
    } else {
      const created: Entry<T> = { doc: copy, position, seq: this.nextSeq++ };
      this.bySeq[created.seq] = created;
      this.entries.set(copy.id, created);
      this.tombstones.delete(copy.id);
      this.indexes.add(created);
      this.sortColumns.update(created);
    }
    return true;
  }

  /** Without a position, an existing tombstone stays: it still records the latest deletion. */
  async delete(id: string, position?: bigint): Promise<void> {
    if (position !== undefined) {
      assertPosition(position);
      if (!this.isNewer(id, position)) return;
      this.tombstones.set(id, position);
    }
    const entry = this.entries.get(id);
    if (!entry) return;
    this.indexes.remove(entry);
    this.entries.delete(id);
    this.bySeq[entry.seq] = undefined;
    this.sortColumns.forget(entry.seq);
    entry.seq = DELETED;
  }

  async find(query: FindQuery): Promise<Page<T>> {
    return this.explainFind(query).page;
  }

  /**
   * A filter an index represents exactly is answered by its keys (two ranks for a range: tens of µs at 1M, where a
   * find of one document plans sets over the whole bot); any other by a find of one document.
   */
  async exists(filter: DocFilter): Promise<boolean> {
    assertValidFilter(filter);
    const work = planCount(planQuery(this.indexes.ordered, filter), this.entries, this.bySeq);
    if ('count' in work) return work.count > 0;
    return this.explainFind({ filter, limit: 1 }).page.items.length > 0;
  }

  /**
   * Counts without holding the event loop for long: when the predicate must be evaluated on many documents, it is
   * evaluated in turns of about `turnMs` (at most `countTurnDocs` documents), yielding between them. The documents to evaluate are fixed when
   * the count begins (a stable list of entries): each is counted as it stands when reached; one deleted meanwhile is
   * not counted, one created meanwhile is not seen. A count while nothing changes is exact; while documents change,
   * it counts each document present throughout once, by its state at some moment during the count.
   */
  async count(filter?: DocFilter, options: CountOptions = {}): Promise<number> {
    const deadline = options.deadline;
    const abandonIfLate = () => {
      if (deadline !== undefined && Date.now() > deadline) throw new DeadlineExceededError();
    };
    abandonIfLate();
    if (!filter) return this.entries.size;
    const matches = toPredicate(filter);
    const work = planCount(planQuery(this.indexes.ordered, filter), this.entries, this.bySeq);
    if ('count' in work) return work.count;
    const { evaluate } = work;
    const { turnMs, countTurnDocs } = this.settings;
    let count = work.counted;
    let yielded = false;
    for (let i = 0; i < evaluate.length; ) {
      const until = performance.now() + turnMs;
      const end = Math.min(i + countTurnDocs, evaluate.length);
      for (; i < end; i++) {
        const entry = evaluate[i]!;
        // Before the first yield nothing can have changed; after it, a document deleted meanwhile is not counted.
        if (yielded && !isLive(entry)) continue;
        if (matches(entry.doc)) count++;
        if ((i & 1023) === 1023 && performance.now() >= until) {
          i++;
          break;
        }
      }
      if (i < evaluate.length) {
        await nextTurn();
        yielded = true;
        abandonIfLate();
      }
    }
    return count;
  }

  /** `find` with how it was answered (which plan, how many documents examined): for planner tests and benchmarks. */
  explainFind(query: FindQuery): { page: Page<T>; stats: QueryStats } {
    assertLimit(query.limit);
    assertFields(query.fields);
    const sort = sortOf(query);
    // The fingerprint (canonical JSON of the filter, hashed) only serves cursors: a walk that keeps its own keyset
    // (`after`) and stops at one page never needs it.
    let fingerprint: string | undefined;
    const fingerprintOf = () => (fingerprint ??= queryFingerprint(query.filter, sort));
    const after = startOf(query, query.cursor === undefined ? '' : fingerprintOf());
    const matches = query.filter ? toPredicate(query.filter) : MATCH_ALL;
    const plan = planQuery(this.indexes.ordered, query.filter, sort, after);
    const { ranked, stats } = runFind(plan, matches, sort, after, query.limit + 1, this.entries, this.bySeq, this.columnOf(sort.field));
    const page: Ranked<T>[] = ranked.slice(0, query.limit);
    const last = page[page.length - 1];
    const fields = query.fields;
    return {
      page: {
        items: page.map((item) => (fields ? pickStored(item.entry.doc, fields) : cloneStored(item.entry.doc))),
        nextCursor: ranked.length > query.limit && last ? encodeCursor(last.key, fingerprintOf()) : null,
      },
      stats,
    };
  }

  private columnOf(field: string): (() => SortColumn<T> | undefined) | undefined {
    return this.settings.sortColumns === false ? undefined : () => this.sortColumns.columnFor(field);
  }

  explainCount(filter?: DocFilter): { count: number; stats: QueryStats } {
    if (!filter) return { count: this.entries.size, stats: { strategy: 'scan', examined: 0, measured: 0 } };
    const matches = toPredicate(filter);
    return runCount(planQuery(this.indexes.ordered, filter), matches, this.entries, this.bySeq);
  }

  async clear(): Promise<void> {
    for (const entry of this.entries.values()) entry.seq = DELETED;
    this.entries.clear();
    this.bySeq.fill(undefined);
    this.tombstones.clear();
    this.indexes.clear();
    this.sortColumns.clear();
  }

  /**
   * Every document and tombstone as they stand now (and with `indexOrders` the order of every finished index), taken
   * synchronously, so the cut is consistent across the collections of a store. Stored documents are never changed in
   * place (an upsert stores a fresh copy), so a caller may serialize the returned documents later, while the
   * collection goes on changing; it must not modify them. The index orders cost a pass over every key (about 0.5 µs
   * each at 1M documents, most of it reaching the entries): seconds for the user list, so only a store's last
   * snapshot takes them.
   */
  dump(indexOrders = false): CollectionDump<T> {
    const docs = new Array<T>(this.entries.size);
    const positions = new Array<bigint>(this.entries.size);
    let i = 0;
    for (const entry of this.entries.values()) {
      docs[i] = entry.doc;
      positions[i++] = entry.position;
    }
    const indexes = indexOrders ? this.indexes.orders(this.entries.values(), this.entries.size, this.nextSeq) : [];
    return { docs, positions, tombstones: [...this.tombstones], indexes };
  }

  /**
   * Replaces the repeated strings of a document just deserialized for `load` (nobody else holds it yet) by the shared
   * copies, in place.
   */
  shareStrings(doc: T): void {
    internInPlace(doc, this.strings, this.sameStrings);
  }

  /**
   * Replaces the collection's content with a dump (at start, before any use). The documents are taken as they are
   * (they came from `dump`, through a serializer), not validated or copied again — but their repeated strings are
   * replaced by shared copies in place (unless `shared`: `shareStrings` did it to each already); declared indexes are
   * rebuilt. The dump's index orders wait for their indexes to be declared, which then load from them instead of
   * building (`Indexes.rebuild`).
   */
  load(dump: LoadedDump<T>, shared = false): void {
    for (const entry of this.entries.values()) entry.seq = DELETED;
    this.entries.clear();
    this.bySeq.fill(undefined);
    this.tombstones.clear();
    this.indexes.clear();
    this.sortColumns.clear();
    for (const [id, position] of dump.tombstones) this.tombstones.set(id, position);
    if (dump.docs.length !== dump.positions.length) throw new Error(`a dump of ${this.name} has ${dump.docs.length} documents but ${dump.positions.length} positions`);
    const loaded: Entry<T>[] = [];
    for (let i = 0; i < dump.docs.length; i++) {
      const doc = dump.docs[i]!;
      if (!shared) this.shareStrings(doc);
      const entry: Entry<T> = { doc, position: dump.positions[i]!, seq: this.nextSeq++ };
      this.bySeq[entry.seq] = entry;
      this.entries.set(doc.id, entry);
      loaded.push(entry);
    }
    this.indexes.rebuild(loaded, dump.indexes);
  }

  private isNewer(id: string, position: bigint): boolean {
    const latest = this.entries.get(id)?.position ?? this.tombstones.get(id);
    return latest === undefined || latest < position;
  }
}
