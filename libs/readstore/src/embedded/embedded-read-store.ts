import { ReadStoreError, type Collection, type Doc, type ReadStore } from '../port';
import { EmbeddedCollection } from './embedded-collection';

/**
 * The in-process read store: documents live in memory only, so projections rebuild it from the event store at
 * start (`ephemeral`). Collections are created on first use and shared by every caller of the same name.
 */
export class EmbeddedReadStore implements ReadStore {
  readonly ephemeral = true;
  private readonly collections = new Map<string, EmbeddedCollection<Doc>>();
  private closed = false;

  collection<T extends Doc>(name: string): Collection<T> {
    if (this.closed) throw new ReadStoreError('the read store is closed');
    if (typeof name !== 'string' || name === '') throw new ReadStoreError('a collection needs a non-empty name');
    let collection = this.collections.get(name);
    if (!collection) this.collections.set(name, (collection = new EmbeddedCollection<Doc>(name)));
    return collection as unknown as Collection<T>;
  }

  /** Drops every document: nothing survives a close, as nothing survives a restart. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.collections.values()].map((collection) => collection.clear()));
    this.collections.clear();
  }
}
