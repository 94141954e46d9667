import { keysetComparator, keysetOf, type Keyset } from '../cursor';
import { toSortValue, type SortValue } from '../filter/compare';
import { splitPath, valueReader } from '../filter/paths';
import type { DocPredicate } from '../filter/to-predicate';
import type { Doc, SortSpec } from '../port';
import type { Entry } from './entry';
import type { CandidateSource, Plan } from './planner';
import { popcount, SeqSet } from './seq-set';
import type { SortColumn } from './sort-columns';
import { MEMBER_COST, newPlanMemo, planSets, type PlanMemo, type SetBounds } from './set-plan';
import { TopK } from './top-k';

export interface Ranked<T extends Doc> {
  readonly key: Keyset;
  readonly entry: Entry<T>;
}

/** How a query was answered: for tests of the planner and for benchmarks (never part of the port). */
export interface QueryStats {
  readonly strategy:
    | 'empty'
    | 'walk'
    | 'candidates'
    | 'scan'
    | 'sets'
    | 'walk, then candidates'
    | 'walk, then scan'
    | 'walk, then sets'
    | 'walk, filtered by sets'
    | 'walk, filtered by sets, then sets'
    | 'sets by column'
    | 'walk, then sets by column'
    | 'walk, filtered by sets, then sets by column';
  /** Documents whose predicate was evaluated (or, from sets, whose sort key was read). */
  readonly examined: number;
  /** Index keys counted to size the candidate sources, and counted and visited to build sets. */
  readonly measured: number;
  /** Entries a walk decided by their bits in the sets (outside `upper`, or in `lower`), without the predicate. */
  readonly decided?: number;
  readonly source?: string;
}

/** The first size checked when racing a sort walk against candidate sets; doubled while neither is done. */
const FIRST_CAP = 256;
/**
 * A walk expected to go at least this many times FIRST_CAP for its page (`expectedWalk`: the smallest candidate
 * source holds a twentieth of its partition or less) is checked first at FIRST_CAP / SPARSE_CAP_SHARE: over such a
 * filter the first 256 documents held ~2 of the 50 matches (a rare tag at 1M: 256 examined, ~1.4 ms of a ~5 ms page
 * under load, before the page came from the sets anyway). A walk that does find its matches early (they gather at
 * the start of its order) loses nothing: what it found stands, and it goes on filtered by the sets.
 */
const SPARSE_WALK = 4;
const SPARSE_CAP_SHARE = 4;
/** How much cheaper a document is to examine in a scan than through an index (see `scansBetter`). */
const SCAN_ADVANTAGE = 8;

/**
 * A candidate source with its size measured lazily: counting its keys up to a cap costs at most the cap, so the
 * executor can find the smallest source, or stop a walk, at a cost bounded by a small multiple of the better plan.
 */
class Measured<T extends Doc> {
  private exact: number | undefined;
  spent = 0;

  constructor(readonly source: CandidateSource<T>) {}

  /** The whole of one or more partitions (no narrowing below the first field). */
  get whole(): boolean {
    return this.source.ranges.every((range) => range.prefix.length === 0 && !range.low && !range.high);
  }

  /** The number of keys in the source if at most `cap`, else some number above `cap`. */
  keysUpTo(cap: number): number {
    if (this.exact !== undefined) return this.exact;
    let n = 0;
    for (const range of this.source.ranges) {
      n += this.source.index.countUpTo(range, cap - n);
      if (n > cap) break;
    }
    if (!this.whole) this.spent += Math.min(n, cap + 1);
    if (n <= cap) this.exact = n;
    return n;
  }

  forEach(visit: (entry: Entry<T>) => void): void {
    const { index, ranges, distinct } = this.source;
    if (distinct) {
      for (const range of ranges) index.scan(range, (entry) => void visit(entry));
      return;
    }
    const seen = new Set<Entry<T>>();
    for (const range of ranges) {
      index.scan(range, (entry) => {
        if (seen.has(entry)) return;
        seen.add(entry);
        visit(entry);
      });
    }
  }
}

/**
 * Whether to evaluate the predicate on every document rather than on the chosen source: documents are stored in
 * insertion order, which a scan follows through memory, while an index visits them in key order, each in another
 * place. In bench/readstore (100k and 1M documents) a document cost 8–13 times more through an index than in a scan,
 * counting the source's measurement; a source holding more than 1/8 of the collection is not worth it.
 */
function scansBetter<T extends Doc>(chosen: Measured<T>, all: ReadonlyMap<string, Entry<T>>): boolean {
  return chosen.keysUpTo(Number.POSITIVE_INFINITY) * SCAN_ADVANTAGE >= all.size;
}

/**
 * The smallest source of at most `limit` keys, found by counting all of them up to a growing cap (each count stops
 * at the cap); undefined when none is that small.
 */
function smallest<T extends Doc>(measured: readonly Measured<T>[], limit = Number.POSITIVE_INFINITY): Measured<T> | undefined {
  for (let cap = FIRST_CAP; measured.length > 0; cap *= 4) {
    const done = smallestWithin(measured, Math.min(cap, limit));
    if (done || cap >= limit) return done;
  }
  return undefined;
}

/** Sources larger than this are not worth their index order: a scan in storage order is cheaper (`scansBetter`). */
const worthwhile = <T extends Doc>(all: ReadonlyMap<string, Entry<T>>) => Math.floor(all.size / SCAN_ADVANTAGE);

function smallestWithin<T extends Doc>(measured: readonly Measured<T>[], cap: number): Measured<T> | undefined {
  let best: { m: Measured<T>; n: number } | undefined;
  for (const m of measured) {
    const n = m.keysUpTo(cap);
    if (n <= cap && (!best || n < best.n)) best = { m, n };
  }
  return best?.m;
}

const spent = <T extends Doc>(measured: readonly Measured<T>[]) => measured.reduce((sum, m) => sum + m.spent, 0);

/**
 * How far a walk goes for `need` matches if they lie evenly along it, among the `docs` of its partition: every match
 * is in each candidate source, so the smallest source's keys bound the matches. A sparse filter's sets are then planned
 * with that walk's budget at the walk's first re-planning, instead of once it has walked that far (shape 3 of
 * bench/search, 1.2 % of a bot, examined 2,048 documents before its sets were affordable). Only sources counted
 * without walking values (ranges of bounds, buckets: ranks and sizes; not a text test's values) and at most as far as
 * makes a difference (a walk longer than FIRST_CAP); 0 when none is that small. Never past a scan's worth.
 */
