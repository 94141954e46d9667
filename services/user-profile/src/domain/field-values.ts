import type { FieldType, FieldValue } from '@roster/contracts';
import { FieldValueError } from './errors';

const MAX_TEXT = 4096;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A value checked against its field's type and normalized to how it is stored and returned: a number stays a finite
 * JSON number, a date is `YYYY-MM-DD` (a real calendar day), a datetime needs an offset and is stored in UTC, a
 * boolean is true/false, a text at most 4096 characters. Anything else is a FieldValueError saying what was expected.
 */
export function normalizeFieldValue(type: FieldType, value: unknown): FieldValue {
  switch (type) {
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw new FieldValueError('expected a number (a finite JSON number)');
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw new FieldValueError('expected a boolean (true or false)');
    case 'text':
      if (typeof value === 'string' && value.length <= MAX_TEXT) return value;
      throw new FieldValueError(`expected a text (a string of at most ${MAX_TEXT} characters)`);
    case 'date': {
      const match = typeof value === 'string' ? DATE.exec(value) : null;
      if (match) {
        const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
        const day = new Date(Date.UTC(y, m - 1, d));
        if (day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d) return value as string;
      }
      throw new FieldValueError('expected a date (YYYY-MM-DD, a real calendar day)');
    }
    case 'datetime':
      if (typeof value === 'string' && DATETIME_WITH_OFFSET.test(value) && !Number.isNaN(Date.parse(value))) {
        return new Date(value).toISOString();
      }
      throw new FieldValueError('expected a datetime (ISO 8601 with an offset, e.g. 2026-11-25T10:00:00+01:00)');
    default: {
      const unknown: never = type;
      throw new FieldValueError(`unknown field type ${String(unknown)}`);
    }
  }
}
