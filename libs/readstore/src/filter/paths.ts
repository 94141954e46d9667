/**
 * Dotted field paths, resolved the way MongoDB (up to 8.x) resolves them: an array met before the last segment
 * fans out over its object elements (scalars and nested arrays in it lead nowhere); a scalar or null met there
 * counts as a missing field; at the last segment an array offers its elements (one level) as candidate values.
 */
export type FieldPath = readonly string[];

type Reader = (obj: object) => unknown;

export function splitPath(field: string): FieldPath {
  return field.split('.');
}

/** Names such as `constructor` are inherited by every object and must read as missing unless set. */
export function ownReader(key: string): Reader {
  if (key in Object.prototype) {
    return (obj) => (Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined);
  }
  return (obj) => (obj as Record<string, unknown>)[key];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a path without fanning out over arrays (sort keys are single values). */
export function valueReader(path: FieldPath): Reader {
  const readers = path.map(ownReader);
  if (readers.length === 1) return readers[0]!;
  return (obj) => {
    let value: unknown = obj;
    for (const read of readers) {
      if (!isPlainObject(value)) return undefined;
      value = read(value);
    }
    return value;
  };
}

/**
 * Every non-null scalar a path offers for equality: what an equality index keys a document by. It agrees with
 * `toPredicate`'s `eq`: a document matches `eq v` (v not null) exactly when v is among these values.
 */
export function leafScalars(doc: object, path: FieldPath): Array<string | number | boolean> {
  const out: Array<string | number | boolean> = [];
  const readers = path.map(ownReader);
  const visit = (value: unknown, i: number): void => {
    if (i === readers.length) {
      if (Array.isArray(value)) for (const element of value) pushScalar(element, out);
      else pushScalar(value, out);
      return;
    }
    if (Array.isArray(value)) {
      for (const element of value) if (isPlainObject(element)) visit(readers[i]!(element), i + 1);
    } else if (isPlainObject(value)) {
      visit(readers[i]!(value), i + 1);
    }
  };
  visit(doc, 0);
  return out;
}

function pushScalar(value: unknown, out: Array<string | number | boolean>): void {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out.push(value);
}
