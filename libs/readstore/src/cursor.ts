import { createHash } from 'node:crypto';
import { compareSortValues, compareStrings, toSortValue, type SortValue } from './filter/compare';
import { fieldPathProblem } from './filter/validate-filter';
import { InvalidCursorError, ReadStoreError, type DocFilter, type FindQuery, type SortSpec } from './port';

/** Where a page ended: the last item's sort value and id. */
export interface Keyset {
  readonly value: SortValue;
  readonly id: string;
}

export const DEFAULT_SORT: SortSpec = { field: 'id', order: 'asc' };

export function sortOf(query: FindQuery): SortSpec {
  const sort = query.sort ?? DEFAULT_SORT;
  const problem = fieldPathProblem(sort.field);
  if (problem) throw new ReadStoreError(`invalid sort field: ${problem}`);
  if (sort.order !== 'asc' && sort.order !== 'desc') throw new ReadStoreError('sort order must be asc or desc');
  return sort;
}

/**
 * A fingerprint of what a cursor belongs to. Key order is canonicalised so that equal filters built in different
 * orders share cursors. It detects mistakes, not forgery: a forged cursor only moves the start of a page.
 */
export function queryFingerprint(filter: DocFilter | undefined, sort: SortSpec): string {
  const canonical = canonicalJson({ filter: filter ?? null, sort: { field: sort.field, order: sort.order } });
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

export function encodeCursor(keyset: Keyset, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ v: keyset.value, i: keyset.id, q: fingerprint })).toString('base64url');
}

export function decodeCursor(cursor: string, fingerprint: string): Keyset {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (typeof parsed !== 'object' || parsed === null) throw new InvalidCursorError();
  const { v, i, q } = parsed as Record<string, unknown>;
  const validValue = v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
  if (q !== fingerprint || typeof i !== 'string' || !validValue) throw new InvalidCursorError();
  return { value: v as SortValue, id: i };
}

/**
 * Where a page starts: after the cursor's keyset or after the explicit `after` keyset (never both), or at the start.
 */
export function startOf(query: FindQuery, fingerprint: string): Keyset | undefined {
  if (query.after !== undefined) {
    if (query.cursor !== undefined) throw new ReadStoreError('a query takes either a cursor or an after keyset, not both');
    const { value, id } = (query.after ?? {}) as Partial<Keyset>;
    const validValue = value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
    if (typeof id !== 'string' || !validValue) {
      throw new ReadStoreError('after needs a value (string, finite number or null) and a string id');
    }
    return { value, id };
  }
  return query.cursor === undefined ? undefined : decodeCursor(query.cursor, fingerprint);
}

/** Orders keysets the way a page is sorted: by value, then by id, both in the requested direction. */
export function keysetComparator(order: SortSpec['order']): (a: Keyset, b: Keyset) => number {
  const sign = order === 'asc' ? 1 : -1;
  return (a, b) => sign * (compareSortValues(a.value, b.value) || compareStrings(a.id, b.id));
}

export function keysetOf(id: string, rawValue: unknown): Keyset {
  return { value: toSortValue(rawValue), id };
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
