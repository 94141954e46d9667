import { ReadStoreError } from './port';

/** A write would give two documents the same key in a unique index. Names the index only, never the values. */
export class UniqueIndexViolationError extends ReadStoreError {
  constructor(readonly indexName: string) {
    super(`the write violates unique index "${indexName}"`);
  }
}
