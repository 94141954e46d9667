import { KeyShreddedError, type KeyVault } from '../port';
import { newDataKey } from './key-wrap';

/**
 * A vault that lives in the process, for unit tests of code that encrypts personal data. Keys die with it, so it is
 * never a production choice: `createKeyVault` does not offer it.
 */
export class MemoryKeyVault implements KeyVault {
  private readonly keys = new Map<string, Uint8Array>();
  private readonly shredded = new Set<string>();

  async getOrCreateKey(subjectId: string): Promise<Uint8Array> {
    if (this.shredded.has(subjectId)) throw new KeyShreddedError(subjectId);
    let key = this.keys.get(subjectId);
    if (!key) this.keys.set(subjectId, (key = newDataKey()));
    return Uint8Array.from(key);
  }

  async getKey(subjectId: string): Promise<Uint8Array | undefined> {
    const key = this.keys.get(subjectId);
    return key && Uint8Array.from(key);
  }

  async getKeys(subjectIds: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    return subjectIds.map((id) => {
      const key = this.keys.get(id);
      return key && Uint8Array.from(key);
    });
  }

  async shred(subjectId: string): Promise<void> {
    this.keys.delete(subjectId);
    this.shredded.add(subjectId);
  }

  async isShredded(subjectId: string): Promise<boolean> {
    return this.shredded.has(subjectId);
  }

  async close(): Promise<void> {}
}
