import { UniqueIndexViolationError } from '../errors';
import { assertIndexSpec } from '../index-spec';
import { ReadStoreError, type Doc, type IndexSpec } from '../port';
import { isLive, type Entry } from './entry';
import { OrderedIndex, sortStrings, type Grouping, type PartitionOrder } from './ordered-index';
import { sortInTurns, turnPause } from './sort-in-turns';
import { UniqueIndex } from './unique-index';

/** How an index over existing documents is built: at once, or in the background in turns that yield. */
export interface BuildOptions {
  /** Up to this many existing documents, a new ordered index is built at once (bulk); above, in the background. */
  readonly atOnceUpTo: number;
  /** How long one background turn may hold the event loop (ms) before it yields. */
  readonly turnMs: number;
  /** Whether an entry is still in the collection (not deleted since the build began). */
  readonly isLive: (entry: Entry<unknown & Doc>) => boolean;
  /** The collection's entries now (in creation order): what an index builds from when a loaded order is refused. */
  readonly entries: () => Iterable<Entry<unknown & Doc>>;
}

/** An ordered index's content as a snapshot keeps it: its fields and its partitions in index order. */
export interface IndexOrder {
  readonly fields: readonly string[];
  readonly partitions: readonly PartitionOrder[];
}

/**
 * An index order as a snapshot load hands it over: its partitions, or a function that decodes them — a format-3
 * snapshot keeps each index frame compressed until its index is adopted (`decodeIndexFrames`), so that reading a
 * million users' 22 orders (~5 s of a restart's load, 2026-12-05) happens after the first answer, and an order no
 * declaration asks for is never decoded. A decoding that fails refuses the order (the index is built).
 */
export interface LoadedIndexOrder {
  readonly fields: readonly string[];
  readonly partitions: OrderSource;
}

export type OrderSource = readonly PartitionOrder[] | (() => Promise<readonly PartitionOrder[]>);

/**
 * How long the orders a snapshot loaded wait for their indexes to be declared again (the projections declare theirs
 * at start, seconds after the load); then those not declared are dropped.
 */
export const LOADED_ORDERS_GRACE_MS = 60_000;

/**
 * The index orders a snapshot loaded, from the load until each is adopted by a declaration of its fields or dropped.
 * Orders describe the documents as loaded: writes since are noted (`before`, `created`) and replayed onto an index
 * once it has adopted its order.
 */
interface Loaded<T extends Doc> {
  /** By the index's fields (JSON, as `byFields`). */
  readonly orders: Map<string, OrderSource>;
  /** The loaded entries by position in the snapshot; their `seq`s are consecutive. */
  readonly entries: readonly Entry<T>[];
  /** Loaded entries changed or deleted since the load, with the document each held then. */
  readonly before: Map<Entry<T>, T>;
  /** Entries created since the load. */
  readonly created: Set<Entry<T>>;
  readonly timer: NodeJS.Timeout;
}

/**
 * An ordered index being built in the background from the entries the collection held when it was declared: a bulk
 * build whose first half (grouping entries by their values) is spread over turns, and whose second half (sorting each
 * level's values and loading the trees) runs in one turn at the end. The entries are first put in id order (in turns
 * too, shared by the indexes declared together: `pending`), so that each bucket is grouped in order and needs no sort.
 * Entries before `pending[next]` have been grouped, and so is every entry created after the build began (`seq` above
 * `lastSeq`); the others are left alone until the build reaches them (it groups them with the document they hold
 * then, unless they were deleted). A grouped entry that is changed or deleted meanwhile is noted in `changed` with the
 * document it was grouped by, and re-keyed once the trees are loaded.
 */
interface Build<T extends Doc> {
  readonly index: OrderedIndex<T>;
  /** Until sorted, nothing but new entries is reached. */
  pending: readonly Entry<T>[] | undefined;
  readonly sorting: Promise<Entry<T>[] | undefined>;
  readonly lastSeq: number;
  next: number;
  readonly groups: Grouping<T>;
  readonly changed: Map<Entry<T>, T>;
  /** Once the trees are being loaded: entries created since, added when they are. */
  late?: Set<Entry<T>>;
}

