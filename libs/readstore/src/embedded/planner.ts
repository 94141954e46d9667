import type { Keyset } from '../cursor';
import { textTest } from '../filter/regex';
import type { Doc, DocFilter, Scalar, SortSpec } from '../port';
import { Edge, type IndexValue } from './index-values';
import type { Bound, OrderedIndex, Partition, Range } from './ordered-index';

export type Condition = Extract<DocFilter, { field: string }>;
type RangeCondition = Extract<Condition, { op: 'gt' | 'gte' | 'lt' | 'lte' }>;

/**
 * A set of documents that holds every match of the filter: ranges of one index. `exactFor` names the conditions
 * whose matches the ranges hold exactly (no more), so a count of a filter made of only those needs no predicate.
 */
export interface CandidateSource<T extends Doc> {
  readonly index: OrderedIndex<T>;
  readonly ranges: readonly Range<T>[];
  /** No document is keyed twice across the ranges. */
  readonly distinct: boolean;
  readonly exactFor: ReadonlySet<DocFilter>;
  /** The ranges are the pinned partitions whole (no later field pinned, no bounds): the same from every index. */
  readonly whole: boolean;
  /** Made when read (a plan makes sources from every index of the pinned field; most are never reported). */
  readonly description: string;
}

/**
 * A walk of one partition in the page's order: below the pinned `prefix`, the sort field's level (`byValue`) or,
 * for a sort by id, the bucket; within value bounds and strictly after the keyset `after`.
 */
export interface SortWalk<T extends Doc> {
  readonly index: OrderedIndex<T>;
  readonly partition: Partition<T>;
  readonly prefix: readonly IndexValue[];
  readonly byValue: boolean;
  readonly forward: boolean;
  readonly after?: Keyset;
  readonly low?: Bound;
  readonly high?: Bound;
  readonly description: string;
}

export interface Plan<T extends Doc> {
  readonly conjuncts: readonly DocFilter[];
  readonly sources: readonly CandidateSource<T>[];
  readonly walk?: SortWalk<T>;
  /** The indexes planned over (set plans draw on them: `set-plan.ts`). */
  readonly indexes: readonly OrderedIndex<T>[];
  /** A conjunct that no document can match was found (e.g. `in []` on an indexed field): the answer is empty. */
  readonly empty: boolean;
}

/** Above this many ranges (values of `in` times …), an index is not used for that condition. */
const MAX_RANGES = 64;

/**
 * Plans a query over the declared indexes from the filter's top-level conjunction (an `and` of conditions, nested
 * `and`s flattened; `or` and `not` are left to the predicate):
 * - each index whose first field is pinned by `eq`, `in` or `all` (non-null values) gives candidate sources: one
 *   partition per value (`all` gives one source per value, each a superset); then each following field pinned by
 *   `eq` (or `in`, fanning out into several ranges, or `all`) narrows the ranges; on the first field not pinned,
 *   range conditions (`gt`/`gte`/`lt`/`lte`, `exists: true`) bound them. Bounds are combined only on fields where no
 *   document holds an array, a boolean or an object (where MongoDB's per-element matching allows no intersection).
 * - with a sort, an index whose fields are (pinned prefix…, sort field[, id]) in one partition gives a sort walk,
 *   bounded by the sort field's range conditions and starting strictly after the keyset `after`.
 * Choosing among them is the executor's job (it measures the candidate sources as it goes).
 */
export function planQuery<T extends Doc>(
  indexes: readonly OrderedIndex<T>[],
  filter: DocFilter | undefined,
  sort?: SortSpec,
  after?: Keyset,
): Plan<T> {
  const conjuncts = flatten(filter);
  const byField = new Map<string, Condition[]>();
  for (const conjunct of conjuncts) {
    if (!('field' in conjunct)) continue;
    const list = byField.get(conjunct.field);
    if (list) list.push(conjunct);
    else byField.set(conjunct.field, [conjunct]);
  }
  const sources: CandidateSource<T>[] = [];
  let walk: SortWalk<T> | undefined;
  let empty = false;
  // Every index of a user list begins with the bot: its pins are found once per field, and the whole partitions they
  // give are one source per pin (one whose documents are keyed once, if any index has it), not one per index.
  const pinsByField = new Map<string, Pin[]>();
  const wholes = new Map<Pin, CandidateSource<T>>();
  for (const index of indexes) {
    let pins = pinsByField.get(index.first);
    if (!pins) pinsByField.set(index.first, (pins = firstFieldPins(byField.get(index.first) ?? [])));
    for (const pin of pins) {
      if (pin.values.length === 0) empty = true;
      const source = candidateSource(index, pin, byField, !wholes.get(pin)?.distinct);
      if (source?.whole) wholes.set(pin, source);
      else if (source) sources.push(source);
      if (sort && pin.values.length === 1) walk = betterWalk(walk, sortWalk(index, pin.values[0]!, byField, sort, after));
    }
  }
  sources.push(...wholes.values());
  return { conjuncts, sources, walk, empty, indexes };
}

