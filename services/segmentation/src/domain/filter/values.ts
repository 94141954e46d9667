import { z } from 'zod';
import { parseDuration } from './duration';
import type { FieldKind, FilterOp } from './filter';

/**
 * The value each operator takes, per field kind (api.md's table). `null` stands for "no value": those operators
 * accept an absent value (or an explicit null, which form builders tend to send).
 */
const FOUR_DIGIT_YEAR_UTC = /^\d{4}-/;

const string = z.string({ error: 'must be a string' });
const nonEmptyString = z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' });
const nonEmptyStrings = z
  .array(z.string({ error: 'must be a string' }), { error: 'must be a non-empty array of strings' })
  .min(1, { error: 'must be a non-empty array of strings' });
const finiteNumber = z.number({ error: 'must be a finite number' });
const date = z.iso.date({ error: 'must be a date (YYYY-MM-DD)' });

/** An instant: an ISO 8601 datetime with an offset (seconds optional) or a date, which means midnight UTC. */
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.datetime({ offset: true, precision: -1 }), z.iso.date()], {
    error: 'must be an ISO 8601 datetime with an offset (2026-11-25T10:00:00Z) or a date (YYYY-MM-DD)',
  })
  .refine((v) => FOUR_DIGIT_YEAR_UTC.test(new Date(v).toISOString()), { error: 'must lie between the years 0000 and 9999 in UTC' });

const duration = z
  .string({ error: 'must be an ISO 8601 duration such as P7D, PT30M, P1Y2M or P2W' })
  .refine((v) => parseDuration(v) !== undefined, { error: 'must be an ISO 8601 duration such as P7D, PT30M, P1Y2M or P2W' });

const none = null;

type ValueRule = z.ZodType | typeof none;

const RULES: { [K in FieldKind]: Record<string, ValueRule> } = {
  list: { hasAny: nonEmptyStrings, hasAll: nonEmptyStrings, hasNone: nonEmptyStrings },
  enum: { is: string, isNot: string, in: nonEmptyStrings, notIn: nonEmptyStrings, isSet: none, isNotSet: none },
  text: {
    is: string,
    isNot: string,
    contains: nonEmptyString,
    notContains: nonEmptyString,
    startsWith: nonEmptyString,
    isSet: none,
    isNotSet: none,
  },
  instant: { before: instant, after: instant, withinLast: duration, notWithinLast: duration, isSet: none, isNotSet: none },
  date: { before: instant, after: instant, withinLast: duration, notWithinLast: duration, on: date, isSet: none, isNotSet: none },
  number: { eq: finiteNumber, neq: finiteNumber, gt: finiteNumber, gte: finiteNumber, lt: finiteNumber, lte: finiteNumber, isSet: none, isNotSet: none },
  boolean: { isTrue: none, isFalse: none, isSet: none, isNotSet: none },
};

export interface ValueProblem {
  /** Below the value, e.g. `['1']` for the second element of a list. */
  readonly path: readonly string[];
  readonly message: string;
}

export function opFits(kind: FieldKind, op: string): op is FilterOp {
  return Object.hasOwn(RULES[kind], op);
}

/** Problems with a condition's value for an operator that fits the field (see `opFits`). */
export function valueProblems(kind: FieldKind, op: FilterOp, value: unknown): ValueProblem[] {
  const rule = RULES[kind][op];
  if (rule === undefined) throw new Error(`operator ${op} does not fit a ${kind} field`);
  if (rule === none) {
    return value === undefined || value === null ? [] : [{ path: [], message: 'must be absent: the operator takes no value' }];
  }
  if (value === undefined) return [{ path: [], message: 'is required' }];
  const result = rule.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message }));
}
