import { randomBytes, randomUUID } from 'node:crypto';
import { MasterKeyMismatchError } from './errors';
import { KeyShreddedError, type KeyVault } from './port';

/** One empty store per test; `open` may be called again on it after `close`, to check what survives. */
export interface KeyVaultTestStore {
  open(masterKey: Uint8Array): Promise<KeyVault>;
  dispose(): Promise<void>;
}

export interface KeyVaultConformanceOptions {
  /** False for stores that die with the vault object: the reopen and master key checks do not apply. */
  readonly durable?: boolean;
}

/** The behaviour every `KeyVault` adapter must show; each adapter's spec calls this once. */
export function keyVaultConformance(
  name: string,
  makeVault: () => Promise<KeyVaultTestStore>,
  options: KeyVaultConformanceOptions = {},
): void {
  const durableIt = options.durable === false ? it.skip : it;

  describe(`${name} key vault conformance`, () => {
    const masterKey = randomBytes(32);
    let store: KeyVaultTestStore;
    let vault: KeyVault;
    const subject = () => `user-${randomUUID()}`;

    beforeEach(async () => {
      store = await makeVault();
      vault = await store.open(masterKey);
    });

    afterEach(async () => {
      await vault.close();
      await store.dispose();
    });

    it('creates a 32-byte key on first use and returns the same key afterwards', async () => {
      const id = 'bot-7/ünïcødé user:42';
      const created = await vault.getOrCreateKey(id);
      expect(created).toHaveLength(32);
      expect(Buffer.from(await vault.getOrCreateKey(id))).toEqual(Buffer.from(created));
      expect(Buffer.from((await vault.getKey(id))!)).toEqual(Buffer.from(created));
    });

    it('gives each subject its own key', async () => {
      const [a, b] = [await vault.getOrCreateKey(subject()), await vault.getOrCreateKey(subject())];
      expect(Buffer.from(a)).not.toEqual(Buffer.from(b));
    });

    it('hands the same key to 50 concurrent first callers for one subject', async () => {
      const id = subject();
      const keys = await Promise.all(Array.from({ length: 50 }, () => vault.getOrCreateKey(id)));
      const distinct = new Set(keys.map((key) => Buffer.from(key).toString('hex')));
      expect(distinct.size).toBe(1);
      expect(Buffer.from((await vault.getKey(id))!).toString('hex')).toBe([...distinct][0]);
    });

    it('reads several keys at once, each as getKey would, in the order asked, creating none', async () => {
      const [a, b, erased, never] = [subject(), subject(), subject(), subject()];
      const [keyA, keyB] = [await vault.getOrCreateKey(a), await vault.getOrCreateKey(b)];
      await vault.getOrCreateKey(erased);
      await vault.shred(erased);

      const keys = await vault.getKeys([b, never, a, erased, b]);
      const hex = (key: Uint8Array | undefined) => key && Buffer.from(key).toString('hex');
      expect(keys.map(hex)).toEqual([hex(keyB), undefined, hex(keyA), undefined, hex(keyB)]);
      expect(await vault.getKey(never)).toBeUndefined();
      expect(await vault.getKeys([])).toEqual([]);
    });

    it('knows nothing of a subject that never asked for a key', async () => {
      const id = subject();
      expect(await vault.getKey(id)).toBeUndefined();
      expect(await vault.isShredded(id)).toBe(false);
    });

    it('after shred forgets the key, refuses a new one and remembers the erasure', async () => {
      const [erased, kept] = [subject(), subject()];
      await vault.getOrCreateKey(erased);
      const keptKey = await vault.getOrCreateKey(kept);
      await vault.shred(erased);
      expect(await vault.getKey(erased)).toBeUndefined();
      await expect(vault.getOrCreateKey(erased)).rejects.toBeInstanceOf(KeyShreddedError);
      await expect(vault.getOrCreateKey(erased)).rejects.toMatchObject({ subjectId: erased });
      expect(await vault.isShredded(erased)).toBe(true);
      expect(await vault.isShredded(kept)).toBe(false);
      expect(Buffer.from((await vault.getKey(kept))!)).toEqual(Buffer.from(keptKey));
    });

    it('shreds idempotently, also a subject that never had a key', async () => {
      const [keyed, unkeyed] = [subject(), subject()];
      await vault.getOrCreateKey(keyed);
      for (const id of [keyed, keyed, unkeyed, unkeyed]) await vault.shred(id);
      for (const id of [keyed, unkeyed]) {
        expect(await vault.isShredded(id)).toBe(true);
        await expect(vault.getOrCreateKey(id)).rejects.toBeInstanceOf(KeyShreddedError);
      }
    });

    durableIt('keeps keys and erasures across a reopen', async () => {
      const [kept, erased] = [subject(), subject()];
      const key = await vault.getOrCreateKey(kept);
      await vault.getOrCreateKey(erased);
      await vault.shred(erased);
      await vault.close();
      vault = await store.open(masterKey);
      expect(Buffer.from((await vault.getKey(kept))!)).toEqual(Buffer.from(key));
      expect(await vault.getKey(erased)).toBeUndefined();
      expect(await vault.isShredded(erased)).toBe(true);
    });

    durableIt('refuses to open with another master key, and the right key still opens it', async () => {
      const id = subject();
      const key = await vault.getOrCreateKey(id);
      await vault.close();
      await expect(store.open(randomBytes(32))).rejects.toBeInstanceOf(MasterKeyMismatchError);
      await expect(store.open(randomBytes(32))).rejects.toThrow(/different master key/);
      vault = await store.open(masterKey);
      expect(Buffer.from((await vault.getKey(id))!)).toEqual(Buffer.from(key));
    });
  });
}
