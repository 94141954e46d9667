import { InvalidCursorError, ReadStoreError, type Collection, type Doc, type DocFilter, type SortSpec } from '../port';
import { idsOf, seed, walk, type ConformanceContext } from './context';

/** 23 users over two bots; `seen` repeats values so that ties are broken by id. */
function population(): Doc[] {
  return Array.from({ length: 23 }, (_, i) => ({
    id: `u${String((i * 7) % 23).padStart(2, '0')}`,
    botId: i % 4 === 3 ? 'other' : 'bot',
    seen: `2024-05-${String(1 + (i % 5)).padStart(2, '0')}T00:00:00Z`,
    score: (i * 5) % 9,
  }));
}

/** The expected order, computed independently of the adapters: by value, then id, both in the given direction. */
function expectedOrder(docs: readonly Doc[], sort: SortSpec, keep: (doc: Doc) => boolean): string[] {
  const sign = sort.order === 'asc' ? 1 : -1;
  const value = (doc: Doc) => doc[sort.field] as string | number;
  return docs
    .filter(keep)
    .sort((a, b) => sign * (value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((doc) => doc.id);
}

const BOT: DocFilter = { field: 'botId', op: 'eq', value: 'bot' };
const isBot = (doc: Doc) => doc.botId === 'bot';

export function pagingTests(ctx: ConformanceContext): void {
  describe('sort and pagination', () => {
    let users: Collection<Doc>;
    const docs = population();

    beforeAll(async () => {
      users = ctx.fresh();
      await seed(users, docs);
    });

    it('sorts by id ascending by default', async () => {
      const page = await users.find({ limit: 100 });
      expect(idsOf(page.items)).toEqual(docs.map((d) => d.id).sort());
    });

    it.each<SortSpec>([
      { field: 'seen', order: 'asc' },
      { field: 'seen', order: 'desc' },
      { field: 'score', order: 'asc' },
      { field: 'score', order: 'desc' },
      { field: 'id', order: 'desc' },
    ])('sorts by %j with ties broken by id in the same direction', async (sort) => {
      const page = await users.find({ filter: BOT, sort, limit: 100 });
      expect(idsOf(page.items)).toEqual(expectedOrder(docs, sort, isBot));
    });

    it.each([1, 2, 7])('walks every match exactly once, in order, with limit %i', async (limit) => {
      for (const sort of [{ field: 'seen', order: 'desc' }, { field: 'score', order: 'asc' }] as const) {
        const expected = expectedOrder(docs, sort, isBot);
        const { items, pages } = await walk(users, { filter: BOT, sort, limit });
        expect(idsOf(items)).toEqual(expected);
        expect(pages).toBe(Math.max(1, Math.ceil(expected.length / limit)));
      }
    });

    it('walks without filter or sort', async () => {
      const { items } = await walk(users, { limit: 5 });
      expect(idsOf(items)).toEqual(docs.map((d) => d.id).sort());
    });

    it('ends with a null cursor when the last page is exactly full', async () => {
      const matches = expectedOrder(docs, { field: 'id', order: 'asc' }, isBot).length;
      const page = await users.find({ filter: BOT, limit: matches });
      expect(page.items).toHaveLength(matches);
      expect(page.nextCursor).toBeNull();
    });

    it('rejects a limit below 1', async () => {
      await expect(users.find({ limit: 0 })).rejects.toBeInstanceOf(ReadStoreError);
    });

    it('returns only the requested top-level fields and id, while filter, sort and cursors see whole documents', async () => {
      const sort: SortSpec = { field: 'seen', order: 'desc' };
      const filter: DocFilter = { and: [BOT, { field: 'score', op: 'gte', value: 2 }] };
      const whole = await walk(users, { filter, sort, limit: 4 });
      const picked = await walk(users, { filter, sort, limit: 4, fields: ['botId', 'missing'] });
      expect(picked.items).toEqual(whole.items.map((doc) => ({ id: doc.id, botId: doc.botId })));
      expect(picked.pages).toBe(whole.pages);
      const withSortField = await users.find({ filter, sort, limit: 3, fields: ['seen'] });
      expect(withSortField.items).toEqual(whole.items.slice(0, 3).map((doc) => ({ id: doc.id, seen: doc.seen })));
    });

    it.each([[['a.b']], [['']], [['$x']], [['_pos']], ['botId']])('rejects the fields %j', async (fields) => {
      await expect(users.find({ limit: 2, fields: fields as never })).rejects.toBeInstanceOf(ReadStoreError);
    });
  });

  describe('cursors', () => {
    let users: Collection<Doc>;
    const sort: SortSpec = { field: 'seen', order: 'desc' };

    beforeAll(async () => {
      users = ctx.fresh();
      await seed(users, population());
    });

    const firstCursor = async () => (await users.find({ filter: BOT, sort, limit: 2 })).nextCursor!;

    it.each(['garbage', '', '%%%', Buffer.from('{"v":1}').toString('base64url'), Buffer.from('[1,2]').toString('base64url')])(
      'rejects the malformed cursor %j',
      async (cursor) => {
        await expect(users.find({ filter: BOT, sort, limit: 2, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
      },
    );

    it('rejects a cursor from a query with another filter or sort', async () => {
      const cursor = await firstCursor();
      const other: DocFilter = { field: 'botId', op: 'eq', value: 'other' };
      await expect(users.find({ filter: other, sort, limit: 2, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(users.find({ sort, limit: 2, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(users.find({ filter: BOT, sort: { ...sort, order: 'asc' }, limit: 2, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(users.find({ filter: BOT, limit: 2, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('accepts a cursor with another page size, and for an equal filter written with keys in another order', async () => {
      const cursor = await firstCursor();
      const reordered = { value: 'bot', op: 'eq', field: 'botId' } as unknown as DocFilter;
      const a = await users.find({ filter: BOT, sort, limit: 3, cursor });
      const b = await users.find({ filter: reordered, sort, limit: 3, cursor });
      expect(idsOf(b.items)).toEqual(idsOf(a.items));
      expect(a.items).toHaveLength(3);
    });
  });

  describe('an explicit keyset start (after)', () => {
    let users: Collection<Doc>;
    const docs: Doc[] = [
      ...population(),
      { id: 'n1', botId: 'bot' },
      { id: 'n2', botId: 'bot', seen: null },
      { id: 'n3', botId: 'bot', seen: 7 },
    ];
    const sorts: SortSpec[] = [
      { field: 'seen', order: 'asc' },
      { field: 'seen', order: 'desc' },
      { field: 'id', order: 'desc' },
    ];

    beforeAll(async () => {
      users = ctx.fresh();
      await seed(users, docs);
    });

    it.each(sorts)('starts strictly after (value, id) in the direction of %j, null and number values included', async (sort) => {
      const { items: all } = await walk(users, { filter: BOT, sort, limit: 100 });
      for (const [i, doc] of all.entries()) {
        const value = sort.field === 'id' ? doc.id : ((doc[sort.field] as string | number | undefined) ?? null);
        const page = await users.find({ filter: BOT, sort, limit: 4, after: { value, id: doc.id } });
        expect(idsOf(page.items)).toEqual(idsOf(all.slice(i + 1, i + 5)));
        expect(page.nextCursor === null).toBe(i + 5 >= all.length);
      }
    });

    it('continues with the cursor of the page it returns', async () => {
      const sort: SortSpec = { field: 'seen', order: 'desc' };
      const { items: all } = await walk(users, { filter: BOT, sort, limit: 100 });
      const start = all[2]!;
      const page = await users.find({ filter: BOT, sort, limit: 3, after: { value: start.seen as string, id: start.id } });
      const next = await users.find({ filter: BOT, sort, limit: 3, cursor: page.nextCursor! });
      expect(idsOf(next.items)).toEqual(idsOf(all.slice(6, 9)));
    });

    it('between values: a keyset no document has', async () => {
      const page = await users.find({ filter: BOT, sort: { field: 'seen', order: 'asc' }, limit: 100, after: { value: '2024-05-03T00:00:00Z', id: 'zzz' } });
      expect(page.items.every((doc) => typeof doc.seen === 'string' && doc.seen > '2024-05-03T00:00:00Z')).toBe(true);
      expect(page.items.length).toBe(docs.filter((d) => isBot(d) && typeof d.seen === 'string' && d.seen > '2024-05-03T00:00:00Z').length);
    });

    it('is refused together with a cursor, or malformed', async () => {
      const sort: SortSpec = { field: 'seen', order: 'asc' };
      const cursor = (await users.find({ filter: BOT, sort, limit: 2 })).nextCursor!;
      await expect(users.find({ filter: BOT, sort, limit: 2, cursor, after: { value: 'x', id: 'u01' } })).rejects.toBeInstanceOf(ReadStoreError);
      for (const after of [{ value: 'x' }, { value: {}, id: 'u01' }, { value: Number.NaN, id: 'u01' }, { value: 'x', id: 3 }]) {
        await expect(users.find({ filter: BOT, sort, limit: 2, after } as never)).rejects.toBeInstanceOf(ReadStoreError);
      }
    });
  });

  describe('pagination while documents change', () => {
    it('returns every document that matched throughout exactly once', async () => {
      const users = ctx.fresh();
      const docs = population();
      await seed(users, docs, 10n);
      const sort: SortSpec = { field: 'seen', order: 'asc' };
      const deleted = new Set<string>();
      const insertedAhead = new Set<string>();
      let position = 100n;

      const { items } = await walk(users, { filter: BOT, sort, limit: 3 }, async (pageIndex, seen) => {
        const unseen = expectedOrder(docs, sort, isBot).filter((id) => !seen.some((d) => d.id === id) && !deleted.has(id));
        // Delete one document not yet returned, and one already returned.
        if (unseen.length > 1) {
          const victim = unseen[unseen.length - 1]!;
          await users.delete(victim, ++position);
          deleted.add(victim);
        }
        await users.delete(seen[0]!.id, ++position);
        // Change fields that are not the sort key, on seen and unseen documents.
        const stillUnseen = docs.filter((d) => unseen.includes(d.id) && !deleted.has(d.id));
        for (const doc of [seen[seen.length - 1]!, ...stillUnseen.slice(0, 2)]) {
          await users.upsert({ ...doc, touched: pageIndex }, ++position);
        }
        // Insert one document before the cursor (never returned) and one after it (returned once): ids grow, and
        // the value is above every other, so each lands after the cursor.
        const suffix = String(pageIndex).padStart(3, '0');
        await users.upsert({ id: `before-${suffix}`, botId: 'bot', seen: '2024-01-01T00:00:00Z' }, ++position);
        await users.upsert({ id: `after-${suffix}`, botId: 'bot', seen: '2024-12-31T00:00:00Z' }, ++position);
        insertedAhead.add(`after-${suffix}`);
      });

      const returned = idsOf(items);
      expect(new Set(returned).size).toBe(returned.length);
      const throughout = expectedOrder(docs, sort, isBot).filter((id) => !deleted.has(id));
      expect(returned.filter((id) => !id.includes('-'))).toEqual(throughout);
      expect(returned.filter((id) => id.startsWith('before-'))).toEqual([]);
      expect(new Set(returned.filter((id) => id.startsWith('after-')))).toEqual(insertedAhead);
    });
  });
}
