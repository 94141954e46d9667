import type { DocFilter, Scalar } from '../port';
import { compareStrings } from './compare';
import { isPlainObject, ownReader, splitPath, type FieldPath } from './paths';
import { textTest } from './regex';
import { assertValidFilter } from './validate-filter';

export type DocPredicate = (doc: object) => boolean;

/** Tests one candidate value that is neither missing nor null. */
type ValueTest = (value: unknown) => boolean;

type Condition = Extract<DocFilter, { field: string }>;

const NEVER: ValueTest = () => false;

/**
 * Compiles a filter once into a closure with MongoDB's matching semantics (see `paths.ts` and the port), so that
 * scanning a collection interprets nothing per document.
 */
export function toPredicate(filter: DocFilter): DocPredicate {
  assertValidFilter(filter);
  return compile(filter);
}

function compile(filter: DocFilter): DocPredicate {
  if ('and' in filter) return allOf(filter.and.map(compile));
  if ('or' in filter) return anyOf(filter.or.map(compile));
  if ('not' in filter) {
    const inner = compile(filter.not);
    return (doc) => !inner(doc);
  }
  return compileCondition(filter);
}

function compileCondition(condition: Condition): DocPredicate {
  const path = splitPath(condition.field);
  switch (condition.op) {
    case 'eq':
      return condition.value === null ? atPath(path, NEVER, true) : atPath(path, equalTo(condition.value), false);
    case 'in':
      return atPath(path, oneOf(condition.value), condition.value.includes(null));
    case 'all':
      // MongoDB treats $all as an $and of equalities; an empty list matches nothing.
      if (condition.value.length === 0) return () => false;
      return allOf(condition.value.map((v) => compileCondition({ field: condition.field, op: 'eq', value: v })));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return atPath(path, inRange(condition.op, condition.value), false);
    case 'exists': {
      const missing = atPath(path, NEVER, true);
      return condition.value ? (doc) => !missing(doc) : missing;
    }
    case 'contains':
    case 'startsWith':
      return atPath(path, textTest(condition.op, condition.value), false);
    default: {
      const unknown: never = condition;
      throw new Error(`unhandled filter condition ${JSON.stringify(unknown)}`);
    }
  }
}

function equalTo(expected: Exclude<Scalar, null>): ValueTest {
  return (v) => v === expected;
}

function oneOf(values: readonly Scalar[]): ValueTest {
  const wanted = values.filter((v): v is Exclude<Scalar, null> => v !== null);
  if (wanted.length === 0) return NEVER;
  if (wanted.length === 1) return equalTo(wanted[0]!);
  const set = new Set<unknown>(wanted);
  return (v) => set.has(v);
}

/** Like MongoDB's type bracketing, a bound only ever matches values of its own type. */
function inRange(op: 'gt' | 'gte' | 'lt' | 'lte', bound: string | number): ValueTest {
  if (typeof bound === 'number') {
    switch (op) {
      case 'gt':
        return (v) => typeof v === 'number' && v > bound;
      case 'gte':
        return (v) => typeof v === 'number' && v >= bound;
      case 'lt':
        return (v) => typeof v === 'number' && v < bound;
      case 'lte':
        return (v) => typeof v === 'number' && v <= bound;
    }
  }
  switch (op) {
    case 'gt':
      return (v) => typeof v === 'string' && compareStrings(v, bound) > 0;
    case 'gte':
      return (v) => typeof v === 'string' && compareStrings(v, bound) >= 0;
    case 'lt':
      return (v) => typeof v === 'string' && compareStrings(v, bound) < 0;
    case 'lte':
      return (v) => typeof v === 'string' && compareStrings(v, bound) <= 0;
  }
}

/**
 * Matches when any candidate value at the path passes `test`; a missing field or a null candidate matches exactly
 * when `nullMatches` (equality with null).
 */
function atPath(path: FieldPath, test: ValueTest, nullMatches: boolean): DocPredicate {
  const matchLeaf = (value: unknown): boolean => {
    if (value === undefined || value === null) return nullMatches;
    if (!Array.isArray(value)) return test(value);
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      if (element === null ? nullMatches : test(element)) return true;
    }
    return false;
  };
  const readers = path.map(ownReader);
  if (readers.length === 1) {
    const read = readers[0]!;
    return (doc) => matchLeaf(read(doc));
  }
  const last = readers.length;
  const walk = (value: unknown, i: number): boolean => {
    if (i === last) return matchLeaf(value);
    if (value === undefined || value === null || typeof value !== 'object') return nullMatches;
    if (!Array.isArray(value)) return walk(readers[i]!(value), i + 1);
    for (let k = 0; k < value.length; k++) {
      const element: unknown = value[k];
      if (isPlainObject(element) && walk(readers[i]!(element), i + 1)) return true;
    }
    return false;
  };
  return (doc) => walk(doc, 0);
}

function allOf(predicates: DocPredicate[]): DocPredicate {
  switch (predicates.length) {
    case 0:
      return () => true;
    case 1:
      return predicates[0]!;
    case 2: {
      const [a, b] = predicates as [DocPredicate, DocPredicate];
      return (doc) => a(doc) && b(doc);
    }
    default:
      return (doc) => {
        for (let i = 0; i < predicates.length; i++) if (!predicates[i]!(doc)) return false;
        return true;
      };
  }
}

function anyOf(predicates: DocPredicate[]): DocPredicate {
  switch (predicates.length) {
    case 0:
      return () => false;
    case 1:
      return predicates[0]!;
    case 2: {
      const [a, b] = predicates as [DocPredicate, DocPredicate];
      return (doc) => a(doc) || b(doc);
    }
    default:
      return (doc) => {
        for (let i = 0; i < predicates.length; i++) if (predicates[i]!(doc)) return true;
        return false;
      };
  }
}
