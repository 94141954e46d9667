import { KeyShreddedError, type KeyVault } from './port';
import { PiiDecryptionError } from './errors';
import type { JsonValue } from './json';
import { MemoryKeyVault } from './key-vault/memory-key-vault';
import { PiiCodec, isEncryptedBytes, isEncryptedPii, type EncryptedPii } from './pii-codec';

/** Counts the vault calls that reach the store, to see what the codec's key cache absorbs. */
class CountingVault extends MemoryKeyVault {
  readonly loads: string[] = [];
  readonly creations: string[] = [];
  readonly batches: string[][] = [];
  override async getKey(subjectId: string) {
    this.loads.push(subjectId);
    return super.getKey(subjectId);
  }
  override async getKeys(subjectIds: readonly string[]) {
    this.batches.push([...subjectIds]);
    return super.getKeys(subjectIds);
  }
  override async getOrCreateKey(subjectId: string) {
    this.creations.push(subjectId);
    return super.getOrCreateKey(subjectId);
  }
}

const tamper = (value: EncryptedPii, at: number): EncryptedPii => {
  const bytes = Buffer.from(value.$pii.slice(3), 'base64url');
  bytes[at] ^= 0x01;
  return { $pii: `v1.${bytes.toString('base64url')}` };
};

describe('PiiCodec', () => {
  let vault: KeyVault;
  let codec: PiiCodec;
  beforeEach(() => {
    vault = new MemoryKeyVault();
    codec = new PiiCodec(vault);
  });

  it.each<[string, JsonValue]>([
    ['a string', 'Ada Lovelace'],
    ['an empty string', ''],
    ['a number', 1234.5],
    ['a boolean', false],
    ['null', null],
    ['an object', { street: 'Main St 1', tags: ['vip', 42], nested: { ok: true } }],
    ['unicode', 'Zoë 🚀 東京 \u0000 "quoted"'],
  ])('round-trips %s', async (_, value) => {
    const encrypted = await codec.encrypt('user-1', value);
    expect(await codec.decrypt('user-1', encrypted)).toEqual(value);
  });

  it('writes v1 base64url ciphertext with no trace of the plain text, fresh each time', async () => {
    const first = await codec.encrypt('user-1', 'ada@example.com');
    const second = await codec.encrypt('user-1', 'ada@example.com');
    expect(first.$pii).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    const ivTagAndJson = 12 + 16 + JSON.stringify('ada@example.com').length;
    expect(Buffer.from(first.$pii.slice(3), 'base64url').length).toBe(ivTagAndJson);
    expect(JSON.stringify(first)).not.toContain('ada');
    expect(first.$pii).not.toBe(second.$pii);
    expect(isEncryptedPii(first)).toBe(true);
  });

  it('binds a ciphertext to its subject', async () => {
    await vault.getOrCreateKey('user-2');
    const encrypted = await codec.encrypt('user-1', 'secret');
    await expect(codec.decrypt('user-2', encrypted)).rejects.toBeInstanceOf(PiiDecryptionError);
  });

  it('binds a ciphertext to its subject even where two subjects would share a key', async () => {
    const oneKeyForAll: KeyVault = Object.assign(Object.create(vault) as KeyVault, {
      getOrCreateKey: () => vault.getOrCreateKey('shared'),
      getKey: () => vault.getKey('shared'),
    });
    const sharing = new PiiCodec(oneKeyForAll);
    const encrypted = await sharing.encrypt('user-1', 'secret');
    expect(await sharing.decrypt('user-1', encrypted)).toBe('secret');
    await expect(sharing.decrypt('user-2', encrypted)).rejects.toThrow(/belongs to another subject/);
  });

  it.each([
    ['the iv', 0],
    ['the tag', 12],
    ['the ciphertext', 28],
  ])('detects a change to %s', async (_, at) => {
    const encrypted = await codec.encrypt('user-1', 'secret');
    await expect(codec.decrypt('user-1', tamper(encrypted, at))).rejects.toThrow(/altered/);
  });

  it.each([
    ['an unknown version', { $pii: 'v9.AAAA' }],
    ['non-base64url text', { $pii: 'v1.not base64!' }],
    ['a truncated value', { $pii: `v1.${Buffer.alloc(28).toString('base64url')}` }],
  ])('rejects %s', async (_, value) => {
    await codec.encrypt('user-1', 'x');
    await expect(codec.decrypt('user-1', value)).rejects.toBeInstanceOf(PiiDecryptionError);
  });

  describe('bytes', () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0x7b, 0x22]);

    it('round-trips bytes as b1 base64url ciphertext with no trace of the plain bytes, fresh each time', async () => {
      const first = await codec.encryptBytes('user-1', bytes);
      const second = await codec.encryptBytes('user-1', bytes);
      expect(first).toMatch(/^b1\.[A-Za-z0-9_-]+$/);
      expect(Buffer.from(first.slice(3), 'base64url').length).toBe(12 + 16 + bytes.length);
      expect(first).not.toBe(second);
      expect(isEncryptedBytes(first)).toBe(true);
      expect(isEncryptedPii({ $pii: first })).toBe(false);
      expect(await codec.decryptBytes('user-1', first)).toEqual(bytes);
      expect(await codec.decryptBytes('user-1', second)).toEqual(bytes);
    });

    it('binds bytes to their subject and detects a change', async () => {
      await vault.getOrCreateKey('user-2');
      const sealed = await codec.encryptBytes('user-1', bytes);
      await expect(codec.decryptBytes('user-2', sealed)).rejects.toThrow(/belongs to another subject/);
      const altered = Buffer.from(sealed.slice(3), 'base64url');
      altered[30] ^= 0x01;
      await expect(codec.decryptBytes('user-1', `b1.${altered.toString('base64url')}`)).rejects.toThrow(/altered/);
    });

    it('keeps the two formats apart: a value is not bytes and bytes are not a value', async () => {
      const value = await codec.encrypt('user-1', 'secret');
      const sealed = await codec.encryptBytes('user-1', Buffer.from(JSON.stringify('secret')));
      await expect(codec.decryptBytes('user-1', value.$pii)).rejects.toBeInstanceOf(PiiDecryptionError);
      await expect(codec.decrypt('user-1', { $pii: sealed } as EncryptedPii)).rejects.toBeInstanceOf(PiiDecryptionError);
      await expect(codec.decryptBytes('user-1', 'b1.not base64!')).rejects.toBeInstanceOf(PiiDecryptionError);
      await expect(codec.decryptBytes('user-1', `b1.${Buffer.alloc(28).toString('base64url')}`)).rejects.toBeInstanceOf(PiiDecryptionError);
    });

    it('reads nothing for a shredded or unknown subject and refuses to encrypt after shred', async () => {
      const sealed = await codec.encryptBytes('user-1', bytes);
      await codec.shred('user-1');
      expect(await codec.decryptBytes('user-1', sealed)).toBeUndefined();
      expect(await codec.decryptBytes('never-seen', sealed)).toBeUndefined();
      await expect(codec.encryptBytes('user-1', bytes)).rejects.toBeInstanceOf(KeyShreddedError);
    });
  });

  it('reads nothing for a shredded or unknown subject and refuses to encrypt after shred', async () => {
    const encrypted = await codec.encrypt('user-1', 'secret');
    await codec.shred('user-1');
    expect(await codec.decrypt('user-1', encrypted)).toBeUndefined();
    expect(await codec.decrypt('never-seen', encrypted)).toBeUndefined();
    await expect(codec.encrypt('user-1', 'again')).rejects.toBeInstanceOf(KeyShreddedError);
  });

  it('keeps a bounded number of keys, dropping the least recently used', async () => {
    const counting = new CountingVault();
    const cached = new PiiCodec(counting, { cacheSize: 2 });
    const values = new Map<string, EncryptedPii>();
    for (const id of ['a', 'b', 'c']) values.set(id, await new PiiCodec(counting).encrypt(id, id));
    const read = (id: string) => cached.decrypt(id, values.get(id)!);
    await read('a');
    await read('b');
    await read('a');
    await read('c'); // evicts b, the least recently used
    await read('a');
    expect(counting.loads).toEqual(['a', 'b', 'c']);
    await read('b');
    expect(counting.loads).toEqual(['a', 'b', 'c', 'b']);
  });

  it('shares one vault call among concurrent first uses of a subject, and never a read with a creation', async () => {
    const counting = new CountingVault();
    const fresh = new PiiCodec(counting);
    const plain = await new PiiCodec(counting).encrypt('other', 'x');
    counting.creations.length = 0;
    // A read of a subject without a key finds nothing; the encryptions running beside it still get one key.
    const [missing, ...encrypted] = await Promise.all([
      fresh.decrypt('user-9', plain),
      ...Array.from({ length: 20 }, (_, i) => fresh.encrypt('user-9', `value ${i}`)),
    ]);
    expect(missing).toBeUndefined();
    expect(counting.creations).toEqual(['user-9']);
    const values = await Promise.all(encrypted.map((value) => fresh.decrypt('user-9', value as EncryptedPii)));
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => `value ${i}`));
  });

  it('preloads the uncached keys of many subjects with one vault read; their values then need no vault at all', async () => {
    const counting = new CountingVault();
    const writer = new PiiCodec(counting);
    const values = new Map<string, EncryptedPii>();
    for (const id of ['a', 'b', 'c']) values.set(id, await writer.encrypt(id, `secret of ${id}`));
    const reader = new PiiCodec(counting);
    await reader.decrypt('a', values.get('a')!);
    counting.loads.length = 0;
    counting.creations.length = 0;

    await reader.preload(['a', 'b', 'c', 'b', 'never']);
    expect(counting.batches).toEqual([['b', 'c', 'never']]);
    for (const id of ['a', 'b', 'c']) expect(await reader.decrypt(id, values.get(id)!)).toBe(`secret of ${id}`);
    await reader.encrypt('c', 'more');
    expect(counting.loads).toEqual([]);
    expect(counting.creations).toEqual([]);
    // No key was made for a subject without one: its first encryption makes it, as without a preload.
    expect(await counting.getKey('never')).toBeUndefined();
    await reader.encrypt('never', 'first');
    expect(counting.creations).toEqual(['never']);
  });

  it('preloads no more keys than its cache holds', async () => {
    const counting = new CountingVault();
    for (const id of ['a', 'b', 'c']) await new PiiCodec(counting).encrypt(id, id);
    await new PiiCodec(counting, { cacheSize: 2 }).preload(['a', 'b', 'c']);
    expect(counting.batches).toEqual([['a', 'b']]);
  });

  it('keeps no preloaded key when a forget happened during the read, so an erasure is never undone', async () => {
    const encrypted = await new PiiCodec(vault).encrypt('user-1', 'secret');
    await new PiiCodec(vault).encrypt('user-2', 'other');
    let releaseLoad = () => {};
    const gate = new Promise<void>((resolve) => (releaseLoad = resolve));
    const slowVault: KeyVault = Object.assign(Object.create(vault) as KeyVault, {
      getKeys: async (ids: readonly string[]) => {
        const keys = await vault.getKeys(ids); // read before the erasure lands, returned after it
        await gate;
        return keys;
      },
    });
    const slowCodec = new PiiCodec(slowVault);
    const preloading = slowCodec.preload(['user-1', 'user-2']);
    await slowCodec.shred('user-1');
    releaseLoad();
    await preloading;
    expect(await slowCodec.decrypt('user-1', encrypted)).toBeUndefined();
  });

  it('reloads a forgotten key, so an erasure made elsewhere takes effect', async () => {
    const elsewhere = new PiiCodec(vault);
    const encrypted = await codec.encrypt('user-1', 'secret');
    await elsewhere.shred('user-1');
    expect(await codec.decrypt('user-1', encrypted)).toBe('secret'); // still cached here
    codec.forget('user-1');
    expect(await codec.decrypt('user-1', encrypted)).toBeUndefined();
  });

  it('does not cache a key whose load was overtaken by forget', async () => {
    const encrypted = await new PiiCodec(vault).encrypt('user-1', 'secret');
    let releaseLoad = () => {};
    const gate = new Promise<void>((resolve) => (releaseLoad = resolve));
    const slowVault: KeyVault = Object.assign(Object.create(vault) as KeyVault, {
      getKey: async (id: string) => {
        const key = await vault.getKey(id); // read before the erasure lands, returned after it
        await gate;
        return key;
      },
    });
    const slowCodec = new PiiCodec(slowVault);
    const reading = slowCodec.decrypt('user-1', encrypted);
    await slowCodec.shred('user-1');
    releaseLoad();
    expect(await reading).toBe('secret');
    expect(await slowCodec.decrypt('user-1', encrypted)).toBeUndefined();
  });

  it('recognises only its own envelope', () => {
    expect(codec.isEncrypted({ $pii: 'v1.abc' })).toBe(true);
    for (const value of ['v1.abc', null, [], { $pii: 1 }, { $pii: 'v1.abc', extra: 1 }, { $pii: 'plain' }]) {
      expect(codec.isEncrypted(value)).toBe(false);
    }
  });
});
