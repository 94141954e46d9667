import type { DocFilter } from '../port';
import { textPattern } from './regex';
import { assertValidFilter } from './validate-filter';

export type MongoQuery = Record<string, unknown>;

/** MongoDB rejects `$or: []`; an empty `$nor` operand is the always-true `{}`, so this matches nothing. */
const MATCH_NOTHING: MongoQuery = { $nor: [{}] };

/**
 * Translates a filter into a MongoDB query document. The result is plain data, so it also runs in an in-memory
 * engine (mingo) as the oracle the embedded predicate is checked against.
 */
export function toMongoQuery(filter: DocFilter): MongoQuery {
  assertValidFilter(filter);
  return translate(filter);
}

function translate(filter: DocFilter): MongoQuery {
  if ('and' in filter) {
    if (filter.and.length === 0) return {};
    return filter.and.length === 1 ? translate(filter.and[0]!) : { $and: filter.and.map(translate) };
  }
  if ('or' in filter) {
    if (filter.or.length === 0) return { ...MATCH_NOTHING };
    return filter.or.length === 1 ? translate(filter.or[0]!) : { $or: filter.or.map(translate) };
  }
  if ('not' in filter) return { $nor: [translate(filter.not)] };
  const { field } = filter;
  switch (filter.op) {
    case 'eq':
      return { [field]: { $eq: filter.value } };
    case 'in':
      return { [field]: { $in: [...filter.value] } };
    case 'all':
      return { [field]: { $all: [...filter.value] } };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { [field]: { [`$${filter.op}`]: filter.value } };
    case 'exists':
      // Missing and null alike, as the port defines it (MongoDB's own $exists tells them apart).
      return { [field]: filter.value ? { $ne: null } : { $eq: null } };
    case 'contains':
    case 'startsWith':
      return { [field]: { $regex: textPattern(filter.op, filter.value), $options: 'i' } };
    default: {
      const unknown: never = filter;
      throw new Error(`unhandled filter condition ${JSON.stringify(unknown)}`);
    }
  }
}
