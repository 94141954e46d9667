import { randomBytes } from 'node:crypto';
import { KeyUnwrapError } from '../errors';
import { newDataKey, unwrapDataKey, vaultSecrets, wrapDataKey } from './key-wrap';

describe('data key wrapping', () => {
  const { wrappingKey } = vaultSecrets(randomBytes(32));
  const dataKey = newDataKey();

  it('unwraps what it wrapped, and the wrapped form does not contain the key', () => {
    const wrapped = wrapDataKey(wrappingKey, 'user-1', dataKey);
    expect(wrapped.includes(dataKey)).toBe(false);
    expect(unwrapDataKey(wrappingKey, 'user-1', wrapped)).toEqual(dataKey);
  });

  it('fails clearly for another subject, another master key or altered bytes', () => {
    const wrapped = wrapDataKey(wrappingKey, 'user-1', dataKey);
    const altered = Buffer.from(wrapped);
    altered[altered.length - 1] ^= 0x80;
    expect(() => unwrapDataKey(wrappingKey, 'user-2', wrapped)).toThrow(KeyUnwrapError);
    expect(() => unwrapDataKey(vaultSecrets(randomBytes(32)).wrappingKey, 'user-1', wrapped)).toThrow(KeyUnwrapError);
    expect(() => unwrapDataKey(wrappingKey, 'user-1', altered)).toThrow(/altered or belongs to another subject/);
    expect(() => unwrapDataKey(wrappingKey, 'user-1', wrapped.subarray(1))).toThrow(KeyUnwrapError);
  });

  it('derives distinct wrapping and check secrets from the master key', () => {
    const master = randomBytes(32);
    const secrets = vaultSecrets(master);
    expect(Buffer.from(secrets.wrappingKey)).not.toEqual(Buffer.from(secrets.masterKeyCheck));
    expect(Buffer.from(secrets.wrappingKey)).not.toEqual(master);
    expect(() => vaultSecrets(randomBytes(31))).toThrow(/32 bytes, got 31/);
  });
});
