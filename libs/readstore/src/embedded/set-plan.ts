import type { Doc, DocFilter } from '../port';
import type { IndexValue } from './index-values';
import type { OrderedIndex, Range } from './ordered-index';
import { exactRanges, matchingRanges, type Condition } from './planner';
import { SeqSet } from './seq-set';

/**
 * What the indexes know of a filter within one partition (the universe: e.g. the documents of one bot), as two sets
 * of entries: every member of `lower` matches, every match is a member of `upper`. A condition an index represents
 * exactly is one set (both bounds); any other is unknown (lower empty, upper everything); `and` intersects, `or`
 * unites, `not` swaps the bounds and complements them — so negative operators, which also match documents without a
 * value, are complements within the universe. Only `upper − lower` needs the predicate.
 */
export interface SetBounds {
  readonly lower: SeqSet;
  readonly upper: SeqSet;
  /** The pinned first field and its value: every member of a set, and every seq in its bits, is in that partition. */
  readonly pin: { readonly field: string; readonly value: IndexValue };
  /** The number of documents in the universe. */
  readonly universe: number;
  /** Index keys counted and visited to build the sets. */
  readonly keys: number;
  /** The fields of the conditions answered from indexes. */
  readonly fields: readonly string[];
}

const UNKNOWN = { lower: SeqSet.EMPTY, upper: SeqSet.ALL };
/**
 * What a key costs to put into a set, in keys of a bucket (which holds its entries in id order, about creation order,
 * so that their `seq`s are read almost sequentially: ~27 ns a key at 1M here) when it comes from a range over a
 * level of values (times, addresses: each value's entry lies anywhere in memory, ~350 ns a key at 1M; fewer where
 * values repeat).
 */
export const RANGE_KEY_COST = 4;
/**
 * What evaluating the predicate on a member of a set costs, in the same units: its document is read (in seq order,
 * but sparse members each miss the cache) — about what a walk pays for a document it examines (executor.ts).
 */
export const MEMBER_COST = 32;
/**
 * What testing one value of a level costs (a text condition, `matchingRanges`), in the same units: the value's string
 * is read (a cache miss, each one anywhere in memory) and matched (~100–150 ns a value at 1M), then each that passes
 * costs a key of a range over values.
 */
const TESTED_VALUE_COST = 5;
/** Copying the bits of this many seqs (32 words) costs about what putting one bucket key into a set does. */
const SEQS_PER_KEY_COST = 1024;
/** The first cap under which a conjunction's exactly held conjuncts are counted to find the smallest. */
const FIRST_COUNT = 256;
const RANGE_OPS: ReadonlySet<string> = new Set(['gt', 'gte', 'lt', 'lte']);
/**
 * Conditions an index holds exactly: its ranges, and what a key costs to put into a set; `tested`: the values its
 * ranges test (a text condition: not counted before its set is built, which costs as much as counting it would).
 */
interface Located<T extends Doc> {
  readonly key: string;
  readonly index: OrderedIndex<T>;
  readonly ranges: readonly Range<T>[];
  readonly weight: number;
  readonly tested?: number;
}
const isGroup = (unit: DocFilter | readonly Condition[]): unit is readonly Condition[] => Array.isArray(unit);

/**
 * What one query's plans may share: where its conditions are held (`locate`) and the keys counted of each under the
 * largest cap yet. Valid while the indexes do not change, so for the plans of one synchronous find or count (a walk
 * plans again at each doubling of its cap; without this each plan counted its ranges from scratch).
 */
export interface PlanMemo {
  readonly located: Map<string, unknown>;
  readonly counted: Map<string, { readonly n: number; readonly cap: number }>;
}
export const newPlanMemo = (): PlanMemo => ({ located: new Map(), counted: new Map() });

/**
 * Builds the set bounds of a conjunction whose conditions include an equality on the first field of the indexes
 * (the universe), putting keys worth at most `budget` bucket keys (`RANGE_KEY_COST`) into sets, the cheapest
 * conditions first: the others are left unknown. A range over values is counted up to `rangesUpTo` keys at most
 * (counting it costs as much as building its set). Both shrink to what evaluating the predicate on the members of
 * the smallest conjunct an index holds exactly would cost (`MEMBER_COST`): no set is worth more than the work it can
 * save. `worth` sees the bounds' shape before any set is built (their sets stand-ins; `exact`: no condition was left
 * unknown, so lower = upper; `fields`: those of the conditions chosen). `size` bounds the entries' seqs. `memo`: what
 * earlier plans of the same query located and counted. `keptWorth`: how many requests a set that is kept once made
 * (`OrderedIndex.keptOnceMade`: a text test's bits, a large range's) is expected to serve — such a set is chosen
 * as if it cost that much less, and a range that may be one is counted that much further.
 * Undefined when no condition could be answered from an index, or the shape was not worth it.
 */
