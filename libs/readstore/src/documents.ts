import type { DocumentStrings, InternPath } from './embedded/interner';
import { ReadStoreError, type Doc } from './port';

/** Positions are stored as 20-digit decimal strings in MongoDB: enough for any unsigned 64-bit position. */
const MAX_POSITION = 10n ** 20n - 1n;

export function assertPosition(position: unknown): asserts position is bigint {
  if (typeof position !== 'bigint' || position < 0n || position > MAX_POSITION) {
    throw new ReadStoreError('a position must be a bigint between 0 and 10^20 - 1');
  }
}

export function assertLimit(limit: unknown): asserts limit is number {
  if (!Number.isSafeInteger(limit) || (limit as number) < 1) {
    throw new ReadStoreError('a page limit must be a positive integer');
  }
}

/**
 * A deep copy of a document as both adapters store it: plain JSON values only, with `undefined` dropped from
 * objects (and turned into null in arrays, as JSON does), so that the embedded store keeps exactly what MongoDB
 * would. Rejects what MongoDB could not query back: reserved top-level names, `$`-prefixed or dotted keys.
 * With `strings` (the embedded store), repeated short strings are replaced by their shared copies (`InternPath`), and
 * with `same` equal strings within the document by one of them. With `stored` (the version the store holds, handed
 * out by `getForUpdate`), an object or array that is that version's very object at the same place is kept as it is:
 * it was checked and copied when stored, and callers never change it in place.
 */
export function copyDocument<T extends Doc>(doc: T, strings?: InternPath, same?: DocumentStrings, stored?: T): T {
  if (!isRecord(doc) || typeof doc.id !== 'string' || doc.id === '') {
    throw new ReadStoreError('a document needs a non-empty string id');
  }
  for (const key of Object.keys(doc)) {
    if (key.startsWith('_')) throw new ReadStoreError(`field "${key}" is reserved: names starting with _ belong to the store`);
  }
  same?.reset();
  try {
    return copyValue(doc, strings, same, stored) as T;
  } catch (error) {
    if (error instanceof BadValue) throw new ReadStoreError(`${['document', ...error.path.reverse()].join('')} ${error.problem}`);
    throw error;
  }
}

/** A value that cannot be stored, with the path to it (collected innermost first while the copy unwinds). */
class BadValue extends Error {
  readonly path: string[] = [];

  constructor(readonly problem: string) {
    super(problem);
  }
}

function copyValue(value: unknown, strings: InternPath | undefined, same: DocumentStrings | undefined, stored?: unknown): unknown {
  if (stored !== undefined && value === stored && typeof value === 'object') return value;
  switch (typeof value) {
    case 'string':
      return strings ? strings.intern(value, same) : value;
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new BadValue('is not a finite number');
      return value;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return copyArray(value, strings, same, Array.isArray(stored) ? stored : undefined);
      if (isRecord(value)) return copyRecord(value, strings, same, isRecord(stored) ? stored : undefined);
      break;
  }
  throw new BadValue('is not a JSON value');
}

function copyArray(
  array: readonly unknown[],
  strings: InternPath | undefined,
  same: DocumentStrings | undefined,
  stored: readonly unknown[] | undefined,
): unknown[] {
  // Sized up front: an array grown by push keeps room for 16 more elements (136 B per array of one tag).
  const copy = new Array<unknown>(array.length);
  for (let i = 0; i < array.length; i++) {
    const element = array[i];
    // The same index, or one further: a bounded list that dropped its oldest element shifted by one.
    const before = stored && (stored[i] === element ? element : stored[i + 1]);
    try {
      copy[i] = element === undefined ? null : copyValue(element, strings, same, before);
    } catch (error) {
      if (error instanceof BadValue) error.path.push(`[${i}]`);
      throw error;
    }
  }
  return copy;
}

function copyRecord(
  record: Record<string, unknown>,
  strings: InternPath | undefined,
  same: DocumentStrings | undefined,
  stored: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === undefined) continue;
    if (key === '' || key.startsWith('$') || key.includes('.') || key === '__proto__') {
      throw new BadValue('has a field name that cannot be queried (empty, $-prefixed, dotted or __proto__)');
    }
    try {
      copy[key] = copyValue(value, strings?.child(key), same, stored?.[key]);
    } catch (error) {
      if (error instanceof BadValue) error.path.push(`.${key}`);
      throw error;
    }
  }
  return copy;
}

/** By tag rather than prototype: plain objects from another realm (a VM context, structuredClone) count too. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return Object.prototype.toString.call(value) === '[object Object]';
}

/** Copies a stored (already validated) value for a caller, so that callers never share the store's objects. */
export function cloneStored<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneStored) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) copy[key] = cloneStored((value as Record<string, unknown>)[key]);
  return copy as T;
}

/** Checks a find's `fields`: top-level names only (see FindQuery.fields). */
export function assertFields(fields: unknown): asserts fields is readonly string[] | undefined {
  if (fields === undefined) return;
  if (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string' || f === '' || f.includes('.') || f.startsWith('$') || f.startsWith('_'))) {
    throw new ReadStoreError('fields must be a list of top-level field names (not empty, no dots, not starting with $ or _)');
  }
}

/** A copy of a stored document with `id` and the given top-level fields only (those it has). */
export function pickStored<T extends Doc>(doc: T, fields: readonly string[]): T {
  const copy: Record<string, unknown> = { id: doc.id };
  for (const field of fields) {
    if (Object.prototype.hasOwnProperty.call(doc, field)) copy[field] = cloneStored((doc as Record<string, unknown>)[field]);
  }
  return copy as T;
}
