import { MongoServerError } from 'mongodb';
import { DeadlineExceededError, ReadStoreError } from '../port';
import { toReadStoreError } from './mongo-errors';

describe('MongoDB errors at the adapter edge', () => {
  it('turns MaxTimeMSExpired (the caller deadline given as maxTimeMS) into DeadlineExceededError', () => {
    const expired = new MongoServerError({ message: 'operation exceeded time limit', code: 50, codeName: 'MaxTimeMSExpired' });
    expect(toReadStoreError(expired, 'count', 'users')).toBeInstanceOf(DeadlineExceededError);
  });

  it('keeps other server errors as ReadStoreError with their code only', () => {
    const other = new MongoServerError({ message: 'quoted value "ada@example.com"', code: 2, codeName: 'BadValue' });
    const mapped = toReadStoreError(other, 'count', 'users');
    expect(mapped).not.toBeInstanceOf(DeadlineExceededError);
    expect(mapped).toBeInstanceOf(ReadStoreError);
    expect(mapped.message).toBe('MongoDB count on collection "users" failed (code 2 BadValue)');
  });
});
