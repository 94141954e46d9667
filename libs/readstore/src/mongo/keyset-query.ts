import type { Keyset } from '../cursor';
import type { MongoQuery } from '../filter/to-mongo-query';
import type { SortSpec } from '../port';

/**
 * The MongoDB sort of a page. Ties are broken by the stored `id` field (equal to `_id`) rather than `_id`, so that a
 * declared index ending in `id` (e.g. botId, lastInteractionAt, id) can serve whole pages in index order.
 */
export function sortDocument(sort: SortSpec): Record<string, 1 | -1> {
  const direction = sort.order === 'asc' ? 1 : -1;
  return sort.field === 'id' ? { _id: direction } : { [sort.field]: direction, id: direction };
}

/**
 * Documents strictly after `after` in the page order. MongoDB compares only values of one type in a range query,
 * so the types that sort wholly beyond the last value's type (null < numbers < strings) are added explicitly.
 */
export function afterKeyset(sort: SortSpec, after: Keyset): MongoQuery {
  const beyond = sort.order === 'asc' ? '$gt' : '$lt';
  if (sort.field === 'id') return { _id: { [beyond]: after.id } };
  const field = sort.field;
  const clauses: MongoQuery[] = [];
  if (after.value !== null) clauses.push({ [field]: { [beyond]: after.value } });
  clauses.push({ [field]: { $eq: after.value }, id: { [beyond]: after.id } });
  clauses.push(...laterTypes(field, after.value, sort.order));
  return { $or: clauses };
}

function laterTypes(field: string, value: Keyset['value'], order: SortSpec['order']): MongoQuery[] {
  const rank = value === null ? 0 : typeof value === 'number' ? 1 : 2;
  if (order === 'asc') {
    if (rank === 0) return [{ [field]: { $type: ['number', 'string'] } }];
    return rank === 1 ? [{ [field]: { $type: 'string' } }] : [];
  }
  if (rank === 2) return [{ [field]: { $type: 'number' } }, { [field]: { $eq: null } }];
  return rank === 1 ? [{ [field]: { $eq: null } }] : [];
}
