import { UniqueIndexViolationError } from '../errors';
import { assertIndexSpec } from '../index-spec';
import { ReadStoreError, type Doc, type DocFilter, type IndexSpec } from '../port';
import type { Entry } from './entry';
import { EqualityIndex, type IndexKey } from './equality-index';
import { UniqueIndex } from './unique-index';

/** The declared indexes of one collection, kept in step with its documents. */
export class Indexes<T extends Doc> {
  private readonly declared = new Map<string, IndexSpec>();
  private readonly equality = new Map<string, EqualityIndex<T>>();
  private readonly unique: UniqueIndex<T>[] = [];

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
    for (const spec of fresh) {
      this.declared.set(spec.name, spec);
      const field = spec.fields[0]![0];
      if (this.equality.has(field)) continue;
      const index = new EqualityIndex<T>(field);
      for (const entry of entries) index.add(entry);
      this.equality.set(field, index);
    }
    this.unique.push(...uniques);
  }

  assertUnique(doc: T, self: Entry<T> | undefined): void {
    const violated = this.unique.find((index) => index.conflictsWith(doc, self));
    if (violated) throw new UniqueIndexViolationError(violated.spec.name);
  }

  add(entry: Entry<T>): void {
    for (const index of this.equality.values()) index.add(entry);
    for (const index of this.unique) index.add(entry);
  }

  remove(entry: Entry<T>): void {
    for (const index of this.equality.values()) index.remove(entry);
    for (const index of this.unique) index.remove(entry);
  }

  clear(): void {
    for (const index of this.equality.values()) index.clear();
    for (const index of this.unique) index.clear();
  }

  /**
   * The smallest set of documents that can match, from an equality on an indexed field at the top level of the
   * filter; undefined when no index applies (the caller scans). Null equality is never indexed: it matches
   * documents that lack the field.
   */
  candidates(filter: DocFilter | undefined): Iterable<Entry<T>> | undefined {
    let best: { size: number; entries: Iterable<Entry<T>> } | undefined;
    for (const condition of conjuncts(filter)) {
      if (!('field' in condition)) continue;
      const index = this.equality.get(condition.field);
      if (!index) continue;
      const option = pinned(index, condition);
      if (option && (!best || option.size < best.size)) best = option;
    }
    return best?.entries;
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

function pinned<T extends Doc>(
  index: EqualityIndex<T>,
  condition: Extract<DocFilter, { field: string }>,
): { size: number; entries: Iterable<Entry<T>> } | undefined {
  if (condition.op === 'eq') {
    if (condition.value === null) return undefined;
    const bucket = index.lookup(condition.value);
    return { size: bucket.size, entries: bucket };
  }
  if (condition.op === 'all') {
    if (condition.value.length === 0 || condition.value.includes(null)) return undefined;
    const buckets = condition.value.map((value) => index.lookup(value as IndexKey));
    const smallest = buckets.reduce((a, b) => (b.size < a.size ? b : a));
    return { size: smallest.size, entries: smallest };
  }
  if (condition.op === 'in') {
    if (condition.value.includes(null)) return undefined;
    const buckets = condition.value.map((value) => index.lookup(value as IndexKey));
    const size = buckets.reduce((sum, bucket) => sum + bucket.size, 0);
    return { size, entries: buckets.length === 1 ? buckets[0]! : union(buckets) };
  }
  return undefined;
}

/** Lazily, because the planner only estimates sizes and most unions are never walked. */
function* union<E>(buckets: readonly ReadonlySet<E>[]): Iterable<E> {
  const seen = new Set<E>();
  for (const bucket of buckets) {
    for (const entry of bucket) {
      if (seen.has(entry)) continue;
      seen.add(entry);
      yield entry;
    }
  }
}

function* conjuncts(filter: DocFilter | undefined): Iterable<DocFilter> {
  if (!filter) return;
  if ('and' in filter) for (const child of filter.and) yield* conjuncts(child);
  else yield filter;
}