export function planSets<T extends Doc>(
  indexes: readonly OrderedIndex<T>[],
  conjuncts: readonly DocFilter[],
  size: number,
  budget: number,
  rangesUpTo = budget,
  worth: (shape: { readonly lower: SeqSet; readonly upper: SeqSet; readonly exact: boolean; readonly fields: ReadonlySet<string> }) => boolean = () => true,
  memo: PlanMemo = newPlanMemo(),
  keptWorth = 1,
): SetBounds | undefined {
  const pin = pinOf(indexes, conjuncts);
  if (!pin) return undefined;
  const byField = indexes.filter((index) => index.first === pin.field);
  const universe = byField[0]!.partitions.get(pin.value)?.docs ?? 0;
  let keys = 0;
  const fields = new Set<string>();
  let dry = false;
  let unknowns = 0;
  const unknown = () => {
    unknowns++;
    return UNKNOWN;
  };

  // Conditions as an index holds them (one, or range conditions on one field that bound one range).
  const located = memo.located as Map<string, Located<T> | undefined>;
  const locate = (conditions: readonly Condition[]): Located<T> | undefined => {
    const key = JSON.stringify(conditions);
    if (!located.has(key)) {
      let found: Located<T> | undefined;
      for (const index of byField) {
        const ranges = exactRanges(index, pin.value, conditions);
        if (!ranges) continue;
        found = { key, index, ranges, weight: ranges.some((range) => range.low || range.high) ? RANGE_KEY_COST : 1 };
        break;
      }
      const [text] = conditions;
      for (const index of found || conditions.length !== 1 ? [] : byField) {
        const ranges = matchingRanges(index, pin.value, text!);
        if (!ranges) continue;
        const tested = ranges.reduce((n, range) => n + index.valuesBelow(range), 0);
        found = { key, index, ranges, weight: RANGE_KEY_COST, tested };
        break;
      }
      located.set(key, found);
    }
    return located.get(key);
  };
  /**
   * Counting a range over values costs as much as building its set (a bucket counts its keys at once); one that may be
   * kept once made (prefix-less, bounded) is counted as far as its set could be chosen (`keptWorth`).
   */
  const capOf = (found: Located<T>) => {
    const further = keptWorth > 1 && found.ranges.every((range) => found.index.keptOnceMade(range, Number.POSITIVE_INFINITY)) ? keptWorth : 1;
    return Math.ceil(Math.min((budget * further) / found.weight, found.weight > 1 ? rangesUpTo * further : Number.POSITIVE_INFINITY));
  };
  const { counted } = memo;
  /** The keys of located conditions if at most `cap`, else some number above it (counted again only past an earlier cap). */
  const countOf = (found: Located<T>, cap: number): number => {
    const earlier = counted.get(found.key);
    if (earlier && (earlier.n <= earlier.cap || earlier.cap >= cap)) return earlier.n;
    let n = 0;
    for (const range of found.ranges) if (n <= cap) n += found.index.countUpTo(range, cap - n);
    keys += Math.min(n, cap + 1);
    counted.set(found.key, { n, cap });
    return n;
  };
  // Located conditions, sized within the budget.
  /**
   * `reads`: the keys building the set reads (a bucket with bits: its words / 32); `cost`: the planner's units;
   * `moveUpTo`: the most keys kept bits may be moved by onto its ranges (`movedUpTo`).
   */
  const primitives = new Map<
    string,
    | {
        readonly field: string;
        readonly index: OrderedIndex<T>;
        readonly ranges: readonly Range<T>[];
        readonly reads: number;
        readonly cost: number;
        readonly moveUpTo: number;
        /** The range holds every document of the universe (`OrderedIndex.holdsEveryDocument`): its set is ALL. */
        readonly everything?: boolean;
      }
    | undefined
  >();
  const primitive = (conditions: readonly Condition[]) => {
    const found = locate(conditions);
    if (!found || primitives.has(found.key)) return found && primitives.get(found.key);
    const field = conditions[0]!.field;
    if (found.tested === undefined && found.ranges.length === 1 && found.index.holdsEveryDocument(found.ranges[0]!)) {
      // The whole universe: its set is ALL, made of nothing (building it copied the bits of every document, ~1 ms of a
      // page at 1M, and the intersection with it changed nothing).
      primitives.set(found.key, { field, index: found.index, ranges: found.ranges, reads: 0, cost: 0, moveUpTo: 0, everything: true });
      return primitives.get(found.key);
    }
    const cap = capOf(found);
    const movable = found.tested === undefined && !found.ranges.every((range) => found.index.setFromBits(range));
    const kept = movable ? keptDistances(found, cap, size) : undefined;
    // Past the keys that moving kept bits costs, a move is the cheaper set whatever the range holds: counted no
    // further (at 1M, `lastInteractionAt` within the last 30 days read ~100k keys a request to size a move of a few).
    const worthCounting = kept && !found.ranges.some((range) => found.index.setFromBits(range)) ? Math.ceil(movedCost(kept, size, found.weight) / found.weight) : cap;
    // A text condition's values are all tested, and each may pass: at most as many keys as values (one each).
    const n = found.tested ?? countOf(found, Math.min(cap, worthCounting));
    const moveUpTo = movedUpTo(found, n, size);
    // A range larger than its cap may still be worth a move from further away than the cap let `kept` look.
    const near = kept ? (kept.every((keys) => keys <= moveUpTo) ? kept : undefined) : movable && n > cap ? keptDistances(found, n, size) : undefined;
    const cost = setCost(found, n, size, near);
    // A set kept once made serves the requests after this one too (a text test's values are not tested again, a
    // range's bits are moved by the keys its bounds moved): chosen at its share of the cost.
    const keptOnce = keptWorth > 1 && !found.ranges.every((range) => found.index.keepsTest(range)) && !near && found.ranges.every((range) => found.index.keptOnceMade(range, n));
    primitives.set(found.key, {
      field,
      index: found.index,
      ranges: found.ranges,
      reads: found.tested ?? Math.ceil(cost / found.weight),
      cost: keptOnce ? cost / keptWorth : cost,
      moveUpTo,
    });
    return primitives.get(found.key);
  };
  /** An `and`'s children, range conditions on one field grouped where an index bounds one range by them. */
  const unitsOf = (children: readonly DocFilter[]): (DocFilter | readonly Condition[])[] => {
    const ranges = new Map<string, Condition[]>();
    for (const child of children) {
      if (!('field' in child) || !RANGE_OPS.has(child.op) || child.field === pin.field) continue;
      const group = ranges.get(child.field);
      if (group) group.push(child);
      else ranges.set(child.field, [child]);
    }
    const units: (DocFilter | readonly Condition[])[] = [];
    const grouped = new Set<DocFilter>();
    for (const child of children) {
      if (grouped.has(child)) continue;
      const group = 'field' in child && RANGE_OPS.has(child.op) ? ranges.get(child.field) : undefined;
      if (group && group.length > 1 && locate(group)) {
        group.forEach((condition) => grouped.add(condition));
        units.push(group);
      } else units.push(child);
    }
    return units;
  };
  /** Builds a condition's set, or (`chosen` undefined) only sizes it. */
  const leaf = (condition: Condition, chosen?: ReadonlySet<string>): SeqSet | undefined => {
    if (condition === pin.condition) return SeqSet.ALL;
    if (condition.field === pin.field) return undefined;
    return rangesSet([condition], chosen);
  };
  const rangesSet = (conditions: readonly Condition[], chosen?: ReadonlySet<string>): SeqSet | undefined => {
    const found = primitive(conditions);
    if (!found || !chosen) return found ? SeqSet.EMPTY : undefined;
    if (!chosen.has(JSON.stringify(conditions))) return undefined;
    const [condition] = conditions as [Condition];
    if (found.everything) {
      if (!dry) fields.add(condition.field);
      return SeqSet.ALL;
    }
    if (dry) return SeqSet.SOME;
    fields.add(condition.field);
    keys += found.reads;
    return SeqSet.of(size, (add, addWords) => {
      for (const range of found.ranges) found.index.addSeqs(range, size, add, addWords, found.moveUpTo);
    });
  };
  const leaves = (unit: DocFilter | readonly Condition[]): void => {
    const filter = isGroup(unit) ? unit : rewritten(unit);
    if (isGroup(filter)) rangesSet(filter);
    else if ('and' in filter) unitsOf(filter.and).forEach(leaves);
    else if ('or' in filter) filter.or.forEach(leaves);
    else if ('not' in filter) leaves(filter.not);
    else leaf(filter);
  };

  const bounds = (unit: DocFilter | readonly Condition[]): { lower: SeqSet; upper: SeqSet } => {
    const filter = isGroup(unit) ? unit : rewritten(unit);
    if (isGroup(filter)) {
      const set = rangesSet(filter, chosen);
      return set ? { lower: set, upper: set } : unknown();
    }
    if ('and' in filter) {
      let lower = SeqSet.ALL;
      let upper = SeqSet.ALL;
      for (const child of unitsOf(filter.and)) {
        const b = bounds(child);
        // Exact so far and exact child: one set, made once (each is a pass over the partition's words).
        const exact = lower === upper && b.lower === b.upper;
        lower = lower.and(b.lower);
        upper = exact ? lower : upper.and(b.upper);
        if (upper.isEmpty) return { lower: SeqSet.EMPTY, upper };
      }
      return { lower, upper };
    }
    if ('or' in filter) {
      let lower = SeqSet.EMPTY;
      let upper = SeqSet.EMPTY;
      for (const child of filter.or) {
        const b = bounds(child);
        const exact = lower === upper && b.lower === b.upper;
        lower = lower.or(b.lower);
        upper = exact ? lower : upper.or(b.upper);
        if (lower.isAll) return { lower, upper: lower };
      }
      return { lower, upper };
    }
    if ('not' in filter) {
      const b = bounds(filter.not);
      if (b.lower === b.upper) {
        const complement = b.lower.not();
        return { lower: complement, upper: complement };
      }
      return { lower: b.upper.not(), upper: b.lower.not() };
    }
    const set = leaf(filter, chosen);
    return set ? { lower: set, upper: set } : unknown();
  };

  // A conjunct an index holds exactly bounds the matches: with n keys, evaluating the predicate on its members costs
  // about n × MEMBER_COST, so sets worth more than that are neither built nor counted that far (a find of the few
  // users who moved during a walk must not build the set of a broad filter beside them). The conjuncts are counted
  // together under a growing cap: the smallest is found at a few times its size.
  const top: Located<T>[] = [];
  for (const unit of unitsOf(conjuncts)) {
    const filter = isGroup(unit) ? unit : rewritten(unit);
    const found = isGroup(filter) ? locate(filter) : 'field' in filter && filter.field !== pin.field ? locate([filter]) : undefined;
    if (found && found.tested === undefined) top.push(found);
  }
  for (let cap = FIRST_COUNT; top.length > 0; cap *= 4) {
    let bound = Number.POSITIVE_INFINITY;
    for (const found of top) {
      const within = Math.min(cap, capOf(found));
      const n = countOf(found, within);
      if (n <= within) bound = Math.min(bound, n * (found.weight + MEMBER_COST));
    }
    if (bound < budget) {
      budget = bound;
      rangesUpTo = Math.min(rangesUpTo, bound);
    }
    if (bound !== Number.POSITIVE_INFINITY || top.every((found) => cap >= capOf(found))) break;
  }

  // The smallest primitives first, as many as the budget allows (sizing them costs at most the budget each, and
  // nothing for a whole bucket: a tag, a status).
  const filter: DocFilter = { and: conjuncts };
  leaves(filter);
  const chosen = new Set<string>();
  const chosenFields = new Set<string>();
  let planned = 0;
  for (const [key, found] of [...primitives].sort(([, a], [, b]) => (a?.cost ?? Infinity) - (b?.cost ?? Infinity))) {
    if (!found || planned + found.cost > budget) break;
    chosen.add(key);
    chosenFields.add(found.field);
    planned += found.cost;
  }
  if (chosen.size === 0) return undefined;
  // First the shape of the bounds (which is a complement), from stand-ins: sets not worth it are never built.
  dry = true;
  const shape = bounds(filter);
  if (!worth({ ...shape, exact: unknowns === 0, fields: chosenFields })) return undefined;
  dry = false;
  const { lower, upper } = bounds(filter);
  if (fields.size === 0) return undefined;
  return { lower, upper, pin, universe, keys, fields: [...fields] };
}