function expectedWalk<T extends Doc>(measured: readonly Measured<T>[], need: number, docs: number, all: ReadonlyMap<string, Entry<T>>): number {
  const counted = measured.filter((m) => m.source.ranges.every((range) => !range.where));
  const fewest = smallest(counted, Math.floor((need * docs) / FIRST_CAP));
  if (!fewest) return 0;
  return Math.min(Math.ceil((need * docs) / Math.max(1, fewest.keysUpTo(Number.POSITIVE_INFINITY))), worthwhile(all));
}

/*
 * Costs measured at 1M documents (2 cores, busy), in keys of a bucket put into a set (~27 ns): a walk's step ~16
 * (~450 ns: the index's iteration), a document examined through a walk ~33 (its predicate on a cache-missed
 * document), a member of a set whose sort key a page reads about as much as a document examined (members are read
 * in seq order, but sparse ones each miss the cache as well).
 */
/** A find may spend this much on sets per document its walk has examined (so at most about as much as the walk). */
const SET_ADVANTAGE = 32;
/**
 * The requests a walk expects a set kept once made (`OrderedIndex.keptOnceMade`: a text test's bits, a large range's)
 * to serve: the walk builds one once it has spent this fraction of the set's cost, not all of it. Its next pages, the
 * count beside them and the other clients asking the same filter copy or move those bits instead (bench/readstore
 * `--age`, shape 18 at 1M: a first page walked 64k recently active subscribers, ~190–290 ms each time, until a count
 * built the range of recent interactions; pages after it ~1 ms).
 */
const KEPT_SET_WORTH = 4;
/**
 * A walk's step decided by its bits in the sets (no document read) against one whose document is examined: what the
 * walk has spent, in steps, is `examined × DECIDED_ADVANTAGE + decided`.
 */
const DECIDED_ADVANTAGE = 2;
/** What a document examined by a walk costs against reading a set member's sort key (`topFromSetsBetter`). */
const TOP_K_ADVANTAGE = 1;
/** A count may spend this much on sets per document in the collection (a scan evaluates each once, ~26 units each). */
const COUNT_SET_BUDGET = 1;
/**
 * A count that would scan may spend this much per document on sets that answer it exactly (no predicate at all):
 * still a third of the scan's cost at most (e.g. `email notContains …` from the address index's values).
 */
const EXACT_COUNT_SET_BUDGET = 8;

/** The collection's entries by `seq` (undefined where deleted): what set plans enumerate. */
export type EntriesBySeq<T extends Doc> = readonly (Entry<T> | undefined)[];

type Shape = NonNullable<Parameters<typeof planSets>[5]>;

/** Sets that exclude nothing and confirm nothing save nothing. */
const useful: Shape = ({ lower, upper }) => !(upper.isAll && lower.isEmpty);

/**
 * A count's sets pay when they leave a set of entries to evaluate (or none), not a complement: evaluating that would
 * be a scan again.
 */
const decisive: Shape = ({ lower, upper, exact }) => exact || !upper.and(lower.not()).negated;

/** Sets that answer the filter alone. */
const exactly: Shape = ({ exact }) => exact;

function setsFor<T extends Doc>(
  plan: Plan<T>,
  bySeq: EntriesBySeq<T>,
  memo: PlanMemo,
  budget: number,
  rangesUpTo?: number,
  worth: Shape = useful,
  keptWorth = 1,
): SetBounds | undefined {
  if (bySeq.length === 0) return undefined;
  return planSets(plan.indexes, plan.conjuncts, bySeq.length, budget, rangesUpTo, worth, memo, keptWorth);
}

/**
 * The filter as a test of an entry, knowing its sets: no match outside `upper`, a match in `lower` (without the
 * predicate). A negated `lower` holds every seq outside the sets' partition: trusted only for entries known to lie
 * in it (`inPartition`).
 */
function setTest<T extends Doc>(sets: SetBounds, matches: DocPredicate, inPartition: boolean): (entry: Entry<T>) => boolean {
  const { lower, upper } = sets;
  if (lower.isEmpty || (lower.negated && !inPartition)) return (entry) => upper.has(entry.seq) && matches(entry.doc);
  return (entry) => upper.has(entry.seq) && (lower.has(entry.seq) || matches(entry.doc));
}

/**
 * Whether selecting the page from the members of `upper` (reading each one's sort key) costs less than walking on
 * until `missing` more matches are found: the walk passes over about `missing × universe / |upper|` entries at least.
 */
function topFromSetsBetter(sets: SetBounds, missing: number, members = sets.upper.size(sets.universe)): boolean {
  if (sets.upper.negated) return false;
  return members * members <= TOP_K_ADVANTAGE * missing * sets.universe;
}

/**
 * A member passed over by its number in the sort field's column (`sort-columns.ts`: a typed array read in seq order)
 * against a walk's step (an entry reached through the index, a cache miss: ~200–250 ns at 1M).
 */
const COLUMN_ADVANTAGE = 32;
/**
 * A seq of a dense set (a complement, or a quarter of the collection or more) passed over by its number, read before
 * its bit: the column read straight through, ~5 ns a seq, against a walk's step of ~330–450 ns measured beside it at
 * 1M (shape 18 of bench/readstore: 900k members in 8 ms bit by bit, 5 ms number first; its walk 32k steps in ~11 ms).
 */
const DENSE_COLUMN_ADVANTAGE = 64;
/** Whether a selection through the column reads the members' numbers before their bits (see DENSE_COLUMN_ADVANTAGE). */
const denseFor = (upper: SeqSet, universe: number, size: number) => upper.negated || upper.size(universe) * 4 >= size;

/**
 * What selecting a page from the members of `upper` through the column costs, in walk steps: every seq it visits
 * (a complement's: every seq below `size` without a bit) and the words of bits; most members are passed over by their
 * number (`visits`). Members the sets leave undecided (`upper` but not `lower`) are counted as if each were examined
 * (`all`): the column orders candidates, it does not test them, so one that may enter the page is read and tested —
 * when matches are rare among them, nearly all (bench/readstore's shape 18, `notContains + notWithinLast`: 81k
 * documents examined at 1M). A walk that has seen how often they match expects fewer (`reads`), and tries the column
 * within a budget. The sets' sizes are counted once (`SeqSet.size`); the undecided members only when asked (a set
 * made and counted: once per set bounds, and only when the visits leave the column in the race).
 */
