import type { DocFilter } from '@roster/readstore';
import { parseDuration, subtractDuration } from './duration';
import { childrenOf, customFieldKey, isGroup, kindOf, type FieldTypes, type Filter, type FilterCondition, type FilterNode } from './filter';

/**
 * Compiles a parsed filter (see `parseFilter`, with the same `fieldTypes`) into the read store's filter over the
 * user-list documents (`SearchableUserDoc`). `now` fixes the relative durations. The result does not restrict the bot:
 * the caller adds `botId`.
 *
 * How the documents make each operator a plain store condition:
 * - text matching is case-insensitive through the lower-cased copies under `search` (`is` is an equality there);
 *   a profile text field's presence is its copy's;
 * - negative operators are `not(positive)`, which also matches users without a value, as api.md requires;
 * - stored times are UTC ISO strings of one fixed format, so range comparisons on strings order them in time; the
 *   filter's times are normalized the same way, and a date-only time means midnight UTC of that day;
 * - a custom `date` value is a day, compared as its midnight UTC: the bounds are rounded to days accordingly.
 */
export function compileFilter(filter: Filter, fieldTypes: FieldTypes, now: Date): DocFilter {
  return compileNode(filter, fieldTypes, now);
}

function compileNode(node: FilterNode, fieldTypes: FieldTypes, now: Date): DocFilter {
  if (!isGroup(node)) return compileCondition(node, fieldTypes, now);
  const children = childrenOf(node).map((child) => compileNode(child, fieldTypes, now));
  if (children.length === 1) return children[0]!;
  return 'all' in node ? { and: children } : { or: children };
}

const ANY_VALUE = (field: string): DocFilter => ({ field, op: 'exists', value: true });
const not = (filter: DocFilter): DocFilter => ({ not: filter });
const lower = (value: string) => value.toLowerCase();
const unique = (values: readonly string[]) => [...new Set(values)];