interface Pin {
  readonly values: readonly IndexValue[];
  /** The condition the pin represents exactly, if any (`all` of several values is only narrowed by each). */
  readonly condition?: Condition;
}

function flatten(filter: DocFilter | undefined): DocFilter[] {
  if (!filter) return [];
  if ('and' in filter) return filter.and.flatMap(flatten);
  return [filter];
}

const isKey = (value: Scalar): value is Exclude<Scalar, null> => value !== null;
const distinctValues = (values: readonly Scalar[]): IndexValue[] => [...new Set(values)];

/** Ways to pin the first field: each is a set of partitions holding every match. */
function firstFieldPins(conditions: readonly Condition[]): Pin[] {
  const pins: Pin[] = [];
  for (const condition of conditions) {
    if (condition.op === 'eq' && isKey(condition.value)) pins.push({ values: [condition.value], condition });
    if (condition.op === 'in' && condition.value.every(isKey) && condition.value.length <= MAX_RANGES) {
      pins.push({ values: distinctValues(condition.value), condition });
    }
    if (condition.op === 'all' && condition.value.length > 0 && condition.value.every(isKey)) {
      const values = distinctValues(condition.value);
      for (const value of values) pins.push({ values: [value], condition: values.length === 1 ? condition : undefined });
    }
  }
  return pins;
}

/** A pin of a later field: a single value (for walks) or a few (for candidate ranges). */
function tailPin(conditions: readonly Condition[], maxValues: number): Pin | undefined {
  for (const condition of conditions) {
    if (condition.op === 'eq' && isKey(condition.value)) return { values: [condition.value], condition };
  }
  for (const condition of conditions) {
    if (condition.op === 'all' && condition.value.length > 0 && condition.value.every(isKey)) {
      const values = distinctValues(condition.value);
      return { values: [values[0]!], condition: values.length === 1 ? condition : undefined };
    }
    if (condition.op === 'in' && condition.value.length > 0 && condition.value.every(isKey)) {
      const values = distinctValues(condition.value);
      if (values.length <= maxValues) return { values, condition };
    }
  }
  return undefined;
}

interface Bounds {
  readonly low?: Bound;
  readonly high?: Bound;
  readonly used: readonly Condition[];
}

/** Range conditions on one field as bounds of a scan; `regular`: every document has at most one value there. */
function boundsOf(conditions: readonly Condition[], regular: boolean): Bounds {
  const lowers = conditions.filter((c): c is RangeCondition => c.op === 'gt' || c.op === 'gte');
  const uppers = conditions.filter((c): c is RangeCondition => c.op === 'lt' || c.op === 'lte');
  const lower = lowers[0];
  const upper = regular || !lower ? uppers.find((u) => !lower || typeof u.value === typeof lower.value) : undefined;
  const exists = regular ? conditions.find((c) => c.op === 'exists' && c.value === true) : undefined;
  const used: Condition[] = [];
  let low: Bound | undefined;
  let high: Bound | undefined;
  if (lower) {
    low = { value: lower.value, inclusive: lower.op === 'gte' };
    used.push(lower);
  }
  if (upper) {
    high = { value: upper.value, inclusive: upper.op === 'lte' };
    used.push(upper);
  }
  // A range compares only values of its bound's type: it ends at that type's edge.
  if (lower && !upper) high = { value: Edge.after(lower.value), inclusive: false };
  if (upper && !lower) low = { value: Edge.before(upper.value), inclusive: false };
  if (exists) {
    low ??= { value: Edge.AFTER_NULL, inclusive: false };
    high ??= { value: Edge.AFTER_ALL, inclusive: false };
    used.push(exists);
  }
  return { low, high, used };
}

/** The ranges of `index` that `pin` and the conditions on its later fields give; undefined if whole and not `wholeWanted`. */
function candidateSource<T extends Doc>(index: OrderedIndex<T>, pin: Pin, byField: Map<string, Condition[]>, wholeWanted = true): CandidateSource<T> | undefined {
  // No condition on the next field: the whole partitions (most indexes of a plan; known before anything is made).
  if (!wholeWanted && (index.tail.length === 0 || !byField.has(index.tail[0]!))) return undefined;
  const exactFor = new Set<DocFilter>(pin.condition ? [pin.condition] : []);
  const partitions = pin.values.map((value) => index.partitions.get(value)).filter((p): p is Partition<T> => p !== undefined);
  let prefixes: IndexValue[][] = [[]];
  let p = 0;
  for (; p < index.tail.length; p++) {
    const tail = tailPin(byField.get(index.tail[p]!) ?? [], Math.floor(MAX_RANGES / (prefixes.length * Math.max(1, partitions.length))));
    if (!tail) break;
    prefixes = prefixes.flatMap((prefix) => tail.values.map((value) => [...prefix, value]));
    if (tail.condition) exactFor.add(tail.condition);
  }
  const bounds = p < index.tail.length ? boundsOf(byField.get(index.tail[p]!) ?? [], index.irregular[p] === 0) : { used: [] };
  for (const condition of bounds.used) exactFor.add(condition);
  const whole = p === 0 && !bounds.low && !bounds.high;
  // A whole partition is only a candidate set when no document was left out of its tree.
  if (whole && (!wholeWanted || partitions.some((partition) => partition.omitted > 0))) return undefined;
  const ranges: Range<T>[] = [];
  for (const partition of partitions) {
    for (const prefix of prefixes) ranges.push({ partition, prefix, low: bounds.low, high: bounds.high });
  }
  const duplicatesWithin = index.multi.slice(p).some((n) => n > 0);
  const duplicatesAcross = ranges.length > 1 && (index.multiPartition > 0 || index.multi.slice(0, p).some((n) => n > 0));
  return {
    index,
    ranges,
    distinct: !duplicatesWithin && !duplicatesAcross,
    exactFor,
    whole,
    get description() {
      return describe(index, pin.values, prefixes, p, bounds);
    },
  };
}

