/**
 * The read store port: position-guarded documents with filter, sort and keyset pagination.
 * Every adapter (embedded in-process, MongoDB) passes `conformance.ts`.
 */

export type Scalar = string | number | boolean | null;
export type DocValue = Scalar | DocValue[] | { [key: string]: DocValue };
/** A stored document. `id` is the key; field names must not start with `_` (reserved for the store). */
export type Doc = { id: string } & { [key: string]: DocValue };

/**
 * A store-neutral filter. Field paths are dotted (`fields.email`). Semantics follow MongoDB's, which the MongoDB
 * adapter uses directly and the embedded adapter reproduces:
 * - `eq`/`in`/`gt`.. on an array field match when any element matches;
 * - `exists: false` matches a missing field or a null value; `exists: true` neither;
 * - `not` matches everything its operand does not, documents lacking the field included;
 * - range ops compare only values of the same JS type (string with string, number with number).
 */
export type DocFilter =
  | { readonly and: readonly DocFilter[] }
  | { readonly or: readonly DocFilter[] }
  | { readonly not: DocFilter }
  | { readonly field: string; readonly op: 'eq'; readonly value: Scalar }
  | { readonly field: string; readonly op: 'in'; readonly value: readonly Scalar[] }
  | { readonly field: string; readonly op: 'gt' | 'gte' | 'lt' | 'lte'; readonly value: string | number }
  | { readonly field: string; readonly op: 'exists'; readonly value: boolean }
  /** Case-insensitive substring or prefix match on string values. */
  | { readonly field: string; readonly op: 'contains' | 'startsWith'; readonly value: string }
  /** Array field holds every one of the values. */
  | { readonly field: string; readonly op: 'all'; readonly value: readonly Scalar[] };

export interface SortSpec {
  /**
   * A field present on every document of the collection with a string or number value (projections ensure it).
   * Otherwise MongoDB's order applies: missing and null first, then numbers, then strings (by code point).
   */
  readonly field: string;
  readonly order: 'asc' | 'desc';
}

export interface FindQuery {
  readonly filter?: DocFilter;
  /** Ties are broken by `id` in the same direction. Default: id ascending. */
  readonly sort?: SortSpec;
  readonly limit: number;
  /**
   * Opaque cursor from a previous page's `nextCursor` (same filter and sort, any limit; another query's cursor is
   * an `InvalidCursorError`). Keyset pagination: a walk returns every document that matches throughout exactly
   * once, however others are inserted, changed or deleted meanwhile, provided its own sort value stays put; one
   * whose sort value moves during the walk can be missed or seen twice.
   */
  readonly cursor?: string;
  /**
   * Start strictly after this keyset instead of a cursor (mutually exclusive with `cursor`): documents whose
   * (sort value, id) comes after (`value`, `id`) in the sort's direction, ties on the value broken by id. For callers
   * that keep their own keyset (e.g. a walk with its own cursor format); the page's `nextCursor` is as usual.
   */
  readonly after?: KeysetStart;
  /**
   * Only these top-level fields (and `id`) in the returned documents; filter, sort and cursors still see whole
   * documents. For callers that show a summary of large documents: the store copies (embedded) or sends (MongoDB)
   * less. Names are top-level field names (no dots, no `$`).
   */
  readonly fields?: readonly string[];
}

/** A position in a sort: a sort value (as `SortSpec` orders them) and the id that breaks ties. */
export interface KeysetStart {
  readonly value: string | number | null;
  readonly id: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

/** Index declaration: fields in order with direction. Embedded adapters may use them; MongoDB creates them. */
export interface IndexSpec {
  readonly name: string;
  readonly fields: readonly (readonly [string, 1 | -1])[];
  readonly unique?: boolean;
}

export interface Collection<T extends Doc> {
  readonly name: string;
  ensureIndexes(indexes: readonly IndexSpec[]): Promise<void>;
  get(id: string): Promise<T | undefined>;
  /**
   * The document for a caller that derives its next version and writes that back with `upsert` (a projection): it
   * must never be changed in place — build the next version by copying what changes and keeping the rest. The
   * embedded store hands out its own object (no copy), and its `upsert` keeps the parts of the next version that are
   * still the very objects it handed out instead of copying them again. MongoDB reads a fresh document, as `get` does.
   */
  getForUpdate(id: string): Promise<Readonly<T> | undefined>;
  /** Position of the event that last wrote this document (undefined if none); a tombstone's position counts. */
  positionOf(id: string): Promise<bigint | undefined>;
  /**
   * Writes `doc` (replacing it whole) only if the stored document was written at a lower position, or does not
   * exist. Returns true when written. A replayed or duplicated event never moves a document backwards.
   */
  upsert(doc: T, position: bigint): Promise<boolean>;
  /**
   * Deletes the document; with a position, leaves a tombstone so that older events cannot recreate it (and does
   * nothing if the document was written at that position or later). Without one, an earlier tombstone stays.
   */
  delete(id: string, position?: bigint): Promise<void>;
  find(query: FindQuery): Promise<Page<T>>;
  /** Rejects with `DeadlineExceededError` once `options.deadline` has passed (before or while counting). */
  count(filter?: DocFilter, options?: CountOptions): Promise<number>;
  /**
   * Whether some document matches `filter`: stops at the first (a count through an index's keys in the embedded
   * store; `countDocuments` with `limit: 1` in MongoDB), where `count` would count them all.
   */
  exists(filter: DocFilter): Promise<boolean>;
  /** Removes every document and tombstone (used before a projection rebuild). */
  clear(): Promise<void>;
}

export interface ReadStore {
  collection<T extends Doc>(name: string): Collection<T>;
  /**
   * True when the store keeps nothing across restarts (the embedded store): projections then rebuild from the
   * event store's beginning at start.
   */
  readonly ephemeral: boolean;
  close(): Promise<void>;
}

export class ReadStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** How long a count may take: the caller's deadline, so that nobody counts on for a caller who gave up. */
export interface CountOptions {
  /** Epoch milliseconds after which the count is abandoned (e.g. when the request's caller stops waiting). */
  readonly deadline?: number;
}

/** A count ran past its caller's deadline and was abandoned. */
export class DeadlineExceededError extends ReadStoreError {
  constructor() {
    super('the count was abandoned: its deadline passed');
  }
}

export class InvalidCursorError extends ReadStoreError {
  constructor() {
    super('the cursor is not valid for this query');
  }
}