/**
 * What building the set of located conditions with `n` keys costs: a key each, a range over values `RANGE_KEY_COST`
 * each; a bucket large enough to keep its bits (`hasBits`), or a range holding its partition's whole tree, a copy of
 * its words, whatever its size; a range with kept bits near (`kept`: the keys between, `keptDistances`), the move.
 */
function setCost<T extends Doc>(found: Located<T>, n: number, size: number, kept: readonly number[] | undefined): number {
  const bitsCost = bitsCostOf(size);
  // A text condition tests every value (and may keep all), unless the bits of what passed are kept.
  if (found.tested !== undefined) {
    const keptTest = found.ranges.every((range) => found.index.keepsTest(range));
    return keptTest ? bitsCost * found.ranges.length : found.tested * (TESTED_VALUE_COST + found.weight);
  }
  // A range holding a whole partition's tree (`exists: true` on one field) copies the bits of its documents; one
  // close to a range whose bits are kept moves them by the keys between the two (a relative time's moving bound).
  if (found.weight !== 1 && found.ranges.every((range) => found.index.setFromBits(range))) return Math.min(bitsCost * found.ranges.length, n * found.weight);
  if (found.weight !== 1) return Math.min(kept ? movedCost(kept, size, found.weight) : Number.POSITIVE_INFINITY, n * found.weight);
  let cost = 0;
  for (const range of found.ranges) cost += found.index.setCostUpTo(range, bitsCost, n);
  return Math.min(cost, n);
}

