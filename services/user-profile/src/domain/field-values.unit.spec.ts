import { FieldValueError } from './errors';
import { normalizeFieldValue } from './field-values';

describe('custom field values', () => {
  it.each([
    ['number', 12.5, 12.5],
    ['number', 0, 0],
    ['boolean', false, false],
    ['text', 'hello', 'hello'],
    ['date', '2024-02-29', '2024-02-29'],
    ['datetime', '2026-11-25T10:00:00+01:00', '2026-11-25T09:00:00.000Z'],
    ['datetime', '2026-11-25T10:00Z', '2026-11-25T10:00:00.000Z'],
  ] as const)('%s accepts %p (stored as %p)', (type, value, stored) => {
    expect(normalizeFieldValue(type, value)).toBe(stored);
  });

  it.each([
    ['number', '12', /number/],
    ['number', Number.NaN, /number/],
    ['number', Number.POSITIVE_INFINITY, /number/],
    ['boolean', 'true', /boolean/],
    ['text', 'x'.repeat(4097), /text/],
    ['text', 5, /text/],
    ['date', '2026-02-30', /date/],
    ['date', '2026-13-01', /date/],
    ['date', 'yesterday', /date/],
    ['datetime', '2026-11-25T10:00:00', /offset/],
    ['datetime', 1_700_000_000, /datetime/],
  ] as const)('%s refuses %p', (type, value, message) => {
    expect(() => normalizeFieldValue(type, value)).toThrow(FieldValueError);
    expect(() => normalizeFieldValue(type, value)).toThrow(message);
  });
});
