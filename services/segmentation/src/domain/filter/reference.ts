import { parseDuration, subtractDuration } from './duration';
import { childrenOf, customFieldKey, isGroup, kindOf, type FieldTypes, type Filter, type FilterCondition, type FilterNode } from './filter';

/** The user as the reference reads it: the list document's own fields, without the derived `search` copies. */
export interface ReferenceUser {
  readonly [key: string]: unknown;
  readonly tags?: readonly string[];
  readonly sequences?: readonly string[];
  readonly otnTopics?: readonly string[];
  readonly fields?: Readonly<Record<string, unknown>>;
}

/**
 * The filter language's meaning, read straight from api.md and evaluated on one plain user object. It serves as the
 * test oracle of `compileFilter` (and of both read stores), so it shares nothing with it but the field table and
 * the duration arithmetic; clarity over speed. The filter must have been parsed with the same `fieldTypes`.
 */
export function matchesReference(filter: Filter, user: ReferenceUser, fieldTypes: FieldTypes, now: Date): boolean {
  return matchesNode(filter, user, fieldTypes, now);
}

function matchesNode(node: FilterNode, user: ReferenceUser, fieldTypes: FieldTypes, now: Date): boolean {
  if (!isGroup(node)) return matchesCondition(node, user, fieldTypes, now);
  const children = childrenOf(node);
  const matches = (child: FilterNode) => matchesNode(child, user, fieldTypes, now);
  // `{ all: [] }` matches everyone; `{ any: [] }`, having no alternative that holds, matches no one.
  return 'all' in node ? children.every(matches) : children.some(matches);
}

function matchesCondition(condition: FilterCondition, user: ReferenceUser, fieldTypes: FieldTypes, now: Date): boolean {
  const { field, op, value } = condition;
  const kind = kindOf(field, fieldTypes);
  const actual = valueOf(user, field);
  const isSet = actual !== null && actual !== undefined;

  // Negative operators hold exactly when their positive counterpart does not, unset values included (api.md).
  switch (op) {
    case 'isSet':
      return isSet;
    case 'isNotSet':
      return !isSet;
    case 'isNot':
    case 'notContains':
    case 'neq':
    case 'notIn':
    case 'hasNone':
    case 'notWithinLast':
      return !matchesCondition({ field, op: POSITIVE[op], value }, user, fieldTypes, now);
  }
  if (!isSet) return false;

  switch (kind) {
    case 'list': {
      // Tags are names, matched case-insensitively; sequences and OTN topics are ids.
      const norm = field === 'tag' ? (s: string) => s.toLowerCase() : (s: string) => s;
      const held = (actual as readonly string[]).map(norm);
      const wanted = (value as readonly string[]).map(norm);
      if (op === 'hasAny') return wanted.some((w) => held.includes(w));
      if (op === 'hasAll') return wanted.every((w) => held.includes(w));
      break;
    }
    case 'enum':
      if (op === 'is') return actual === value;
      if (op === 'in') return (value as readonly string[]).includes(actual as string);
      break;
    case 'text': {
      if (typeof actual !== 'string') return false;
      const have = actual.toLowerCase();
      const want = (value as string).toLowerCase();
      if (op === 'is') return have === want;
      if (op === 'contains') return have.includes(want);
      if (op === 'startsWith') return have.startsWith(want);
      break;
    }
    case 'instant':
    case 'date': {
      // Every time is an instant: a stored date (`YYYY-MM-DD`) and a date-only bound are midnight UTC of that day.
      const at = Date.parse(actual as string);
      if (op === 'on') return actual === value;
      if (op === 'before') return at < Date.parse(value as string);
      if (op === 'after') return at > Date.parse(value as string);
      if (op === 'withinLast') {
        const since = subtractDuration(now, parseDuration(value as string)!).getTime();
        const zero = new Date(0).setUTCFullYear(0, 0, 1);
        // Further back than the year 0: every stored time is within.
        return !(since >= zero) || at >= since;
      }
      break;
    }
    case 'number':
      if (typeof actual !== 'number') return false;
      if (op === 'eq') return actual === value;
      if (op === 'gt') return actual > (value as number);
      if (op === 'gte') return actual >= (value as number);
      if (op === 'lt') return actual < (value as number);
      if (op === 'lte') return actual <= (value as number);
      break;
    case 'boolean':
      if (op === 'isTrue') return actual === true;
      if (op === 'isFalse') return actual === false;
      break;
  }
  throw new Error(`${field} ${op}: not an operator of this field; parse the filter first`);
}

const POSITIVE = {
  isNot: 'is',
  notContains: 'contains',
  neq: 'eq',
  notIn: 'in',
  hasNone: 'hasAny',
  notWithinLast: 'withinLast',
} as const;

function valueOf(user: ReferenceUser, field: string): unknown {
  const key = customFieldKey(field);
  if (key !== undefined) return user.fields && Object.hasOwn(user.fields, key) ? user.fields[key] : undefined;
  if (field === 'tag') return user.tags ?? [];
  if (field === 'sequence') return user.sequences ?? [];
  if (field === 'otnTopic') return user.otnTopics ?? [];
  return user[field];
}
