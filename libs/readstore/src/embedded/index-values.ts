import { compareStrings } from '../filter/compare';
import { isPlainObject, leafScalars, ownReader, type FieldPath } from '../filter/paths';

/**
 * A value as an ordered index keys it. MongoDB's order restricted to what the port's filters compare:
 * null (missing, null, or nothing to key by) < numbers < strings < booleans (false < true).
 */
export type IndexValue = string | number | boolean | null;

/**
 * A bound between two type brackets, for range scans: `Edge.after('number')` sorts after every number and before
 * every string. Ranges compare only values of one type (the port), so a range scan ends at its type's edge.
 */
export class Edge {
  private constructor(readonly rank: number) {}

  static readonly BEFORE_ALL = new Edge(-0.5);
  static readonly AFTER_NULL = new Edge(0.5);
  static readonly AFTER_NUMBERS = new Edge(1.5);
  static readonly AFTER_STRINGS = new Edge(2.5);
  static readonly AFTER_ALL = new Edge(3.5);

  /** Before every value of the bound's type (and after every value of the types before it). */
  static before(value: string | number): Edge {
    return typeof value === 'number' ? Edge.AFTER_NULL : Edge.AFTER_NUMBERS;
  }

  static after(value: string | number): Edge {
    return typeof value === 'number' ? Edge.AFTER_NUMBERS : Edge.AFTER_STRINGS;
  }
}

export type BoundValue = IndexValue | Edge;

function rank(value: BoundValue): number {
  if (value === null) return 0;
  switch (typeof value) {
    case 'number':
      return 1;
    case 'string':
      return 2;
    case 'boolean':
      return 3;
    default:
      return value.rank;
  }
}

export function compareIndexValues(a: BoundValue, b: BoundValue): number {
  if (a === b) return 0;
  const type = typeof a;
  if (type === typeof b) {
    if (type === 'string') return compareStrings(a as string, b as string);
    if (type === 'number') return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    if (type === 'boolean') return a ? 1 : -1;
  }
  return rank(a) - rank(b);
}

/** A path crossed an array before its last segment: its values fan out (see `paths.ts`). */
export const FANOUT: unique symbol = Symbol('fanout');

export type RawReader = (doc: object) => unknown;

/**
 * Reads the value at a path without fanning out: returns `FANOUT` when an array stands before the last segment, so
 * that callers can tell "missing" from "many".
 */
export function rawReader(path: FieldPath): RawReader {
  const readers = path.map(ownReader);
  if (readers.length === 1) return readers[0]!;
  return (doc) => {
    let value: unknown = doc;
    for (const read of readers) {
      if (Array.isArray(value)) return FANOUT;
      if (!isPlainObject(value)) return undefined;
      value = read(value);
    }
    return value;
  };
}

/** How one field of a document keys an index. */
export const Shape = {
  /** A string or a number: one key, and what a sort reads. */
  Scalar: 0,
  /** Missing or null: keyed as null. */
  Null: 1,
  /** A boolean or an object: one key (the boolean, or null), but neither sortable nor "set" the way it is keyed. */
  Odd: 2,
  /** An array (or a path through one): one key per distinct element value. */
  Many: 3,
} as const;
export type Shape = (typeof Shape)[keyof typeof Shape];

export function shapeOf(raw: unknown): Shape {
  if (raw === undefined || raw === null) return Shape.Null;
  const type = typeof raw;
  if (type === 'string' || type === 'number') return Shape.Scalar;
  if (raw === FANOUT || Array.isArray(raw)) return Shape.Many;
  return Shape.Odd;
}

/** The key of a field read directly (any shape but `Many`). */
export function directValue(raw: unknown): IndexValue {
  const type = typeof raw;
  return type === 'string' || type === 'number' || type === 'boolean' ? (raw as IndexValue) : null;
}

/**
 * The distinct keys of a `Many` field; null when it offers none (an empty array). `raw`, the field as `rawReader`
 * read it, spares walking the path again when it is the array itself (the usual case: tags, sequences).
 */
export function manyValues(doc: object, path: FieldPath, raw?: unknown): IndexValue[] {
  const values: IndexValue[] = [];
  if (Array.isArray(raw) && raw.length <= 16) {
    // A short array: the same values (scalars, first occurrence kept) without a Set and two copies.
    for (const element of raw as unknown[]) {
      const type = typeof element;
      if ((type === 'string' || type === 'number' || type === 'boolean') && !values.includes(element as IndexValue)) values.push(element as IndexValue);
    }
  } else values.push(...new Set(leafScalars(doc, path)));
  return values.length > 0 ? values : [null];
}

export function sameValues(a: readonly IndexValue[], b: readonly IndexValue[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
