import type { Collection as DriverCollection, Filter } from 'mongodb';
import { encodeCursor, keysetOf, queryFingerprint, sortOf, startOf } from '../cursor';
import { assertFields, assertLimit, assertPosition, copyDocument } from '../documents';
import { splitPath, valueReader } from '../filter/paths';
import { toMongoQuery } from '../filter/to-mongo-query';
import { assertIndexSpec } from '../index-spec';
import { DeadlineExceededError, ReadStoreError, type Collection, type CountOptions, type Doc, type DocFilter, type FindQuery, type IndexSpec, type Page } from '../port';
import { afterKeyset, sortDocument } from './keyset-query';
import { isDuplicateKey, isIdConflict, toReadStoreError } from './mongo-errors';
import { decodePosition, encodePosition } from './positions';

/** A document as stored: the caller's fields (with `id`), plus `_id = id`, the writing position and a tombstone flag. */
export interface StoredDoc {
  _id: string;
  _pos: string;
  _deleted: boolean;
  [field: string]: unknown;
}

/**
 * Tombstones are documents with `_deleted: true`. Every query pins `_deleted: false`, and declared indexes are
 * partial on it: tombstones stay out of them (and out of unique constraints), and the planner can use them.
 */
const LIVE = { _deleted: false } as const;
const STORE_FIELDS = { _id: 0, _pos: 0, _deleted: 0 } as const;
/** Bounds retries when concurrent writers keep inserting the same new document between our match and insert. */
const MAX_WRITE_ATTEMPTS = 3;

export class MongoCollection<T extends Doc> implements Collection<T> {
  constructor(
    readonly name: string,
    private readonly driver: DriverCollection<StoredDoc>,
  ) {}

  async ensureIndexes(indexes: readonly IndexSpec[]): Promise<void> {
    indexes.forEach(assertIndexSpec);
    if (indexes.length === 0) return;
    const descriptions = indexes.map((spec) => ({
      name: spec.name,
      key: Object.fromEntries(spec.fields.map(([field, direction]) => [field, direction])),
      unique: spec.unique ?? false,
      partialFilterExpression: LIVE,
    }));
    await this.run('createIndexes', () => this.driver.createIndexes(descriptions));
  }

  async get(id: string): Promise<T | undefined> {
    const found = await this.run('get', () => this.driver.findOne({ _id: id, ...LIVE }, { projection: STORE_FIELDS }));
    return found ? (found as unknown as T) : undefined;
  }

  /** A fresh copy, as `get`: nothing here is shared with the caller. */
  getForUpdate(id: string): Promise<T | undefined> {
    return this.get(id);
  }

  /** Includes the position of a deletion that left a tombstone. */
  async positionOf(id: string): Promise<bigint | undefined> {
    const found = await this.run('positionOf', () => this.driver.findOne({ _id: id }, { projection: { _pos: 1 } }));
    return found?._pos === undefined ? undefined : decodePosition(found._pos);
  }

  async upsert(doc: T, position: bigint): Promise<boolean> {
    assertPosition(position);
    const copy = copyDocument(doc);
    return this.replaceIfOlder(copy.id, { ...copy, _pos: encodePosition(position), _deleted: false }, position);
  }

  /** Without a position, an existing tombstone stays: it still records the latest deletion. */
  async delete(id: string, position?: bigint): Promise<void> {
    if (position === undefined) {
      await this.run('delete', () => this.driver.deleteOne({ _id: id, ...LIVE }));
      return;
    }
    assertPosition(position);
    await this.replaceIfOlder(id, { _pos: encodePosition(position), _deleted: true }, position);
  }

  async find(query: FindQuery): Promise<Page<T>> {
    assertLimit(query.limit);
    assertFields(query.fields);
    const sort = sortOf(query);
    const fingerprint = queryFingerprint(query.filter, sort);
    const after = startOf(query, fingerprint);
    const conditions: Filter<StoredDoc>[] = [];
    if (query.filter) conditions.push(toMongoQuery(query.filter) as Filter<StoredDoc>);
    if (after) conditions.push(afterKeyset(sort, after) as Filter<StoredDoc>);
    const filter: Filter<StoredDoc> = conditions.length > 0 ? { ...LIVE, $and: conditions } : { ...LIVE };
    // With `fields`, the sort field's top-level part comes along for the cursor and is dropped again below.
    const sortTop = splitPath(sort.field)[0]!;
    const projection = query.fields ? { _id: 0, ...Object.fromEntries(['id', sortTop, ...query.fields].map((f) => [f, 1])) } : STORE_FIELDS;
    const options = { projection, sort: sortDocument(sort), limit: query.limit + 1 };
    const found = await this.run('find', () => this.driver.find(filter, options).toArray());
    const items = found.slice(0, query.limit) as unknown as T[];
    const last = items[items.length - 1];
    const readSortValue = valueReader(splitPath(sort.field));
    const nextCursor = found.length > query.limit && last ? encodeCursor(keysetOf(last.id, readSortValue(last)), fingerprint) : null;
    if (query.fields && sortTop !== 'id' && !query.fields.includes(sortTop)) {
      for (const item of items) delete (item as Record<string, unknown>)[sortTop];
    }
    return { items, nextCursor };
  }

  async count(filter?: DocFilter, options: CountOptions = {}): Promise<number> {
    const query = filter ? { ...LIVE, $and: [toMongoQuery(filter) as Filter<StoredDoc>] } : { ...LIVE };
    const left = options.deadline === undefined ? undefined : options.deadline - Date.now();
    if (left !== undefined && left <= 0) throw new DeadlineExceededError();
    // Past `maxTimeMS` the server stops; the driver's MaxTimeMSExpired becomes DeadlineExceededError (mongo-errors).
    return this.run('count', () => this.driver.countDocuments(query, left === undefined ? {} : { maxTimeMS: Math.ceil(left) }));
  }

  async exists(filter: DocFilter): Promise<boolean> {
    const query = { ...LIVE, $and: [toMongoQuery(filter) as Filter<StoredDoc>] };
    return (await this.run('exists', () => this.driver.countDocuments(query, { limit: 1 }))) > 0;
  }

  async clear(): Promise<void> {
    await this.run('clear', () => this.driver.deleteMany({}));
  }

  /**
   * Replaces the stored document only if it was written at a lower position, inserting it if absent. When the
   * guard does not match, the upsert's insert collides on `_id`: either the stored document is as new or newer
   * (not applied), or a concurrent writer inserted it first, which a second attempt resolves.
   */
  private async replaceIfOlder(id: string, replacement: Omit<StoredDoc, '_id'>, position: bigint): Promise<boolean> {
    const guard: Filter<StoredDoc> = {
      _id: id,
      $or: [{ _pos: { $lt: encodePosition(position) } }, { _pos: { $exists: false } }],
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.driver.replaceOne(guard, replacement, { upsert: true });
        return result.matchedCount > 0 || result.upsertedCount > 0;
      } catch (error) {
        if (!isDuplicateKey(error) || !isIdConflict(error)) throw toReadStoreError(error, 'upsert', this.name);
      }
      const latest = await this.positionOf(id);
      if (latest !== undefined && latest >= position) return false;
      if (attempt >= MAX_WRITE_ATTEMPTS) {
        throw new ReadStoreError(`MongoDB upsert on collection "${this.name}" kept racing with concurrent writers`);
      }
    }
  }

  private async run<R>(operation: string, action: () => Promise<R>): Promise<R> {
    try {
      return await action();
    } catch (error) {
      throw toReadStoreError(error, operation, this.name);
    }
  }
}