function compileCondition(condition: FilterCondition, fieldTypes: FieldTypes, now: Date): DocFilter {
  const { field, op } = condition;
  const kind = kindOf(field, fieldTypes);
  const path = documentPath(field);
  const fail = () => new Error(`cannot compile ${field} ${op}: parse the filter with the same field types first`);
  if (kind === undefined) throw fail();
  if (op === 'isSet' || op === 'isNotSet') {
    // A profile text field has its lower-cased copy exactly when it has a value (`withSearchKeys`): the copies are
    // what the indexes hold (`bot_email`, `bot_phone`), so presence is answered there.
    const presencePath = kind === 'text' && customFieldKey(field) === undefined ? searchPathOf(field) : path;
    return { field: presencePath, op: 'exists', value: op === 'isSet' };
  }
  switch (kind) {
    case 'list': {
      const values = field === 'tag' ? unique(strings(condition).map(lower)) : unique(strings(condition));
      const listPath = field === 'tag' ? 'search.tags' : path;
      if (op === 'hasAny') return { field: listPath, op: 'in', value: values };
      if (op === 'hasAll') return { field: listPath, op: 'all', value: values };
      if (op === 'hasNone') return not({ field: listPath, op: 'in', value: values });
      throw fail();
    }
    case 'enum': {
      if (op === 'is') return { field: path, op: 'eq', value: string(condition) };
      if (op === 'isNot') return not({ field: path, op: 'eq', value: string(condition) });
      if (op === 'in') return { field: path, op: 'in', value: unique(strings(condition)) };
      if (op === 'notIn') return not({ field: path, op: 'in', value: unique(strings(condition)) });
      throw fail();
    }
    case 'text': {
      const searchPath = searchPathOf(field);
      const value = lower(string(condition));
      if (op === 'is') return { field: searchPath, op: 'eq', value };
      if (op === 'isNot') return not({ field: searchPath, op: 'eq', value });
      if (op === 'contains') return { field: searchPath, op: 'contains', value };
      if (op === 'notContains') return not({ field: searchPath, op: 'contains', value });
      if (op === 'startsWith') return prefixOf(searchPath, value);
      throw fail();
    }
    case 'instant': {
      // A lower bound on subscribedAt is one on its sort key (`sortSubscribedAt`: the time, or '' before every time),
      // which `bot_subscribedAt` indexes; an upper bound is not ('' would pass it).
      const fromPath = field === 'subscribedAt' ? 'sortSubscribedAt' : path;
      if (op === 'before') return { field: path, op: 'lt', value: isoOf(instantOf(string(condition))) };
      if (op === 'after') return { field: fromPath, op: 'gt', value: isoOf(instantOf(string(condition))) };
      if (op === 'withinLast' || op === 'notWithinLast') {
        const since = sinceOf(condition, now);
        const within = Number.isNaN(since) ? ANY_VALUE(path) : { field: fromPath, op: 'gte' as const, value: isoOf(since) };
        return op === 'withinLast' ? within : not(within);
      }
      throw fail();
    }
    case 'date': {
      if (op === 'on') return { field: path, op: 'eq', value: string(condition) };
      // midnight(d) < t  ⇔  d < the first day starting at or after t;  midnight(d) > t  ⇔  d > the day holding t.
      if (op === 'before') return dayBefore(path, ceilDay(instantOf(string(condition))));
      if (op === 'after') return { field: path, op: 'gt', value: dayOf(instantOf(string(condition))) };
      if (op === 'withinLast' || op === 'notWithinLast') {
        const since = sinceOf(condition, now);
        const within = Number.isNaN(since) ? ANY_VALUE(path) : { field: path, op: 'gte' as const, value: dayOf(ceilDay(since)) };
        return op === 'withinLast' ? within : not(within);
      }
      throw fail();
    }
    case 'number': {
      const value = number(condition);
      if (op === 'eq') return { field: path, op: 'eq', value };
      if (op === 'neq') return not({ field: path, op: 'eq', value });
      if (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') return { field: path, op, value };
      throw fail();
    }
    case 'boolean': {
      if (op === 'isTrue') return { field: path, op: 'eq', value: true };
      if (op === 'isFalse') return { field: path, op: 'eq', value: false };
      throw fail();
    }
    default:
      throw fail();
  }
}

/** Where a field's value lives in the document. */
function documentPath(field: string): string {
  if (field === 'tag') return 'tags';
  if (field === 'sequence') return 'sequences';
  if (field === 'otnTopic') return 'otnTopics';
  return field;
}

/** Where a text field's lower-cased copy lives (`withSearchKeys`). */
function searchPathOf(field: string): string {
  const key = customFieldKey(field);
  return key === undefined ? `search.${field}` : `search.text.${key}`;
}

const DAY = 24 * 60 * 60 * 1000;
const YEAR_10000 = Date.UTC(10_000, 0, 1);
const YEAR_0 = new Date(0).setUTCFullYear(0, 0, 1);

/** Milliseconds of a validated filter time; a date alone is midnight UTC (ECMAScript parses it so). */
const instantOf = (value: string) => Date.parse(value);
const isoOf = (ms: number) => new Date(ms).toISOString();
/** The UTC day holding the instant. */
const dayOf = (ms: number) => isoOf(ms).slice(0, 10);
/** The first midnight UTC at or after the instant. */
const ceilDay = (ms: number) => Math.ceil(ms / DAY) * DAY;

/** `value < day`, where a day past the year 9999 is after every date a field can hold. */
function dayBefore(path: string, dayStart: number): DocFilter {
  return dayStart >= YEAR_10000 ? ANY_VALUE(path) : { field: path, op: 'lt', value: dayOf(dayStart) };
}

/** now − duration in milliseconds; NaN when it lies before the year 0 (every stored time is then after it). */
function sinceOf(condition: FilterCondition, now: Date): number {
  const duration = parseDuration(string(condition));
  if (!duration) throw new Error(`${condition.field} ${condition.op}: not a duration; parse the filter first`);
  const since = subtractDuration(now, duration).getTime();
  return since >= YEAR_0 ? since : Number.NaN;
}

function string(condition: FilterCondition): string {
  if (typeof condition.value !== 'string') throw new Error(`${condition.field} ${condition.op}: expected a string value; parse the filter first`);
  return condition.value;
}

function strings(condition: FilterCondition): readonly string[] {
  if (!Array.isArray(condition.value)) throw new Error(`${condition.field} ${condition.op}: expected a list of strings; parse the filter first`);
  return condition.value as readonly string[];
}

function number(condition: FilterCondition): number {
  if (typeof condition.value !== 'number') throw new Error(`${condition.field} ${condition.op}: expected a number; parse the filter first`);
  return condition.value;
}

/**
 * `startsWith` on a lower-cased copy. For a non-empty ASCII prefix it is the range [p, p with its last character + 1)
 * instead, on `sortName` for names (the indexed copy of `search.name`, '' without a name): on a lower-cased value the
 * two are the same test — a case-insensitive match of an ASCII pattern is a plain prefix match there (JavaScript
 * never folds a non-ASCII character onto an ASCII one, and the copy holds no upper-case ASCII), and a string lies in
 * that range exactly when it starts with p (in UTF-16 and in UTF-8 byte order alike). So the indexes answer it
 * exactly: a count is the range's keys, with no document read (MongoDB: index bounds instead of a case-insensitive
 * regex, which reads every key).
 */
function prefixOf(searchPath: string, value: string): DocFilter {
  if (value === '' || !/^[\x00-\x7e]*$/.test(value)) return { field: searchPath, op: 'startsWith', value };
  const rangeField = searchPath === 'search.name' ? 'sortName' : searchPath;
  const upper = value.slice(0, -1) + String.fromCharCode(value.charCodeAt(value.length - 1) + 1);
  return { and: [{ field: rangeField, op: 'gte', value }, { field: rangeField, op: 'lt', value: upper }] };
}
