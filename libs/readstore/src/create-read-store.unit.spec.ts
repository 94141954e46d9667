import type { Doc, FindQuery } from './port';
import { createReadStore } from './create-read-store';
import { DEFAULT_COLLECTION_SETTINGS, type EmbeddedCollection } from './embedded/embedded-collection';

/** The embedded store's collection settings reach its collections (ROSTER_READSTORE_SORT_COLUMNS goes this way). */
describe('createReadStore, embedded', () => {
  async function rareTagPageStrategy(sortColumns: boolean | undefined): Promise<string> {
    const store = await createReadStore(sortColumns === undefined ? {} : { collectionSettings: { ...DEFAULT_COLLECTION_SETTINGS, sortColumns } });
    const users = store.collection<Doc>('users') as unknown as EmbeddedCollection<Doc>;
    await users.ensureIndexes([{ name: 'bot_tag', fields: [['bot', 1], ['tag', 1]] }]);
    for (let i = 0; i < 2000; i++) {
      await users.upsert({ id: `u${String(i).padStart(4, '0')}`, bot: 'b1', tag: i % 100 === 0 ? 'rare' : 'common', name: `n${(i * 7919) % 2000}` }, BigInt(i + 1));
    }
    const query: FindQuery = { filter: { and: [{ field: 'bot', op: 'eq', value: 'b1' }, { field: 'tag', op: 'eq', value: 'rare' }] }, sort: { field: 'name', order: 'asc' }, limit: 5 };
    users.explainFind(query); // the first use of a sort field makes its column (at once at this size)
    const { page, stats } = users.explainFind(query);
    expect(page.items.map((d) => d.name)).toEqual(['n0', 'n100', 'n1000', 'n1100', 'n1200']);
    await store.close();
    return stats.strategy;
  }

  it('selects pages through sort columns by default', async () => {
    expect(await rareTagPageStrategy(undefined)).toBe('sets by column');
  });

  it('keeps no sort columns when its settings say so', async () => {
    expect(await rareTagPageStrategy(false)).toBe('sets');
  });
});
