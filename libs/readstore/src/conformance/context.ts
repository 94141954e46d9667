import { randomUUID } from 'node:crypto';
import type { Collection, Doc, FindQuery, ReadStore } from '../port';

/** What each group of conformance tests gets: the store under test and a fresh, uniquely named collection. */
export interface ConformanceContext {
  readonly store: () => ReadStore;
  /** A collection no other test (or earlier run on a shared server) has used. */
  readonly fresh: <T extends Doc = Doc>() => Collection<T>;
}

export function conformanceContext(makeStore: () => Promise<ReadStore>): ConformanceContext {
  const run = randomUUID().slice(0, 8);
  let store: ReadStore | undefined;
  let created = 0;
  const used: Collection<Doc>[] = [];

  beforeAll(async () => {
    store = await makeStore();
  });

  afterAll(async () => {
    await Promise.all(used.map((collection) => collection.clear()));
    await store?.close();
  });

  const current = (): ReadStore => {
    if (!store) throw new Error('the read store is not open yet');
    return store;
  };
  return {
    store: current,
    fresh: <T extends Doc = Doc>() => {
      const collection = current().collection<T>(`conformance_${run}_${++created}`);
      used.push(collection as unknown as Collection<Doc>);
      return collection;
    },
  };
}

export async function seed<T extends Doc>(collection: Collection<T>, docs: readonly T[], position = 1n): Promise<void> {
  for (const doc of docs) expect(await collection.upsert(doc, position)).toBe(true);
}

export function idsOf(docs: readonly Doc[]): string[] {
  return docs.map((doc) => doc.id);
}

/** Follows `nextCursor` to the end; `between` runs before each page after the first (to change data mid-walk). */
export async function walk<T extends Doc>(
  collection: Collection<T>,
  query: FindQuery,
  between: (pageIndex: number, seenSoFar: readonly T[]) => Promise<void> = async () => {},
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    if (pages > 0) await between(pages, items);
    const page = await collection.find({ ...query, cursor });
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    items.push(...page.items);
    if (page.nextCursor === null) return { items, pages };
    expect(page.items).toHaveLength(query.limit);
    if (pages > 10_000) throw new Error('pagination does not terminate');
    cursor = page.nextCursor;
  }
}
