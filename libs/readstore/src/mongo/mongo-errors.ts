import { MongoError, MongoServerError } from 'mongodb';
import { UniqueIndexViolationError } from '../errors';
import { DeadlineExceededError, ReadStoreError } from '../port';

/**
 * Translates driver errors at the adapter edge. Server messages can quote document values (a duplicate key
 * message quotes the key), so only the code travels on; client-side errors (network, timeouts) keep their cause.
 */
export function toReadStoreError(error: unknown, operation: string, collection: string): ReadStoreError {
  if (error instanceof ReadStoreError) return error;
  if (isDuplicateKey(error) && !isIdConflict(error)) return new UniqueIndexViolationError(duplicateIndexName(error));
  // MaxTimeMSExpired: an operation given the caller's deadline (`count`) ran past it.
  if (error instanceof MongoServerError && error.code === 50) return new DeadlineExceededError();
  const where = `MongoDB ${operation} on collection "${collection}" failed`;
  if (error instanceof MongoServerError) {
    const codeName = error.codeName ? ` ${error.codeName}` : '';
    return new ReadStoreError(`${where} (code ${String(error.code)}${codeName})`);
  }
  return new ReadStoreError(where, { cause: error });
}

export function isDuplicateKey(error: unknown): error is MongoServerError {
  return error instanceof MongoError && error.code === 11000;
}

/** A duplicate `_id`: the guarded upsert found no older document to replace, and the insert collided. */
export function isIdConflict(error: MongoServerError): boolean {
  const keyPattern: unknown = error.keyPattern;
  if (typeof keyPattern === 'object' && keyPattern !== null) {
    const fields = Object.keys(keyPattern);
    return fields.length === 1 && fields[0] === '_id';
  }
  return duplicateIndexName(error) === '_id_';
}

function duplicateIndexName(error: MongoServerError): string {
  return /index: (\S+) dup key/.exec(error.message)?.[1] ?? 'unknown';
}
