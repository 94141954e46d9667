import { encodeCursor, queryFingerprint, sortOf, startOf } from '../cursor';
import { assertFields, assertLimit, assertPosition, cloneStored, copyDocument, pickStored } from '../documents';
import { toPredicate, type DocPredicate } from '../filter/to-predicate';
import type { Collection, Doc, DocFilter, FindQuery, IndexSpec, Page } from '../port';
import type { Entry } from './entry';
import { runCount, runFind, type QueryStats, type Ranked } from './executor';
import { Indexes } from './indexes';
import { planQuery } from './planner';

const MATCH_ALL: DocPredicate = () => true;

/** A consistent cut of one collection: what a snapshot writes and a restart loads back. */
export interface CollectionDump<T extends Doc> {
  readonly entries: readonly (readonly [doc: T, position: bigint])[];
  readonly tombstones: readonly (readonly [id: string, position: bigint])[];
}

/**
 * One collection held in process memory. Every method runs to completion without awaiting, so each call is atomic
 * with respect to the others.
 */
export class EmbeddedCollection<T extends Doc> implements Collection<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Positions of deletions, so that replayed older events cannot bring a deleted document back. */
  private readonly tombstones = new Map<string, bigint>();
  private readonly indexes = new Indexes<T>();

  constructor(readonly name: string) {}

  async ensureIndexes(indexes: readonly IndexSpec[]): Promise<void> {
    this.indexes.declare(indexes, this.entries.values());
  }

  async get(id: string): Promise<T | undefined> {
    const entry = this.entries.get(id);
    return entry && cloneStored(entry.doc);
  }

  /** Includes the position of a deletion that left a tombstone. */
  async positionOf(id: string): Promise<bigint | undefined> {
    return this.entries.get(id)?.position ?? this.tombstones.get(id);
  }

  async upsert(doc: T, position: bigint): Promise<boolean> {
    assertPosition(position);
    const copy = copyDocument(doc);
    const entry = this.entries.get(copy.id);
    if (!this.isNewer(copy.id, position)) return false;
    this.indexes.assertUnique(copy, entry);
    if (entry) {
      this.indexes.replace(entry, copy);
      entry.position = position;
    } else {
      const created: Entry<T> = { doc: copy, position };
      this.entries.set(copy.id, created);
      this.tombstones.delete(copy.id);
      this.indexes.add(created);
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
  }

  async find(query: FindQuery): Promise<Page<T>> {
    return this.explainFind(query).page;
  }

  async count(filter?: DocFilter): Promise<number> {
    return this.explainCount(filter).count;
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
    const { ranked, stats } = runFind(plan, matches, sort, after, query.limit + 1, this.entries);
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

  explainCount(filter?: DocFilter): { count: number; stats: QueryStats } {
    if (!filter) return { count: this.entries.size, stats: { strategy: 'scan', examined: 0, measured: 0 } };
    const matches = toPredicate(filter);
    return runCount(planQuery(this.indexes.ordered, filter), matches, this.entries);
  }

  async clear(): Promise<void> {
    this.entries.clear();
    this.tombstones.clear();
    this.indexes.clear();
  }

  /**
   * Every document and tombstone as they stand now, taken synchronously, so the cut is consistent across the
   * collections of a store. Stored documents are never changed in place (an upsert stores a fresh copy), so a caller
   * may serialize the returned documents later, while the collection goes on changing; it must not modify them.
   */
  dump(): CollectionDump<T> {
    const entries: (readonly [T, bigint])[] = [];
    for (const entry of this.entries.values()) entries.push([entry.doc, entry.position]);
    return { entries, tombstones: [...this.tombstones] };
  }

  /**
   * Replaces the collection's content with a dump (at start, before any use). The documents are taken as they are
   * (they came from `dump`, through a serializer), not validated or copied again; declared indexes are rebuilt.
   */
  load(dump: CollectionDump<T>): void {
    this.entries.clear();
    this.tombstones.clear();
    this.indexes.clear();
    for (const [id, position] of dump.tombstones) this.tombstones.set(id, position);
    const loaded: Entry<T>[] = [];
    for (const [doc, position] of dump.entries) {
      const entry: Entry<T> = { doc, position };
      this.entries.set(doc.id, entry);
      loaded.push(entry);
    }
    this.indexes.rebuild(loaded);
  }

  private isNewer(id: string, position: bigint): boolean {
    const latest = this.entries.get(id)?.position ?? this.tombstones.get(id);
    return latest === undefined || latest < position;
  }
}