class ColumnCost {
  private undecidedCount: number | undefined;

  constructor(
    private readonly sets: SetBounds,
    private readonly size: number,
  ) {}

  get members(): number {
    return this.sets.upper.size(this.sets.universe);
  }

  /** Whether the selection reads every seq's number before its bit (`PageSelector.offerMembers`). */
  get dense(): boolean {
    return denseFor(this.sets.upper, this.sets.universe, this.size);
  }

  get visits(): number {
    return this.dense ? (this.size + this.size / 32) / DENSE_COLUMN_ADVANTAGE : (this.members + this.size / 32) / COLUMN_ADVANTAGE;
  }

  /** Members the sets leave undecided (`upper` but not `lower`). */
  get undecided(): number {
    if (this.undecidedCount === undefined) {
      const { upper, lower, universe } = this.sets;
      this.undecidedCount = lower.isAll ? 0 : lower.isEmpty ? this.members : upper.and(lower.not()).size(universe);
    }
    return this.undecidedCount;
  }

  /**
   * The visits of a selection that keeps `kept` candidates (`PageSelector.offerMembers`), in walk steps: bin by bin
   * when that is expected to visit fewer seqs (`byBinsBetter`: about `kept × size / members` if the members lie
   * evenly across the bins), else a pass (`visits`); without `kept` (one pass, `offerInTurn`) or `binned` (a column
   * whose numbers order its values exactly, `SortColumn.exact`) a pass. A sparse set is priced as a pass all the same:
   * bins are equal in width, and the bin of "now" in `lastInteractionAt` fills with everyone who interacted lately —
   * priced by bins, a 5 % set's walk by that field (bench/search shape 5) tried the column within its first steps
   * and its first pages under load took 27–32 ms against 15 ms through the walk; a dense set's alternative is a pass
   * over every seq, which the bins never cost more than.
   */
  visitsFor(kept?: number, binned = false): number {
    if (kept === undefined || !binned || !this.dense || !byBinsBetter(kept, this.sets.upper, this.size, true)) return this.visits;
    return (kept * this.size) / Math.max(1, this.members) / COLUMN_ADVANTAGE;
  }

  /** The most a selection costs: its visits and every undecided member read. */
  all(kept?: number, binned = false): number {
    return this.visitsFor(kept, binned) + this.undecided * DECIDED_ADVANTAGE;
  }

  /**
   * The documents a selection through the column reads for `need` matches if the undecided members match at `rate`:
   * the candidates its numbers keep (`keptFor`), every undecided member when they hold fewer than `need` matches.
   */
  reads(need: number, rate: number): number {
    if (this.undecided * rate <= need) return this.undecided;
    return Math.min(this.undecided, keptFor(need, rate));
  }

  /** Whether the column costs no more than `steps` of the walk (a selection keeping `kept` candidates). */
  within(steps: number, kept?: number, binned = false): boolean {
    return this.visitsFor(kept, binned) <= steps && this.all(kept, binned) <= steps;
  }

  /**
   * Whether selecting through the column costs less than walking on until `missing` more matches are found, if they
   * lie evenly along the walk (it passes over about `missing × universe / |upper|` entries). A walk that finds fewer
   * than that (matches gathered at the far end of its order) gives way to the column once it has spent as much
   * (`find`). Priced as a pass, not by bins (`visitsFor`): a selection taken here has no budget, and the members whose
   * numbers tie with the bound are all read — a text's number holds its first three units, so a page by name could
   * read every member sharing a first name, where the walk reads the page (bench/search shape 11 at 1M, first pages
   * 2.2 → 8.9 ms quiet when bins priced it).
   */
  betterThanWalkFor(missing: number): boolean {
    return this.within((missing * this.sets.universe) / Math.max(1, this.members));
  }
}

/**
 * How many more candidates a selection through the column keeps than `need / rate` when members the sets leave
 * undecided may fail the predicate (`PageSelector.offerMembers`): a rate measured on a walk's few hundred documents
 * may be high; a round short of `need` costs another (`offerMembers`).
 */
const UNDECIDED_SLACK = 1.25;

/** A walk's try of the column by bins reads at most this many times the candidates it keeps (`find`'s `tryColumn`). */
const TIES_BUDGET = 4;

/** The candidates a selection through the column keeps for `need` matches when undecided members match at `rate`. */
const keptFor = (need: number, rate: number) => Math.ceil((need / Math.max(rate, 1e-6)) * UNDECIDED_SLACK);

/**
 * Whether visiting the members bin by bin, the best bins first (`SortColumn.binLists`: each seq of a visited bin is
 * a sequential read and a bit test, ~2–4 ns), is expected to visit fewer seqs than a pass (a dense one reads every
 * seq's bin, a sparse one the words and each member's bin): if the members lie evenly across the bins, about
 * `kept × size / members` seqs are visited before `kept` members are found. When they lie far down the column's order
 * (shape 18 of bench/search: the newest subscribers all interacted lately) it visits more, never more than every seq
 * once — what a dense pass costs; a sparse set is not worth the risk unless it is large.
 */
function byBinsBetter(kept: number, members: SeqSet, size: number, dense: boolean): boolean {
  const count = members.size(size);
  if (count === 0) return false;
  const expected = (kept * size) / count;
  return dense ? expected * 4 <= size : expected * 2 <= count;
}

/**
 * The seqs visited bin by bin before a pass takes over: for a sparse set eight times the even spread's
 * (`byBinsBetter`) and at most twice what a pass visits; checked before each bin, so a bin that alone holds more is
 * not visited. Bins are equal in width, not in seqs: at 1M after minutes of interactions the bin of "now" in
 * `lastInteractionAt` holds a large share of the users, and a 5 % set (bench/search shape 5, `vip isTrue`) visited it
 * whole — 32 ms first pages under load against 15 through the walk. A dense set's visit is never more than a dense
 * pass's (every seq once).
 */
const binVisitsCap = (kept: number, members: SeqSet, size: number, dense: boolean) => {
  if (dense) return Number.POSITIVE_INFINITY;
  const count = members.size(size);
  return Math.min(8 * ((kept * size) / count), 2 * (count + size / 32));
};