/**
 * The ranges of `index` holding exactly the documents of one partition (`value` of the first field) that match every
 * one of `conditions`, all on the index's second field (several: range conditions that bound one range), or
 * undefined when the index cannot represent them exactly.
 */
export function exactRanges<T extends Doc>(index: OrderedIndex<T>, value: IndexValue, conditions: readonly Condition[]): readonly Range<T>[] | undefined {
  const field = index.tail[0];
  if (conditions.some((condition) => condition.field !== field)) return undefined;
  const source = candidateSource(index, { values: [value] }, new Map([[field!, [...conditions]]]));
  return source && conditions.every((condition) => source.exactFor.has(condition)) ? source.ranges : undefined;
}

/**
 * The ranges of `index` holding exactly the documents of one partition whose value of the index's second field passes
 * a text condition (`contains`, `startsWith`): the values of that level are tested (with the predicate's own test)
 * and the documents of those that pass are the range's. Only where every document holds one value there at most, a
 * string, a number or null (a multikey field's elements are left to the predicate). Undefined when the index cannot.
 */
export function matchingRanges<T extends Doc>(index: OrderedIndex<T>, value: IndexValue, condition: Condition): readonly Range<T>[] | undefined {
  if (condition.op !== 'contains' && condition.op !== 'startsWith') return undefined;
  if (index.tail[0] !== condition.field || index.irregular[0] !== 0) return undefined;
  const partition = index.partitions.get(value);
  const where = { key: JSON.stringify([condition.op, condition.value]), test: textTest(condition.op, condition.value) };
  return partition ? [{ partition, prefix: [], where }] : [];
}

function sortWalk<T extends Doc>(
  index: OrderedIndex<T>,
  value: IndexValue,
  byField: Map<string, Condition[]>,
  sort: SortSpec,
  after: Keyset | undefined,
): SortWalk<T> | undefined {
  const partition = index.partitions.get(value);
  if (!partition) return undefined;
  const prefix: IndexValue[] = [];
  let k = 0;
  for (; k < index.tail.length; k++) {
    const pin = tailPin(byField.get(index.tail[k]!) ?? [], 1);
    if (!pin) break;
    prefix.push(pin.values[0]!);
  }
  const rest = index.tail.slice(k);
  // The index's tail has no trailing id: its buckets order by id.
  const bySortField = rest.length === 1 && rest[0] === sort.field;
  const byIdOnly = sort.field === 'id' && rest.length === 0;
  if (!bySortField && !byIdOnly) return undefined;
  if (rest.length > 0 && index.irregular[k] !== 0) return undefined;
  if (k === 0 && partition.omitted > 0) return undefined;
  const forward = sort.order === 'asc';
  const bounds = rest.length > 0 ? boundsOf(byField.get(rest[0]!) ?? [], true) : { used: [] };
  const where = JSON.stringify([value, ...prefix]);
  return {
    index,
    partition,
    prefix,
    byValue: rest.length > 0,
    forward,
    after,
    low: bounds.low,
    high: bounds.high,
    description: `walk ${JSON.stringify(index.fields)} ${forward ? 'forwards' : 'backwards'} in ${where}${bounds.used.length ? ' (bounded)' : ''}`,
  };
}

/** Prefers the walk over fewer documents: more fields pinned, then a bounded one. */
function betterWalk<T extends Doc>(current: SortWalk<T> | undefined, candidate: SortWalk<T> | undefined): SortWalk<T> | undefined {
  if (!candidate) return current;
  if (!current) return candidate;
  const weight = (walk: SortWalk<T>) => walk.prefix.length * 2 + (walk.low || walk.high ? 1 : 0);
  return weight(candidate) > weight(current) ? candidate : current;
}

function describe<T extends Doc>(index: OrderedIndex<T>, values: readonly IndexValue[], prefixes: readonly IndexValue[][], p: number, bounds: Bounds): string {
  const fields = JSON.stringify(index.fields);
  const pinned = `${index.first} in ${JSON.stringify(values)}${p > 0 ? `, ${JSON.stringify(index.tail.slice(0, p))} in ${JSON.stringify(prefixes)}` : ''}`;
  const range = bounds.used.length ? `, range on ${index.tail[p]}` : '';
  return `ranges of ${fields}: ${pinned}${range}`;
}
