import { leafScalars, splitPath, type FieldPath } from '../filter/paths';
import type { Doc } from '../port';
import type { Entry } from './entry';

export type IndexKey = string | number | boolean;

const EMPTY: ReadonlySet<never> = new Set();

/** Documents by each value of one field: the first field of a declared index, which queries pin with `eq`. */
export class EqualityIndex<T extends Doc> {
  private readonly path: FieldPath;
  private readonly buckets = new Map<IndexKey, Set<Entry<T>>>();

  constructor(readonly field: string) {
    this.path = splitPath(field);
  }

  add(entry: Entry<T>): void {
    for (const key of leafScalars(entry.doc, this.path)) {
      let bucket = this.buckets.get(key);
      if (!bucket) this.buckets.set(key, (bucket = new Set()));
      bucket.add(entry);
    }
  }

  remove(entry: Entry<T>): void {
    for (const key of leafScalars(entry.doc, this.path)) {
      const bucket = this.buckets.get(key);
      bucket?.delete(entry);
      if (bucket?.size === 0) this.buckets.delete(key);
    }
  }

  lookup(key: IndexKey): ReadonlySet<Entry<T>> {
    return this.buckets.get(key) ?? EMPTY;
  }

  clear(): void {
    this.buckets.clear();
  }
}