/** Keeps the best `need` matches after the keyset, in page order. */
class PageSelector<T extends Doc> {
  examined = 0;
  /** Of those, the matches. */
  matched = 0;
  private readonly top: TopK<Ranked<T>>;
  private readonly compareKeys: (a: Keyset, b: Keyset) => number;
  private readonly readSortValue: (doc: object) => unknown;
  private readonly probe = { value: null as SortValue, id: '' };

  constructor(
    sort: SortSpec,
    private readonly need: number,
    private readonly matches: (entry: Entry<T>) => boolean,
    private readonly after: Keyset | undefined,
  ) {
    this.compareKeys = keysetComparator(sort.order);
    this.readSortValue = valueReader(splitPath(sort.field));
    this.top = new TopK<Ranked<T>>(need, (a, b) => this.compareKeys(a.key, b.key));
  }

  readonly offer = (entry: Entry<T>): void => {
    this.examined++;
    if (!this.matches(entry)) return;
    this.matched++;
    const probe = this.probe;
    probe.value = toSortValue(this.readSortValue(entry.doc));
    probe.id = entry.doc.id;
    if (this.after && this.compareKeys(probe, this.after) <= 0) return;
    // Most documents of a large set lose against the page's current worst: reject them allocation-free.
    const worst = this.top.worstKept;
    if (worst && this.compareKeys(probe, worst.key) >= 0) return;
    this.top.offer({ key: { value: probe.value, id: probe.id }, entry });
  };

  /**
   * Offers the members of `members` (seqs below `bySeq.length`) through the sort field's column (`sort-columns.ts`)
   * and returns how many were passed over unread — or undefined once more than `budget` documents have been examined
   * (the page is then incomplete: the caller walks on). When every member matches (`allMatch`: exact sets, not a
   * complement), or the members the sets leave undecided match at an expected `rate` (a walk's, `find`), in rounds
   * of two passes:
   * 1. Numbers only (`candidates`): the best `kept` numbers past the cursor — and past what earlier rounds read —
   *    bound the round; a member whose number (or bin, read first) is worse than that bound so far is passed over,
   *    the others kept as candidates (seqs, no document read). `kept` is `need` when every member matches, else
   *    `need / rate` and a quarter more.
   * 2. The candidates within the round's bound are read and offered (ties included: equal numbers say nothing). A
   *    member whose number is worse than the bound cannot enter a page of `need` matches at or better than it; with
   *    fewer matches than that among them (undecided members failed more often than the rate said: it is measured
   *    on what the walk read since its sets, not on the column's best members), the next round keeps four times as
   *    many past this bound.
   * Reading a document is a cache miss at 1M (~1–5 µs under load); the bound tightening as members come in seq order
   * let ~`need × (1 + ln(members / need))` of them be read (~300 of 8.5k members for 50), the rounds about as many
   * as lie in the column's order down to the page's last. Without a rate, undecided members in one pass that reads
   * as it goes, bounded by the real matches (`offerInTurn`).
   */
  offerMembers(members: SeqSet, bySeq: EntriesBySeq<T>, dense: boolean, allMatch: boolean, budget = Number.POSITIVE_INFINITY, rate?: number): number | undefined {
    const limit = this.examined + budget;
    if (!allMatch && rate === undefined) return this.offerInTurn(members, bySeq, dense, limit);
    const ascending = this.ascending;
    let passed = 0;
    let readWithin = Number.NaN;
    for (let kept = allMatch ? this.need : keptFor(this.need, rate!); ; kept *= 4) {
      const round = this.candidates(members, bySeq.length, dense, kept, readWithin);
      const { seqs, keys, boundKey } = round;
      let taken = 0;
      for (let i = 0; i < seqs.length; i++) {
        const key = keys[i]!;
        if (ascending ? key > boundKey : key < boundKey) continue;
        taken++;
        const entry = bySeq[seqs[i]!];
        if (!entry) continue;
        this.offer(entry);
        if (this.examined > limit) return undefined;
      }
      passed += round.visited - taken;
      // Full; or every member past what was read before was a candidate (the bound never filled): all read.
      if (this.top.worstKept !== undefined || !round.bounded) return passed;
      readWithin = boundKey;
    }
  }

