/**
 * Escapes a literal for both JavaScript RegExp and MongoDB's PCRE. NUL is written as `\x00` because MongoDB
 * rejects a pattern that contains the byte itself.
 */
export function escapeRegex(literal: string): string {
  return literal.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&').replace(/\0/g, '\\x00');
}

/** The pattern (used with the `i` flag) of a case-insensitive `contains` or `startsWith` condition. */
export function textPattern(op: 'contains' | 'startsWith', value: string): string {
  return op === 'startsWith' ? `^${escapeRegex(value)}` : escapeRegex(value);
}

/** Whether one value (neither missing nor null) passes a `contains` or `startsWith` condition: strings only. */
export function textTest(op: 'contains' | 'startsWith', value: string): (candidate: unknown) => boolean {
  const pattern = new RegExp(textPattern(op, value), 'i');
  return (candidate) => typeof candidate === 'string' && pattern.test(candidate);
}
