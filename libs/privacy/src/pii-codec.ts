import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { PiiDecryptionError } from './errors';
import type { JsonValue } from './json';
import { LruCache } from './lru-cache';
import type { KeyVault } from './port';

/** A personal value as stored in events: `v1.<base64url(iv 12 | tag 16 | ciphertext)>`. */
export interface EncryptedPii {
  readonly $pii: string;
}

export interface PiiCodecOptions {
  /** How many subjects' data keys stay in memory; bulk imports touch each subject a few times in a row. */
  readonly cacheSize?: number;
}

const PREFIX = 'v1.';
const BYTES_PREFIX = 'b1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function isEncryptedPii(value: unknown): value is EncryptedPii {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const pii = (value as { $pii?: unknown }).$pii;
  return keys.length === 1 && typeof pii === 'string' && pii.startsWith(PREFIX);
}

/** Whether `value` is what `PiiCodec.encryptBytes` returns (its format, not that it decrypts). */
export function isEncryptedBytes(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(BYTES_PREFIX);
}

/**
 * Encrypts personal values per data subject (AES-256-GCM, the subject id as associated data, so a ciphertext moved to
 * another subject fails). Keys are cached: after another process shreds a subject, call `forget` (on `UserErased`).
 */
export class PiiCodec {
  private readonly keys: LruCache<string, Uint8Array>;
  // A key load that started before a `forget` must not put the key back into the cache when it completes.
  private forgets = 0;
  private readonly creating = new Map<string, Promise<Uint8Array>>();
  private readonly reading = new Map<string, Promise<Uint8Array | undefined>>();

  constructor(
    private readonly vault: KeyVault,
    options: PiiCodecOptions = {},
  ) {
    this.keys = new LruCache(options.cacheSize ?? 4096);
  }

  /** Throws `KeyShreddedError` for an erased subject: nothing personal is written about them again. */
  async encrypt(subjectId: string, value: JsonValue): Promise<EncryptedPii> {
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) throw new TypeError('only JSON values can be encrypted');
    return { $pii: PREFIX + seal(await this.key(subjectId, true), subjectId, Buffer.from(json, 'utf8')) };
  }

  /** Undefined when the subject's key is shredded or was never made; throws `PiiDecryptionError` on tampering. */
  async decrypt(subjectId: string, value: EncryptedPii): Promise<JsonValue | undefined> {
    if (!isEncryptedPii(value)) throw new PiiDecryptionError('not an encrypted value of a known format');
    const json = await this.open(subjectId, value.$pii.slice(PREFIX.length));
    return json && (JSON.parse(json.toString('utf8')) as JsonValue);
  }

  /**
   * Bytes encrypted like `encrypt`'s values (the same key, AES-256-GCM with the subject id as associated data), as
   * `b1.<base64url(iv 12 | tag 16 | ciphertext)>`: for what a caller has encoded itself (a compressed snapshot), so
   * erasure shreds it like every other personal value. Throws `KeyShreddedError` for an erased subject.
   */
  async encryptBytes(subjectId: string, bytes: Uint8Array): Promise<string> {
    return BYTES_PREFIX + seal(await this.key(subjectId, true), subjectId, bytes);
  }

  /** Undefined when the subject's key is shredded or was never made; throws `PiiDecryptionError` on tampering. */
  async decryptBytes(subjectId: string, sealed: string): Promise<Buffer | undefined> {
    if (!isEncryptedBytes(sealed)) throw new PiiDecryptionError('not encrypted bytes of a known format');
    return this.open(subjectId, sealed.slice(BYTES_PREFIX.length));
  }

  /** The plain bytes of a sealed body (after its prefix); undefined without the subject's key. */
  private async open(subjectId: string, body: string): Promise<Buffer | undefined> {
    const bytes = parse(body);
    const key = await this.key(subjectId, false);
    return key && open(key, subjectId, bytes);
  }

  isEncrypted(value: unknown): value is EncryptedPii {
    return isEncryptedPii(value);
  }

  /**
   * Puts the existing keys of these subjects that are not cached into the cache with one vault read (`getKeys`), so
   * that the encryptions and decryptions of a batch over many subjects find them there instead of each taking the
   * vault alone. Creates no key (a subject without one gets it on its first encryption, as before). Keys read while a
   * `forget` happened are dropped, as in a single load.
   */
  async preload(subjectIds: Iterable<string>): Promise<void> {
    // No more than the cache holds: keys preloaded past that would push out the first ones before their use.
    const missing = [...new Set(subjectIds)].filter((id) => !this.keys.has(id)).slice(0, this.keys.capacity);
    if (missing.length < 2) return;
    const forgetsBefore = this.forgets;
    const keys = await this.vault.getKeys(missing);
    if (this.forgets !== forgetsBefore) return;
    missing.forEach((id, i) => {
      const key = keys[i];
      if (key && !this.keys.has(id)) this.keys.set(id, key);
    });
  }

  /** Drops the cached key, e.g. when another process erased the subject. */
  forget(subjectId: string): void {
    this.forgets += 1;
    this.keys.delete(subjectId);
    this.creating.delete(subjectId);
    this.reading.delete(subjectId);
  }

  async shred(subjectId: string): Promise<void> {
    await this.vault.shred(subjectId);
    this.forget(subjectId);
  }

  private async key(subjectId: string, create: true): Promise<Uint8Array>;
  private async key(subjectId: string, create: false): Promise<Uint8Array | undefined>;
  private async key(subjectId: string, create: boolean): Promise<Uint8Array | undefined> {
    const cached = this.keys.get(subjectId);
    if (cached) return cached;
    // Concurrent first uses of one subject (a batch encrypting many values of one user) share one vault load; a
    // read (which may find no key) is never shared with a creation.
    const loads = create ? this.creating : this.reading;
    const loading = loads.get(subjectId);
    if (loading) return loading;
    const forgetsBefore = this.forgets;
    const promise = (create ? this.vault.getOrCreateKey(subjectId) : this.vault.getKey(subjectId)).then((key) => {
      if (key && this.forgets === forgetsBefore) this.keys.set(subjectId, key);
      return key;
    });
    loads.set(subjectId, promise);
    try {
      return await promise;
    } finally {
      if (loads.get(subjectId) === promise) loads.delete(subjectId);
    }
  }
}

// IVs come from a pool filled by the CSPRNG 4,096 at a time: one randomBytes call per value cost ~3 % of the CPU of
// bench/ingest. Every IV is taken once (the pool is refilled, never reread), and createCipheriv copies it at once.
const IV_POOL = Buffer.alloc(IV_BYTES * 4096);
let ivOffset = IV_POOL.length;

function nextIv(): Buffer {
  if (ivOffset + IV_BYTES > IV_POOL.length) {
    randomFillSync(IV_POOL);
    ivOffset = 0;
  }
  const iv = IV_POOL.subarray(ivOffset, ivOffset + IV_BYTES);
  ivOffset += IV_BYTES;
  return iv;
}

function seal(key: Uint8Array, subjectId: string, plain: Uint8Array): string {
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(subjectId, 'utf8'));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

function open(key: Uint8Array, subjectId: string, bytes: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(subjectId, 'utf8'));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new PiiDecryptionError('the ciphertext was altered or belongs to another subject');
  }
}

function parse(text: string): Buffer {
  if (!BASE64URL.test(text)) throw new PiiDecryptionError('the ciphertext is not base64url');
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) throw new PiiDecryptionError('the ciphertext is truncated');
  return bytes;
}