  /**
   * The first pass of a round of `offerMembers`: the members whose numbers are past the cursor and past `readWithin`
   * (NaN: nothing read yet) and within the best `kept` of those numbers (`boundKey`, ties included; `bounded`: `kept`
   * were found), as seqs with their numbers. Visited bin by bin, the best first, to the first bin past the bound
   * (`SortColumn.binLists`) where that is expected to visit fewer seqs than a pass (`byBinsBetter`: a dense set's
   * members, or a large set's); else in seq order, a word of bits at a time (`dense`: every seq's number before its
   * bit). `visited`: the members visited.
   */
  private candidates(members: SeqSet, size: number, dense: boolean, kept: number, readWithin: number) {
    const column = this.column!;
    const ascending = this.ascending;
    const afterKey = this.afterKey ?? (ascending ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
    const byNumber = ascending ? (a: number, b: number) => a - b : (a: number, b: number) => b - a;
    let bound = new TopK<number>(kept, byNumber);
    let boundKey = ascending ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    const bins = column.coarseBytes();
    let boundBin = ascending ? 255 : 0;
    // Members in bins before this one (in page order) are before the cursor, or were read.
    const fromBin = bins === undefined ? (ascending ? 0 : 255) : Number.isNaN(readWithin) ? this.afterBin(bins) : column.coarseOf(readWithin);
    let seqs: number[] = [];
    let keys: number[] = [];
    let visited = 0;
    /** Keeps the member at `seq` as a candidate if its number may enter the page (key read by the caller). */
    const consider = (seq: number, key: number): void => {
      if (ascending ? key <= readWithin : key >= readWithin) return;
      // Past the cursor by its number alone (an equal number may lie before it): it bounds the page.
      if (ascending ? !(key <= afterKey) : !(key >= afterKey)) {
        bound.offer(key);
        const worst = bound.worstKept;
        if (worst !== undefined) {
          boundKey = worst;
          if (bins) boundBin = column.coarseOf(worst);
        }
      }
      seqs.push(seq);
      keys.push(key);
    };
    /**
     * The members bin by bin, the best first, to the first bin past the bound; false (nothing kept) once more than
     * `cap` seqs were visited: the members lie further down than the bins were worth.
     */
    const byBins = (lists: readonly Int32Array[], sizes: Int32Array, cap: number): boolean => {
      let seen = 0;
      for (let bin = fromBin; ascending ? bin <= 255 : bin >= 0; bin += ascending ? 1 : -1) {
        // Every number in a bin past the bound's is past the bound (bins never go against the numbers' order).
        if (ascending ? bin > boundBin : bin < boundBin) return true;
        const list = lists[bin]!;
        const n = sizes[bin]!;
        if ((seen += n) > cap) break;
        for (let i = 0; i < n; i++) {
          const seq = list[i]!;
          if (!members.has(seq)) continue;
          const key = column.keyAt(seq);
          visited++;
          if (!(ascending ? key < afterKey || key > boundKey : key > afterKey || key < boundKey)) consider(seq, key);
        }
      }
      if (seen <= cap) return true;
      bound = new TopK<number>(kept, byNumber);
      boundKey = ascending ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
      boundBin = ascending ? 255 : 0;
      seqs = [];
      keys = [];
      visited = 0;
      return false;
    };
    const lists = column.binLists();
    const binned = lists !== undefined && byBinsBetter(kept, members, size, dense) && byBins(lists.seqs, lists.sizes, binVisitsCap(kept, members, size, dense));
    if (!binned) {
      members.forEachWord(size, (word, base) => {
        if (dense) {
          visited += popcount(word);
          for (let seq = base, end = Math.min(base + 32, size); seq < end; seq++) {
            if (bins !== undefined) {
              // Out of the page by its bin alone (written out here: this loop visits every seq of the collection).
              const bin = bins[seq]!;
              if (ascending ? bin > boundBin || bin < fromBin : bin < boundBin || bin > fromBin) continue;
            }
            const key = column.keyAt(seq);
            if (ascending ? key < afterKey || key > boundKey : key > afterKey || key < boundKey) continue;
            if ((word & (1 << (seq & 31))) !== 0) consider(seq, key);
          }
          return false;
        }
        for (let rest = word; rest !== 0; rest &= rest - 1) {
          visited++;
          const seq = base + 31 - Math.clz32(rest & -rest);
          if (bins !== undefined) {
            const bin = bins[seq]!;
            if (ascending ? bin > boundBin || bin < fromBin : bin < boundBin || bin > fromBin) continue;
          }
          const key = column.keyAt(seq);
          if (!(ascending ? key < afterKey || key > boundKey : key > afterKey || key < boundKey)) consider(seq, key);
        }
        return false;
      });
    }
    return { seqs, keys, boundKey, bounded: bound.worstKept !== undefined, visited };
  }

  /** The bin of the cursor's number; for no cursor (or one without a number) a bin that keeps every member. */
  private afterBin(bins: Uint8Array | undefined): number {
    const afterKey = this.afterKey;
    if (bins === undefined || afterKey === undefined || Number.isNaN(afterKey)) return this.ascending ? 0 : 255;
    return this.column!.coarseOf(afterKey);
  }

  /**
   * One pass over the members in seq order (the selection when members may not match: the page's worst, which only
   * real matches set, bounds it as it goes), each passed over when its number (or its bin) is worse than the page's
   * current worst or not past the cursor, else read and offered. Returns how many members were passed over, or
   * undefined once more than `limit` documents have been examined in all.
   */
  private offerInTurn(members: SeqSet, bySeq: EntriesBySeq<T>, dense: boolean, limit: number): number | undefined {
    const column = this.column!;
    const ascending = this.ascending;
    const afterKey = this.afterKey ?? (ascending ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
    const size = bySeq.length;
    const bins = column.coarseBytes();
    const afterBin = this.afterBin(bins);
    let worstKey = this.worstKeyNow();
    let worstBin = bins ? this.worstBinOf(worstKey) : 0;
    let passed = 0;
    let over = false;
    /** Reads and offers the member at `seq`; true once over the budget. */
    const take = (seq: number): boolean => {
      const entry = bySeq[seq];
      if (!entry) return false;
      this.offer(entry);
      if (this.examined > limit) return (over = true);
      worstKey = this.worstKeyNow();
      if (bins) worstBin = this.worstBinOf(worstKey);
      return false;
    };
    members.forEachWord(size, (word, base) => {
      if (dense) {
        passed += popcount(word);
        for (let seq = base, end = Math.min(base + 32, size); seq < end; seq++) {
          if (bins !== undefined) {
            const bin = bins[seq]!;
            if (ascending ? bin > worstBin || bin < afterBin : bin < worstBin || bin > afterBin) continue;
          }
          const key = column.keyAt(seq);
          if (ascending ? key < afterKey || key > worstKey : key > afterKey || key < worstKey) continue;
          if ((word & (1 << (seq & 31))) === 0) continue;
          passed--;
          if (take(seq)) return true;
        }
        return false;
      }
      for (let rest = word; rest !== 0; rest &= rest - 1) {
        const seq = base + 31 - Math.clz32(rest & -rest);
        if (bins !== undefined) {
          const bin = bins[seq]!;
          if (ascending ? bin > worstBin || bin < afterBin : bin < worstBin || bin > afterBin) {
            passed++;
            continue;
          }
        }
        const key = column.keyAt(seq);
        if (ascending ? key < afterKey || key > worstKey : key > afterKey || key < worstKey) passed++;
        else if (take(seq)) return true;
      }
      return false;
    });
    return over ? undefined : passed;
  }

  /** The bin of the page's current worst (none yet: the bin that keeps every member). */
  private worstBinOf(worstKey: number): number {
    return this.top.worstKept === undefined ? (this.ascending ? 255 : 0) : this.column!.coarseOf(worstKey);
  }

  /** The number of the page's current worst in the column (none yet: nothing is worse). */
  private worstKeyNow(): number {
    const worst = this.top.worstKept;
    const none = this.ascending ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    return worst ? this.column!.keyOf(worst.key.value) : none;
  }

  /** Before `offerMembers`: the column to read, and its number of the cursor's value. */
  useColumn(column: SortColumn<T>, ascending: boolean): void {
    this.column = column;
    this.ascending = ascending;
    this.afterKey = this.after && column.keyOf(this.after.value);
  }

  private column: SortColumn<T> | undefined;
  private ascending = true;
  private afterKey: number | undefined;

  sorted(): Ranked<T>[] {
    return this.top.sorted();
  }
}

/**
 * The best `need` documents of a page. With a sort walk, walks it (each document in page order, so it stops at the
 * `need`-th match) while racing it against the candidate sources: whenever the walk has examined `cap` documents,
 * any source of at most `cap` keys takes over (select the top `need` from it); `cap` doubles. So a walk through a
 * selective filter costs at most about twice the smallest candidate set, and a candidate set is only measured as far
 * as the walk has gone; a walk that has cost as much as a scan gives way to one. Without a walk: the smallest
 * candidate set, else every document.
 */
export function runFind<T extends Doc>(...args: Parameters<typeof find<T>>): ReturnType<typeof find<T>> {
  // Synchronous, and no set outlives it: their words come from the pool.
  return SeqSet.pooled(() => find(...args));
}

function find<T extends Doc>(
  plan: Plan<T>,
  matches: DocPredicate,
  sort: SortSpec,
  after: Keyset | undefined,
  need: number,
  all: ReadonlyMap<string, Entry<T>>,
  bySeq: EntriesBySeq<T> = [],
  columnOf?: () => SortColumn<T> | undefined,
): { ranked: Ranked<T>[]; stats: QueryStats } {
  if (plan.empty) return { ranked: [], stats: { strategy: 'empty', examined: 0, measured: 0 } };
  const measured = plan.sources.map((source) => new Measured(source));
  const byDocument = (entry: Entry<T>) => matches(entry.doc);
  /**
   * Documents examined by selections through a column that went over their budget (the walk went on), and how many
   * of them matched: evidence of the rate as good as the walk's own.
   */
  let abandoned = 0;
  let abandonedHits = 0;
  const select = (chosen: Measured<T> | undefined, walked: boolean, examined: number) => {
    const selector = new PageSelector<T>(sort, need, byDocument, after);
    const scan = !chosen || scansBetter(chosen, all);
    if (scan) for (const entry of all.values()) selector.offer(entry);
    else chosen.forEach(selector.offer);
    const strategy: QueryStats['strategy'] = `${walked ? 'walk, then ' : ''}${scan ? 'scan' : 'candidates'}`;
    const stats = { strategy, examined: examined + selector.examined, measured: spent(measured), source: scan ? undefined : chosen.source.description };
    return { ranked: selector.sorted(), stats };
  };
  /**
   * The page from the members of the sets' `upper` (every entry tested, when it is a complement) — through the sort
   * field's column when given: members worse than the page so far are passed over unread (counted as decided).
   */
  const selectFromSets = (sets: SetBounds, before: 'walk' | 'walk, filtered by sets' | undefined, examined: number, decided?: number, column?: SortColumn<T>) =>
    selectWithin(sets, before, examined, decided, column)!;
  /** As `selectFromSets`; through a column, undefined once it has examined more than `budget` documents. */
  const selectWithin = (sets: SetBounds, before: 'walk' | 'walk, filtered by sets' | undefined, examined: number, decided?: number, column?: SortColumn<T>, budget?: number, rate?: number) => {
    // Members of a set that is not a complement lie in the sets' partition.
    const selector = new PageSelector<T>(sort, need, setTest(sets, matches, !sets.upper.negated), after);
    let passed = 0;
    if (column) {
      selector.useColumn(column, sort.order === 'asc');
      // Every member matches when the sets are exact and not a complement (whose seqs below the collection's size
      // include other partitions' and deleted entries'): then the column's numbers alone bound the page.
      const allMatch = sets.lower === sets.upper && !sets.upper.negated;
      const members = selector.offerMembers(sets.upper, bySeq, denseFor(sets.upper, sets.universe, bySeq.length), allMatch, budget, rate);
      if (members === undefined) {
        abandoned += selector.examined;
        abandonedHits += selector.matched;
        return undefined;
      }
      passed = members;
    } else if (sets.upper.negated) for (const entry of all.values()) selector.offer(entry);
    else sets.upper.forEachBit((seq) => selector.offer(bySeq[seq]!));
    const strategy = `${before ? `${before}, then ` : ''}sets${column ? ' by column' : ''}` as QueryStats['strategy'];
    const stats = {
      strategy,
      examined: examined + abandoned + selector.examined,
      measured: spent(measured) + sets.keys,
      decided: column ? (decided ?? 0) + passed : decided,
      source: describeSets(sets),
    };
    return { ranked: selector.sorted(), stats };
  };
  const walk = plan.walk;
  if (!walk) {
    const sets = setsFor(plan, bySeq, newPlanMemo(), all.size);
    const column = sets && columnOf?.();
    return sets ? selectFromSets(sets, undefined, 0, undefined, column) : select(smallest(measured, worthwhile(all)), false, 0);
  }
  const walked = walk.index.walk(walk.partition, walk.prefix, walk.byValue, walk.forward, walk.after, walk.low, walk.high);
  const readSortValue = valueReader(splitPath(sort.field));
  /** The walk's plans share their counts (it is synchronous: the indexes do not change under it). */
  const memo = newPlanMemo();
  const found: Entry<T>[] = [];
  let examined = 0;
  let decided = 0;
  let sets: SetBounds | undefined;
  /** Members match without the predicate (`lower`, where the walk can trust it: see `setTest`). */
  let sure: SeqSet | undefined;
  /** The walk's counts when its sets were made. */
  const since = { examined: 0, decided: 0, hits: 0, abandoned: 0, abandonedHits: 0 };
  /** Documents the walk examined that matched (since its sets: the rate among those they leave undecided). */
  let hits = 0;
  /** What selecting through the column would cost with the current sets. */
  let costs: ColumnCost | undefined;
  /** The walk's spending (in steps) at which the column may be tried next. */
  let columnTry = 0;
  /** The walk goes on, reading only the documents the sets leave undecided; what it found so far stands. */
  const filterBy = (next: SetBounds, nextCosts = new ColumnCost(next, bySeq.length)) => {
    sets = next;
    costs = nextCosts;
    columnTry = 0;
    const inPartition = walk.index.first === next.pin.field && walk.partition.value === next.pin.value;
    sure = next.lower.isEmpty || (next.lower.negated && !inPartition) ? undefined : next.lower;
    since.examined = examined;
    since.decided = decided;
    since.hits = hits;
    since.abandoned = abandoned;
    since.abandonedHits = abandonedHits;
  };
  const done = () => {
    const ranked = found.map((e) => ({ key: keysetOf(e.doc.id, readSortValue(e.doc)), entry: e }));
    const measuredKeys = spent(measured) + (sets?.keys ?? 0);
    const stats = sets
      ? { strategy: 'walk, filtered by sets' as const, examined: examined + abandoned, measured: measuredKeys, decided, source: `${walk.description}; ${describeSets(sets)}` }
      : { strategy: 'walk' as const, examined: examined + abandoned, measured: measuredKeys, source: walk.description };
    return { ranked, stats };
  };
  /**
   * A walk whose matches lie further along it than an even spread would put them (the newest subscribers of a filter
   * on old interactions: shape 18 of bench/search steps past ~64k, every one decided by its bits) gives way to the
   * column once it has spent what the column would: its visits, and the documents it reads — expected from the rate at
   * which the walk's undecided documents matched (`ColumnCost.reads`), never more than what the walk has spent beyond
   * the visits (the budget: over it, the try stops and the walk goes on, to try again once it has spent twice as
   * much). Without a budget when even reading every undecided member costs no more. The walk stops for it where that
   * is due (`columnDue`), not only at its cap's doublings.
   */
  const steps = () => (examined + abandoned) * DECIDED_ADVANTAGE + decided;
  const rate = () => (hits - since.hits + abandonedHits - since.abandonedHits + 1) / (examined - since.examined + abandoned - since.abandoned + 2);
  /** The column, asked for once (a find is synchronous: it is ready or not throughout); null: none. */
  let column: SortColumn<T> | null | undefined;
  const columnNow = () => (column ??= columnOf?.() ?? null);
  /** The walk's spending (in steps) at which the column is next due; infinite: never. */
  /** The candidates a try keeps: `need` when the sets decide every member, else by the walk's rate. */
  const keptNow = (current: SetBounds) => (current.lower === current.upper && !current.upper.negated ? need : keptFor(need, rate()));
  /**
   * Whether a try's visits are priced bin by bin (`ColumnCost.visitsFor`): only for a column whose numbers order its
   * values exactly (`SortColumn.exact`: times, numbers). A text's number holds its first three units, and the members
   * whose numbers tie with the bound are all read: bins priced the column of names so cheap that a walk by name tried
   * it within its first steps and read every member sharing a first name (bench/search shape 11 at 1M, quiet first
   * pages 2.2 → 9.7 ms), where the walk reads the page.
   */
  const binsPriced = () => columnNow()?.exact === true;
  const dueSteps = () => {
    if (!sets || !costs || !columnOf || column === null) return Number.POSITIVE_INFINITY;
    return Math.max(columnTry, costs.visitsFor(keptNow(sets), binsPriced()) + costs.reads(need, rate()) * DECIDED_ADVANTAGE);
  };
  /** The same, in the walk's `examined + decided / DECIDED_ADVANTAGE` (what its loop counts). */
  const columnDue = () => (dueSteps() - abandoned * DECIDED_ADVANTAGE) / DECIDED_ADVANTAGE;
  const tryColumn = (): ReturnType<typeof selectFromSets> | undefined => {
    const spent = steps();
    if (!sets || !costs || spent < dueSteps()) return undefined;
    const through = columnNow();
    if (!through) return void (columnTry = Number.POSITIVE_INFINITY);
    const kept = keptNow(sets);
    const binned = through.exact;
    // Within its cost, a try by bins still reads at most a few times what it keeps: equal times (an import's users
    // subscribed in one instant) are ties it would read all of, where the walk orders them by id.
    const budget = costs.within(spent, kept, binned) ? (binned ? TIES_BUDGET * kept : undefined) : (spent - costs.visitsFor(kept, binned)) / DECIDED_ADVANTAGE;
    const page = selectWithin(sets, 'walk, filtered by sets', examined, decided, through, budget, rate());
    columnTry = 2 * spent;
    return page;
  };
  const spread = expectedWalk(measured, need, walk.partition.docs, all);
  for (let cap = spread >= SPARSE_WALK * FIRST_CAP ? FIRST_CAP / SPARSE_CAP_SHARE : FIRST_CAP; ; cap *= 2) {
    for (let limit = Math.min(cap, columnDue()); ; limit = Math.min(cap, columnDue())) {
      while (examined + decided / DECIDED_ADVANTAGE < limit) {
        const entry = walked.next();
        if (entry === undefined) return done();
        if (sets) {
          if (!sets.upper.has(entry.seq)) {
            decided++;
            continue;
          }
          if (sure?.has(entry.seq)) {
            decided++;
            if (found.push(entry) === need) return done();
            continue;
          }
        }
        examined++;
        if (matches(entry.doc)) {
          hits++;
          if (found.push(entry) === need) return done();
        }
      }
      if (limit >= cap) break;
      const page = tryColumn();
      if (page) return page;
    }
    if (sets) {
      const page = tryColumn();
      if (page) return page;
      // Filtered, the walk still steps through the index: past the cost of a scan, select from the sets.
      if ((examined + decided / DECIDED_ADVANTAGE) * SCAN_ADVANTAGE >= all.size) return selectFromSets(sets, 'walk, filtered by sets', examined, decided);
      // Sets that leave most of the walk to the predicate were what an early, small budget could buy (a range holding
      // every document, kept and cheap, while the one that excludes was just over it): plan again with this cap's.
      if (examined - since.examined > decided - since.decided) {
        // Only sets with a field the current ones lack are built (`worth` sees the chosen fields first).
        const current = sets.fields;
        const more = setsFor(plan, bySeq, memo, cap * SET_ADVANTAGE, undefined, (shape) => useful(shape) && [...shape.fields].some((field) => !current.includes(field)), KEPT_SET_WORTH);
        if (more) filterBy(more);
      }
      continue;
    }
    const planned = setsFor(plan, bySeq, memo, Math.max(cap, spread) * SET_ADVANTAGE, undefined, useful, KEPT_SET_WORTH);
    if (planned) {
      const plannedCosts = new ColumnCost(planned, bySeq.length);
      const through = plannedCosts.betterThanWalkFor(need - found.length) ? columnNow() : undefined;
      if (through) return selectFromSets(planned, 'walk', examined, undefined, through);
      if (topFromSetsBetter(planned, need - found.length, plannedCosts.members)) return selectFromSets(planned, 'walk', examined);
      filterBy(planned, plannedCosts);
      continue;
    }
    const chosen = smallestWithin(measured, cap);
    if (chosen) return select(chosen, true, examined);
    // A walk through rare matches with no candidate set: past the cost of a scan, scan (at most twice a scan in all).
    if (examined * SCAN_ADVANTAGE >= all.size) return select(undefined, true, examined);
  }
}

const describeSets = (sets: SetBounds) => `sets of ${JSON.stringify(sets.fields)} in ${JSON.stringify(sets.pin.value)}`;

/**
 * How a count is answered: a number already (index keys counted, no predicate needed), or the documents on which
 * to evaluate the predicate — a candidate source's entries, the members of a set that the indexes leave undecided,
 * or every entry in storage order — plus the matches `counted` without it.
 */
export type CountWork<T extends Doc> =
  | { readonly count: number; readonly stats: QueryStats }
  | { readonly evaluate: readonly Entry<T>[]; readonly counted: number; readonly stats: Omit<QueryStats, 'examined'> };

/**
 * Plans a count: from the smallest source that holds exactly the filter's matches (every conjunct is one its ranges
 * represent), counting keys without evaluating the predicate; else from sets (`set-plan.ts`): the members of `lower`
 * are counted, the predicate is to be evaluated on `upper − lower` only, in storage order; else the predicate is to
 * be evaluated on the smallest source worth its index order, else on every document, in storage order. The entries
 * to evaluate are taken now (a stable list), so that the evaluation may be spread over several turns
 * (`EmbeddedCollection.count`).
 */
export function planCount<T extends Doc>(plan: Plan<T>, all: ReadonlyMap<string, Entry<T>>, bySeq: EntriesBySeq<T> = []): CountWork<T> {
  // The entries left to evaluate are listed before it returns: no set outlives it, their words come from the pool.
  return SeqSet.pooled(() => countWork(plan, all, bySeq));
}

function countWork<T extends Doc>(plan: Plan<T>, all: ReadonlyMap<string, Entry<T>>, bySeq: EntriesBySeq<T>): CountWork<T> {
  if (plan.empty) return { count: 0, stats: { strategy: 'empty', examined: 0, measured: 0 } };
  const measured = plan.sources.map((source) => new Measured(source));
  const isExact = (m: Measured<T>) => plan.conjuncts.every((conjunct) => m.source.exactFor.has(conjunct));
  const exact = smallest(measured.filter(isExact));
  // A count that gives its sets up scans: the ranges it counts in vain are kept to a sixteenth of a scan's cost.
  const memo = newPlanMemo();
  const sets = exact
    ? undefined
    : (setsFor(plan, bySeq, memo, all.size * COUNT_SET_BUDGET, all.size / 16, decisive) ??
      setsFor(plan, bySeq, memo, all.size * EXACT_COUNT_SET_BUDGET, all.size / 16, exactly));
  if (sets) {
    // What the sets leave is evaluated, MEMBER_COST a document: sets that answer the count alone are worth that much
    // (a large range left out of a small budget — `subscribedAt withinLast P180D`, half a bot — left 187k documents
    // to evaluate at 1M, ~600 ms; its set costs a tenth of that, and a range that large keeps its bits for the next).
    const undecided = sets.upper.and(sets.lower.not());
    const worth = undecided.size(sets.universe) * MEMBER_COST;
    const whole = worth > all.size * COUNT_SET_BUDGET ? setsFor(plan, bySeq, memo, Math.min(worth, all.size * EXACT_COUNT_SET_BUDGET), all.size / 16, exactly) : undefined;
    if (whole) return countFromSets(whole, whole.upper.and(whole.lower.not()), all, bySeq, spent(measured) + sets.keys);
    return countFromSets(sets, undecided, all, bySeq, spent(measured));
  }
  const chosen = exact ?? smallest(measured.filter((m) => !isExact(m)), worthwhile(all));
  if (!chosen) return { evaluate: [...all.values()], counted: 0, stats: { strategy: 'scan', measured: spent(measured) } };
  const stats = () => ({ strategy: 'candidates' as const, examined: 0, measured: spent(measured), source: chosen.source.description });
  if (exact && chosen.source.distinct) return { count: chosen.keysUpTo(Number.POSITIVE_INFINITY), stats: stats() };
  const entries: Entry<T>[] = [];
  chosen.forEach((entry) => void entries.push(entry));
  // An exact source with documents keyed twice: its distinct entries are the count.
  if (exact) return { count: entries.length, stats: stats() };
  const { examined: _none, ...rest } = stats();
  return { evaluate: entries, counted: 0, stats: rest };
}

function countFromSets<T extends Doc>(
  sets: SetBounds,
  undecided: SeqSet,
  all: ReadonlyMap<string, Entry<T>>,
  bySeq: EntriesBySeq<T>,
  measured: number,
): CountWork<T> {
  const counted = sets.lower.size(sets.universe);
  const stats = { strategy: 'sets' as const, measured: measured + sets.keys, source: describeSets(sets) };
  if (undecided.size(sets.universe) === 0) return { count: counted, stats: { ...stats, examined: 0 } };
  const evaluate: Entry<T>[] = [];
  // A complement (`decisive` keeps them out) holds every seq outside the partition too: those entries do not match.
  if (undecided.negated) {
    for (const entry of all.values()) if (undecided.has(entry.seq)) evaluate.push(entry);
  }
  else undecided.forEachBit((seq) => void evaluate.push(bySeq[seq]!));
  return { evaluate, counted, stats };
}

/** Counts matches in one synchronous pass (see `planCount`). */
export function runCount<T extends Doc>(
  plan: Plan<T>,
  matches: DocPredicate,
  all: ReadonlyMap<string, Entry<T>>,
  bySeq: EntriesBySeq<T> = [],
): { count: number; stats: QueryStats } {
  const work = planCount(plan, all, bySeq);
  if ('count' in work) return work;
  let count = work.counted;
  for (const entry of work.evaluate) if (matches(entry.doc)) count++;
  return { count, stats: { ...work.stats, examined: work.evaluate.length } };
}