/**
 * The most keys worth moving kept bits by onto a range of located conditions with `n` keys (or more than their
 * cap): a move copies the words and reads the keys between, building reads the `n` keys, so a move further than
 * `n` less the copy is never cheaper — and kept bits are not even counted that far (`keptSlice`). Without this,
 * every small range (a search's movers between two keys) counted its distance to each kept range up to 1/64 of
 * the bot.
 */
function movedUpTo<T extends Doc>(found: Located<T>, n: number, size: number): number {
  return n - Math.ceil(bitsCostOf(size) / found.weight) - 1;
}

/**
 * The keys between each of the ranges and the kept bits nearest it (`keptSlice`), counted no further than a move is
 * worth with `cap` keys (`movedUpTo`); undefined where a range has none that close, or for buckets (weight 1).
 */
function keptDistances<T extends Doc>(found: Located<T>, cap: number, size: number): number[] | undefined {
  if (found.weight === 1) return undefined;
  const distances: number[] = [];
  for (const range of found.ranges) {
    const keys = found.index.keptSlice(range, movedUpTo(found, cap, size));
    if (keys === undefined) return undefined;
    distances.push(keys);
  }
  return distances;
}

/** What moving kept bits by `kept` keys onto each range costs: a copy of the words and those keys each. */
const movedCost = (kept: readonly number[], size: number, weight: number): number => kept.reduce((sum, keys) => sum + bitsCostOf(size) + keys * weight, 0);