/** Id order as the engine compares strings (the buckets' code point order is checked when they are loaded). */
const idBefore = <T extends Doc>(a: Entry<T>, b: Entry<T>) => a.doc.id < b.doc.id;

function reached<T extends Doc>(build: Build<T>, entry: Entry<T>): boolean {
  if (entry.seq > build.lastSeq) return true;
  const pending = build.pending;
  if (pending === undefined) return false;
  return build.next >= pending.length || idBefore(entry, pending[build.next]!);
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The declared indexes of one collection, kept in step with its documents: one ordered index per distinct list of
 * fields (two declarations of the same fields share one; directions do not matter in memory), plus the unique
 * constraints.
 *
 * Over a large collection (`BuildOptions.atOnceUpTo`), a new ordered index is built in the background, one index
 * after the other in declaration order, in turns of a few milliseconds: the planner sees only finished indexes
 * (`ordered`), so queries are answered meanwhile, by scans or the indexes already finished. Unique constraints are
 * always built at once: a violation must reject the declaration.
 */
export class Indexes<T extends Doc> {
  private readonly declared = new Map<string, IndexSpec>();
  private readonly byFields = new Map<string, OrderedIndex<T>>();
  private readonly unique: UniqueIndex<T>[] = [];
  private readonly building = new Map<OrderedIndex<T>, Build<T>>();
  /** Indexes being loaded from a snapshot's order (`OrderedIndex.adopt`), before any build. */
  private readonly adopting = new Map<OrderedIndex<T>, OrderSource>();
  private loaded?: Loaded<T>;
  /** Indexes loaded from a snapshot's order, and orders refused (then built instead). */
  readonly adoptions = { adopted: 0, refused: 0 };
  /** Changes when builds are abandoned (clear, rebuild): a running builder then stops. */
  private generation = 0;
  private builder?: Promise<void>;

  constructor(private readonly options: BuildOptions) {}

  /** The finished ordered indexes: what the planner may use. */
  get ordered(): readonly OrderedIndex<T>[] {
    return [...this.byFields.values()].filter((index) => !this.building.has(index) && !this.adopting.has(index));
  }

  /** The number of ordered indexes still being built (or loaded from a snapshot's order) in the background. */
  get pendingBuilds(): number {
    return this.building.size + this.adopting.size;
  }

  /** Resolves once no index is being built (at once if none is). */
  async whenBuilt(): Promise<void> {
    while (this.builder) await this.builder;
  }

  /**
   * Declares new indexes over `existing` documents (in creation order); throws (changing nothing) if a unique one is
   * violated. Ordered indexes over more than `atOnceUpTo` documents are only queued for the background: those whose
   * fields a loaded snapshot kept the order of are loaded from it (adopted), before the others are built.
   */
  declare(specs: readonly IndexSpec[], existing: Iterable<Entry<T>>): void {
    const fresh = specs.filter((spec) => !this.isDeclared(spec));
    const entries = [...existing];
    const uniques = fresh.filter((spec) => spec.unique).map((spec) => new UniqueIndex<T>(spec));
    for (const index of uniques) {
      for (const entry of entries) {
        if (index.conflictsWith(entry.doc, entry)) throw new UniqueIndexViolationError(index.spec.name);
        index.add(entry);
      }
    }
    let byId: Entry<T>[] | undefined;
    let sorting: Promise<Entry<T>[] | undefined> | undefined;
    for (const spec of fresh) {
      this.declared.set(spec.name, spec);
      const fields = spec.fields.map(([field]) => field);
      const key = JSON.stringify(fields);
      if (this.byFields.has(key)) continue;
      const index = new OrderedIndex<T>(fields);
      const order = this.loaded?.orders.get(key);
      this.loaded?.orders.delete(key);
      if (entries.length <= this.options.atOnceUpTo) index.build((byId ??= sortedById(entries)));
      else if (order) this.adopting.set(index, order);
      else sorting = this.queueBuild(index, entries, sorting);
      this.byFields.set(key, index);
    }
    this.unique.push(...uniques);
    this.releaseLoaded();
    if (this.building.size + this.adopting.size > 0) this.builder ??= this.buildInBackground();
  }

  /** Queues a background build of `index` over `entries` (sorted by id in turns: `sorting`, shared if given). */
  private queueBuild(index: OrderedIndex<T>, entries: Entry<T>[], sorting?: Promise<Entry<T>[] | undefined>): Promise<Entry<T>[] | undefined> {
    let lastSeq = -1;
    for (const entry of entries) lastSeq = Math.max(lastSeq, entry.seq);
    sorting ??= this.sortById(entries);
    this.building.set(index, { index, pending: undefined, sorting, lastSeq, next: 0, groups: new Map(), changed: new Map() });
    return sorting;
  }

  /**
   * Loads the first index waiting for its snapshot order (decoding it first if the load left it sealed), then replays
   * onto it the writes made since the load; an order that does not decode or check is dropped and the index queued for
   * a build. False if abandoned.
   */
  private async adoptNext(generation: number): Promise<boolean> {
    const [index, source] = this.adopting.entries().next().value as [OrderedIndex<T>, OrderSource];
    const loaded = this.loaded!;
    const order = typeof source === 'function' ? await source().catch(() => undefined) : source;
    if (generation !== this.generation) return false;
    // Most entries have not changed since the load: no lookup then.
    const docOf = (entry: Entry<T>) => (loaded.before.size > 0 && loaded.before.get(entry)) || entry.doc;
    const adopted =
      order !== undefined && (await index.adopt(order, loaded.entries, docOf, turnPause(this.options.turnMs, () => generation !== this.generation)));
    if (generation !== this.generation) return false;
    this.adopting.delete(index);
    this.adoptions[adopted ? 'adopted' : 'refused']++;
    if (!adopted) this.queueBuild(index, [...(this.options.entries() as Iterable<Entry<T>>)]);
    else {
      for (const [entry, doc] of loaded.before) {
        index.remove(entry, doc);
        if (isLive(entry)) index.add(entry);
      }
      for (const entry of loaded.created) if (isLive(entry)) index.add(entry);
    }
    this.releaseLoaded();
    return true;
  }

  /** Forgets the load once no order is left to adopt (and none is being adopted). */
  private releaseLoaded(): void {
    if (!this.loaded || this.loaded.orders.size > 0 || this.adopting.size > 0) return;
    clearTimeout(this.loaded.timer);
    this.loaded = undefined;
  }

  /** Before a write changes or deletes a loaded entry: notes the document it held at the load (once). */
  private noteChange(entry: Entry<T>): void {
    const loaded = this.loaded;
    if (!loaded || loaded.before.has(entry) || loaded.entries[entry.seq - (loaded.entries[0]?.seq ?? 0)] !== entry) return;
    loaded.before.set(entry, entry.doc);
  }

  /** Builds the queued indexes one after the other, yielding to the event loop about every `turnMs`. */
  private async buildInBackground(): Promise<void> {
    const generation = this.generation;
    try {
      for (;;) {
        await nextTurn();
        if (generation !== this.generation) return;
        if (this.adopting.size > 0) {
          if (!(await this.adoptNext(generation))) return;
          continue;
        }
        const build = this.building.values().next().value as Build<T> | undefined;
        if (!build) return;
        if (!build.pending) {
          build.pending = await build.sorting;
          if (generation !== this.generation) return;
          continue;
        }
        if (this.group(build, performance.now() + this.options.turnMs) && !(await this.finish(build, generation))) return;
      }
    } finally {
      if (generation === this.generation) this.builder = undefined;
    }
  }

  /** Sorts in place: `entries` is the declaration's own list (copying a million took a tenth of a second). */
  private sortById(entries: Entry<T>[]): Promise<Entry<T>[] | undefined> {
    const generation = this.generation;
    const sorting = sortInTurns(entries, idBefore, this.options.turnMs, () => generation !== this.generation);
    sorting.catch(() => undefined); // awaited by the builder
    return sorting;
  }

  /** Groups pending entries until `until`; true when every one is grouped. */
  private group(build: Build<T>, until: number): boolean {
    const { index, groups } = build;
    const pending = build.pending!;
    const isLive = this.options.isLive as (entry: Entry<T>) => boolean;
    while (build.next < pending.length) {
      const entry = pending[build.next++]!;
      if (isLive(entry)) index.groupEntry(groups, entry);
      if ((build.next & 255) === 0 && performance.now() >= until) return false;
    }
    return true;
  }

  /**
   * Loads the trees of a grouped build (in turns) and re-keys what changed meanwhile. While it loads, new entries
   * wait in `late` and are added at the end; entries changed or deleted before it began are left out of the trees
   * (`stale`), those changed later are re-keyed in them.
   */
  private async finish(build: Build<T>, generation: number): Promise<boolean> {
    const isLive = this.options.isLive as (entry: Entry<T>) => boolean;
    const stale = new Set(build.changed.keys());
    build.late = new Set();
    const loaded = await build.index.finishBuildInTurns(build.groups, stale, this.options.turnMs, () => generation !== this.generation);
    if (!loaded || generation !== this.generation) return false;
    for (const [entry, grouped] of build.changed) {
      if (stale.has(entry)) build.index.uncount(grouped);
      else build.index.remove(entry, grouped);
      if (isLive(entry)) build.index.add(entry);
    }
    for (const entry of build.late) if (isLive(entry)) build.index.add(entry);
    this.building.delete(build.index);
    return true;
  }

  /** Abandons background builds: every index is then complete as it stands (empty after a clear). */
  private abandonBuilds(): void {
    this.building.clear();
    this.adopting.clear();
    if (this.loaded) this.loaded.orders.clear();
    this.releaseLoaded();
    this.generation++;
    this.builder = undefined;
  }

  /**
   * Before a write changes or deletes an entry: the ordered indexes to re-key now (finished ones); background builds
   * that grouped it note the document it was grouped by, those that have not reached it need nothing.
   */
  private finishedFor(entry: Entry<T>): OrderedIndex<T>[] {
    const indexes: OrderedIndex<T>[] = [];
    for (const index of this.byFields.values()) {
      if (this.adopting.has(index)) continue; // replays the writes since the load once adopted
      const build = this.building.get(index);
      if (!build) indexes.push(index);
      else if (reached(build, entry) && !build.changed.has(entry) && !build.late?.has(entry)) build.changed.set(entry, entry.doc);
    }
    return indexes;
  }

  assertUnique(doc: T, self: Entry<T> | undefined): void {
    const violated = this.unique.find((index) => index.conflictsWith(doc, self));
    if (violated) throw new UniqueIndexViolationError(violated.spec.name);
  }

  /** A new entry: its `seq` is above every build's, so background builds take it now too. */
  add(entry: Entry<T>): void {
    this.loaded?.created.add(entry);
    for (const index of this.byFields.values()) {
      if (this.adopting.has(index)) continue;
      const build = this.building.get(index);
      if (!build) index.add(entry);
      else if (build.late) build.late.add(entry);
      else index.groupEntry(build.groups, entry);
    }
    for (const index of this.unique) index.add(entry);
  }

  remove(entry: Entry<T>): void {
    this.noteChange(entry);
    for (const index of this.building.size + this.adopting.size ? this.finishedFor(entry) : this.byFields.values()) index.remove(entry);
    for (const index of this.unique) index.remove(entry);
  }

  /**
   * Replaces the entry's document, re-keying only the indexes whose fields changed: an interaction that moves
   * `lastInteractionAt` touches one index, not all of them. Keys are removed while the entry still holds the old
   * document, because entry-keyed trees read their values from it.
   */
  replace(entry: Entry<T>, doc: T): void {
    this.noteChange(entry);
    const changed: OrderedIndex<T>[] = [];
    for (const index of this.building.size + this.adopting.size ? this.finishedFor(entry) : this.byFields.values()) {
      if (!index.keepsKeys(entry.doc, doc)) changed.push(index);
    }
    for (const index of changed) index.remove(entry);
    for (const index of this.unique) index.remove(entry);
    entry.doc = doc;
    for (const index of changed) index.add(entry);
    for (const index of this.unique) index.add(entry);
  }

  /**
   * Rebuilds every index over `entries` (after a load), bulk-loading the ordered ones, and keeps the `orders` the
   * snapshot has of indexes not declared yet, for their declarations to adopt (`LOADED_ORDERS_GRACE_MS`).
   */
  rebuild(entries: readonly Entry<T>[], orders: readonly LoadedIndexOrder[] = []): void {
    this.clear();
    // Nothing declared yet (a snapshot restored at start): sorting a million ids for no index took 1.5 s.
    if (this.byFields.size > 0) {
      const byId = sortedById(entries);
      for (const index of this.byFields.values()) index.build(byId);
    }
    for (const index of this.unique) for (const entry of entries) index.add(entry);
    const kept = new Map<string, OrderSource>();
    for (const order of orders) {
      const key = JSON.stringify(order.fields);
      if (!this.byFields.has(key)) kept.set(key, order.partitions);
    }
    if (kept.size === 0) return;
    const timer = setTimeout(() => {
      this.loaded?.orders.clear();
      this.releaseLoaded();
    }, LOADED_ORDERS_GRACE_MS);
    timer.unref();
    this.loaded = { orders: kept, entries, before: new Map(), created: new Set(), timer };
  }

  /**
   * Every finished ordered index in index order (see `PartitionOrder`), its documents numbered by their place in
   * `entries` (the collection's, in creation order: `seq` increasing, below `nextSeq`). Synchronous, for a snapshot's
   * cut: one pass over each index's keys.
   */
  orders(entries: Iterable<Entry<T>>, size: number, nextSeq: number): IndexOrder[] {
    const finished = this.ordered;
    if (finished.length === 0) return [];
    let positionOf: (entry: Entry<T>) => number;
    if (nextSeq <= 2 * size + 4096) {
      const table = new Uint32Array(nextSeq);
      let i = 0;
      for (const entry of entries) table[entry.seq] = i++;
      positionOf = (entry) => table[entry.seq]!;
    } else {
      // Many entries were deleted since the `seq`s were given: a binary search instead of a table of them all.
      const seqs = new Uint32Array(size);
      let i = 0;
      for (const entry of entries) seqs[i++] = entry.seq;
      positionOf = (entry) => {
        let lo = 0;
        let hi = size - 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (seqs[mid]! < entry.seq) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
    }
    const orders: IndexOrder[] = [];
    for (const index of finished) {
      const partitions = index.order(positionOf);
      if (partitions) orders.push({ fields: index.fields, partitions });
    }
    return orders;
  }

  clear(): void {
    this.abandonBuilds();
    for (const index of this.byFields.values()) index.clear();
    for (const index of this.unique) index.clear();
  }

  private isDeclared(spec: IndexSpec): boolean {
    assertIndexSpec(spec);
    const known = this.declared.get(spec.name);
    if (!known) return false;
    if (JSON.stringify([known.fields, !!known.unique]) !== JSON.stringify([spec.fields, !!spec.unique])) {
      throw new ReadStoreError(`index "${spec.name}" already exists with another definition`);
    }
    return true;
  }
}

/** Entries in id order (code point order, as buckets keep them), sorting the ids natively where that agrees. */
function sortedById<T extends Doc>(entries: readonly Entry<T>[]): Entry<T>[] {
  const byId = new Map<string, Entry<T>>();
  for (const entry of entries) byId.set(entry.doc.id, entry);
  return sortStrings([...byId.keys()]).map((id) => byId.get(id)!);
}
