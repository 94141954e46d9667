import type { Doc } from '../port';
import { EmbeddedCollection } from './embedded-collection';

/**
 * Keyset indexes name `id` after the sort field (`[botId, lastInteractionAt desc, id desc]`, as the user list
 * declares them). A walk through such an index must resume among documents sharing the last page's sort value.
 */
describe('keyset walks through an index that ends with id', () => {
  const ids = Array.from({ length: 20 }, (_, i) => `u${String(i).padStart(2, '0')}`);

  async function collection(order: 1 | -1): Promise<EmbeddedCollection<Doc>> {
    const users = new EmbeddedCollection<Doc>('users');
    await users.ensureIndexes([{ name: 'bot_seen', fields: [['botId', 1], ['seen', order], ['id', order]] }]);
    for (const [i, id] of ids.entries()) await users.upsert({ id, botId: 'b', seen: `day-${i % 3}` }, BigInt(i + 1));
    return users;
  }

  for (const order of ['asc', 'desc'] as const) {
    it(`returns every document once, ties included (${order}, by after and by cursor)`, async () => {
      const users = await collection(order === 'asc' ? 1 : -1);
      const query = { filter: { field: 'botId', op: 'eq', value: 'b' } as const, sort: { field: 'seen', order }, limit: 3 };
      const byAfter: string[] = [];
      let after: { value: string; id: string } | undefined;
      for (;;) {
        const page = await users.find({ ...query, ...(after ? { after } : {}) });
        byAfter.push(...page.items.map((d) => d.id));
        const last = page.items.at(-1);
        if (!page.nextCursor || !last) break;
        after = { value: String(last.seen), id: last.id };
      }
      const byCursor: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await users.find({ ...query, ...(cursor ? { cursor } : {}) });
        byCursor.push(...page.items.map((d) => d.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const expected = [...ids].sort((a, b) => {
        const key = (id: string) => `day-${Number(id.slice(1)) % 3}|${id}`;
        return (order === 'asc' ? 1 : -1) * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
      });
      expect(byAfter).toEqual(expected);
      expect(byCursor).toEqual(expected);
    });
  }
});
