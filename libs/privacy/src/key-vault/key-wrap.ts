import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { deriveSecret } from '../derive-secret';
import { KeyUnwrapError } from '../errors';

export const DATA_KEY_BYTES = 32;
const FORMAT_V1 = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The two secrets a vault derives from the master key: one wraps data keys, one proves which master is in use. */
export interface VaultSecrets {
  readonly wrappingKey: Uint8Array;
  readonly masterKeyCheck: Uint8Array;
}

export function vaultSecrets(masterKey: Uint8Array): VaultSecrets {
  if (masterKey.length !== 32) throw new RangeError(`the master key must be 32 bytes, got ${masterKey.length}`);
  return {
    wrappingKey: deriveSecret(masterKey, 'key-vault/wrap/v1'),
    masterKeyCheck: deriveSecret(masterKey, 'key-vault/check/v1'),
  };
}

export function sameMasterKeyCheck(stored: Uint8Array, expected: Uint8Array): boolean {
  return stored.length === expected.length && timingSafeEqual(stored, expected);
}

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

// The subject id is authenticated data, so a wrapped key copied onto another subject's row does not unwrap.
const aad = (subjectId: string) => Buffer.from(`roster/data-key/v1\0${subjectId}`, 'utf8');

/** `version (1) | iv (12) | tag (16) | wrapped key (32)` */
export function wrapDataKey(wrappingKey: Uint8Array, subjectId: string, dataKey: Uint8Array): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', wrappingKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(subjectId));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT_V1), iv, cipher.getAuthTag(), body]);
}

export function unwrapDataKey(wrappingKey: Uint8Array, subjectId: string, wrapped: Uint8Array): Buffer {
  const bytes = Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength);
  if (bytes.length !== 1 + IV_BYTES + TAG_BYTES + DATA_KEY_BYTES || bytes[0] !== FORMAT_V1) {
    throw new KeyUnwrapError(subjectId);
  }
  const iv = bytes.subarray(1, 1 + IV_BYTES);
  const tag = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', wrappingKey, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(subjectId));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new KeyUnwrapError(subjectId);
  }
}
