const HIGH_UNIT = /[\ud800-\uffff]/;

/**
 * Orders strings by Unicode code point, which is MongoDB's order (it compares UTF-8 bytes). JavaScript's `<`
 * compares UTF-16 code units instead, and puts astral characters (emoji) before U+E000–U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // The engine's comparison (code units, native) agrees with code point order unless, where the strings first differ,
  // one has a surrogate and the other a unit in U+E000–U+FFFF: impossible unless both hold a unit ≥ U+D800. Ids,
  // times and positions never do, and are compared in every index descent.
  if (!HIGH_UNIT.test(a) || !HIGH_UNIT.test(b)) return a < b ? -1 : 1;
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      const xSurrogate = x < 0xe000;
      if (xSurrogate !== y < 0xe000) return xSurrogate ? 1 : -1;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** A sort key value: what a `SortSpec` field holds, or null when it is missing or of another type. */
export type SortValue = string | number | null;

export function toSortValue(value: unknown): SortValue {
  return typeof value === 'string' || typeof value === 'number' ? value : null;
}

/** MongoDB's cross-type order restricted to what sort keys hold: null (and missing) < numbers < strings. */
export function compareSortValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'string') return typeof b === 'string' ? compareStrings(a, b) : 1;
  if (typeof b === 'string') return -1;
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