/** What copying the bits of a set of entries below `size` costs, in the planner's units. */
const bitsCostOf = (size: number): number => Math.ceil(size / SEQS_PER_KEY_COST);

/**
 * Conditions as combinations of what indexes hold: MongoDB's `$all` is an `$and` of equalities (an empty list matches
 * nothing); missing or null (`exists: false`, `eq null`, also an array holding null) is the complement of a value.
 */
function rewritten(filter: DocFilter): DocFilter {
  if (!('field' in filter)) return filter;
  const { field } = filter;
  if (filter.op === 'all') return filter.value.length === 0 ? { or: [] } : { and: [...new Set(filter.value)].map((value) => ({ field, op: 'eq', value })) };
  if ((filter.op === 'eq' && filter.value === null) || (filter.op === 'exists' && !filter.value)) return { not: { field, op: 'exists', value: true } };
  return filter;
}

/** An equality on the first field of some index, with a value: the partition the sets are drawn from. */
function pinOf<T extends Doc>(indexes: readonly OrderedIndex<T>[], conjuncts: readonly DocFilter[]) {
  for (const conjunct of conjuncts) {
    if (!('field' in conjunct) || conjunct.op !== 'eq' || conjunct.value === null) continue;
    const { field, value } = conjunct;
    if (indexes.some((index) => index.first === field)) return { field, value, condition: conjunct as Condition };
  }
  return undefined;
}
