import { UniqueIndexViolationError } from '../errors';
import { assertIndexSpec } from '../index-spec';
import { ReadStoreError, type Doc, type IndexSpec } from '../port';
import type { Entry } from './entry';
import { OrderedIndex, sortStrings } from './ordered-index';
import { UniqueIndex } from './unique-index';

/**
 * The declared indexes of one collection, kept in step with its documents: one ordered index per distinct list of
 * fields (two declarations of the same fields share one; directions do not matter in memory), plus the unique
 * constraints.
 */
export class Indexes<T extends Doc> {
  private readonly declared = new Map<string, IndexSpec>();
  private readonly byFields = new Map<string, OrderedIndex<T>>();
  private readonly unique: UniqueIndex<T>[] = [];

  get ordered(): readonly OrderedIndex<T>[] {
    return [...this.byFields.values()];
  }

  /** Builds new indexes over `existing` documents; throws (changing nothing) if a unique one is violated. */
  declare(specs: readonly IndexSpec[], existing: Iterable<Entry<T>>): void {
    const fresh = specs.filter((spec) => !this.isDeclared(spec));
    const entries = [...existing];
    const uniques = fresh.filter((spec) => spec.unique).map((spec) => new UniqueIndex<T>(spec));
    for (const index of uniques) {
      for (const entry of entries) {
        if (index.conflictsWith(entry.doc, entry)) throw new UniqueIndexViolationError(index.spec.name);
        index.add(entry);
      }
    }
    let byId: Entry<T>[] | undefined;
    for (const spec of fresh) {
      this.declared.set(spec.name, spec);
      const fields = spec.fields.map(([field]) => field);
      const key = JSON.stringify(fields);
      if (this.byFields.has(key)) continue;
      const index = new OrderedIndex<T>(fields);
      index.build((byId ??= sortedById(entries)));
      this.byFields.set(key, index);
    }
    this.unique.push(...uniques);
  }

  assertUnique(doc: T, self: Entry<T> | undefined): void {
    const violated = this.unique.find((index) => index.conflictsWith(doc, self));
    if (violated) throw new UniqueIndexViolationError(violated.spec.name);
  }

  add(entry: Entry<T>): void {
    for (const index of this.byFields.values()) index.add(entry);
    for (const index of this.unique) index.add(entry);
  }

  remove(entry: Entry<T>): void {
    for (const index of this.byFields.values()) index.remove(entry);
    for (const index of this.unique) index.remove(entry);
  }

  /**
   * Replaces the entry's document, re-keying only the indexes whose fields changed: an interaction that moves
   * `lastInteractionAt` touches one index, not all of them. Keys are removed while the entry still holds the old
   * document, because entry-keyed trees read their values from it.
   */
  replace(entry: Entry<T>, doc: T): void {
    const changed: OrderedIndex<T>[] = [];
    for (const index of this.byFields.values()) if (!index.keepsKeys(entry.doc, doc)) changed.push(index);
    for (const index of changed) index.remove(entry);
    for (const index of this.unique) index.remove(entry);
    entry.doc = doc;
    for (const index of changed) index.add(entry);
    for (const index of this.unique) index.add(entry);
  }

  /** Rebuilds every index over `entries` (after a load), bulk-loading the ordered ones. */
  rebuild(entries: readonly Entry<T>[]): void {
    this.clear();
    const byId = sortedById(entries);
    for (const index of this.byFields.values()) index.build(byId);
    for (const index of this.unique) for (const entry of entries) index.add(entry);
  }

  clear(): void {
    for (const index of this.byFields.values()) index.clear();
    for (const index of this.unique) index.clear();
  }

  private isDeclared(spec: IndexSpec): boolean {
    assertIndexSpec(spec);
    const known = this.declared.get(spec.name);
    if (!known) return false;
    if (JSON.stringify([known.fields, !!known.unique]) !== JSON.stringify([spec.fields, !!spec.unique])) {
      throw new ReadStoreError(`index "${spec.name}" already exists with another definition`);
    }
    return true;
  }
}

/** Entries in id order (code point order, as buckets keep them), sorting the ids natively where that agrees. */
function sortedById<T extends Doc>(entries: readonly Entry<T>[]): Entry<T>[] {
  const byId = new Map<string, Entry<T>>();
  for (const entry of entries) byId.set(entry.doc.id, entry);
  return sortStrings([...byId.keys()]).map((id) => byId.get(id)!);
}
