import { LRUCache } from 'lru-cache';

/**
 * Least-recently-used map with a fixed capacity: the `lru-cache` library behind the interface the codec uses. (It
 * was a Map evicting its first key; V8 keeps a deleted Map entry's slot until the table is rebuilt, so every eviction
 * walked the earlier ones — up to ~0.2 ms each at 200k entries.)
 */
export class LruCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>> {
  private readonly entries: LRUCache<K, V>;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`cache capacity must be a whole number ≥ 1, got ${capacity}`);
    }
    this.entries = new LRUCache<K, V>({ max: capacity });
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.set(key, value);
  }

  /** Without making the key recently used. */
  has(key: K): boolean {
    return this.entries.has(key);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
