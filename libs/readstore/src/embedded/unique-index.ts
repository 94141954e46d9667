import { leafScalars, splitPath, type FieldPath } from '../filter/paths';
import type { Doc, IndexSpec } from '../port';
import type { Entry } from './entry';
import type { IndexValue } from './index-values';

/**
 * A unique constraint over the tuple of field values, as MongoDB's unique index has it for scalar and
 * array-of-scalar fields: a missing field counts as null, an array contributes each element.
 */
export class UniqueIndex<T extends Doc> {
  private readonly paths: FieldPath[];
  private readonly owners = new Map<string, Entry<T>>();

  constructor(readonly spec: IndexSpec) {
    this.paths = spec.fields.map(([field]) => splitPath(field));
  }

  conflictsWith(doc: T, self: Entry<T> | undefined): boolean {
    return this.keysOf(doc).some((key) => {
      const owner = this.owners.get(key);
      return owner !== undefined && owner !== self;
    });
  }

  add(entry: Entry<T>): void {
    for (const key of this.keysOf(entry.doc)) this.owners.set(key, entry);
  }

  remove(entry: Entry<T>): void {
    for (const key of this.keysOf(entry.doc)) if (this.owners.get(key) === entry) this.owners.delete(key);
  }

  clear(): void {
    this.owners.clear();
  }

  private keysOf(doc: T): string[] {
    let tuples: IndexValue[][] = [[]];
    for (const path of this.paths) {
      const values: IndexValue[] = [...new Set(leafScalars(doc, path))];
      if (values.length === 0) values.push(null);
      tuples = tuples.flatMap((tuple) => values.map((value) => [...tuple, value]));
    }
    return [...new Set(tuples.map((tuple) => JSON.stringify(tuple)))];
  }
}
