import { UniqueIndexViolationError } from '../errors';
import type { Doc, DocFilter, IndexSpec } from '../port';
import { idsOf, seed, walk, type ConformanceContext } from './context';

const BY_BOT: IndexSpec = { name: 'bot_seen', fields: [['botId', 1], ['seen', -1], ['id', -1]] };
const PHONE: IndexSpec = { name: 'bot_phone', fields: [['botId', 1], ['phone', 1]], unique: true };

export function indexTests(ctx: ConformanceContext): void {
  describe('indexes', () => {
    it('answers the same with declared indexes, before and after later writes', async () => {
      const users = ctx.fresh();
      const docs: Doc[] = Array.from({ length: 40 }, (_, i) => ({
        id: `u${String(i).padStart(2, '0')}`,
        botId: ['a', 'b', 'c'][i % 3]!,
        seen: `2024-01-${String(1 + (i % 9)).padStart(2, '0')}`,
        tags: i % 2 ? ['odd', `t${i % 5}`] : [`t${i % 5}`],
      }));
      await seed(users, docs.slice(0, 20));
      await users.ensureIndexes([BY_BOT, { name: 'tags', fields: [['tags', 1]] }]);
      await users.ensureIndexes([BY_BOT]);
      await seed(users, docs.slice(20));
      await users.upsert({ ...docs[0]!, botId: 'b' }, 2n);
      await users.delete(docs[3]!.id, 2n);
      const current = docs.map((d, i) => (i === 0 ? { ...d, botId: 'b' } : d)).filter((_, i) => i !== 3);

      const filters: DocFilter[] = [
        { field: 'botId', op: 'eq', value: 'b' },
        { and: [{ field: 'botId', op: 'eq', value: 'a' }, { field: 'tags', op: 'eq', value: 'odd' }] },
        { field: 'botId', op: 'in', value: ['a', 'c'] },
        { field: 'tags', op: 'all', value: ['odd', 't1'] },
        { and: [{ field: 'tags', op: 'in', value: ['t1', 't2', 'odd'] }, { not: { field: 'botId', op: 'eq', value: 'c' } }] },
        { field: 'botId', op: 'eq', value: 'missing' },
        // Ranges an index holds exactly (the embedded store counts and tests them by its keys).
        { and: [{ field: 'botId', op: 'eq', value: 'c' }, { field: 'seen', op: 'gt', value: '2024-01-07' }] },
        { and: [{ field: 'botId', op: 'eq', value: 'a' }, { field: 'seen', op: 'gt', value: '2024-01-09' }] },
      ];
      const matches: Record<string, (d: Doc) => boolean> = {
        0: (d) => d.botId === 'b',
        1: (d) => d.botId === 'a' && (d.tags as string[]).includes('odd'),
        2: (d) => d.botId === 'a' || d.botId === 'c',
        3: (d) => (d.tags as string[]).includes('odd') && (d.tags as string[]).includes('t1'),
        4: (d) => (d.tags as string[]).some((t) => ['t1', 't2', 'odd'].includes(t)) && d.botId !== 'c',
        5: () => false,
        6: (d) => d.botId === 'c' && (d.seen as string) > '2024-01-07',
        7: () => false,
      };
      for (const [i, filter] of filters.entries()) {
        const expected = current.filter(matches[i]!).map((d) => d.id).sort();
        const { items } = await walk(users, { filter, limit: 4 });
        expect(idsOf(items)).toEqual(expected);
        expect(await users.count(filter)).toBe(expected.length);
        expect(await users.exists(filter)).toBe(expected.length > 0);
      }
    });

    it('enforces a unique index and ignores deleted documents in it', async () => {
      const users = ctx.fresh();
      await users.ensureIndexes([PHONE]);
      await users.upsert({ id: 'u1', botId: 'b', phone: '+31600000001' }, 1n);
      await expect(users.upsert({ id: 'u2', botId: 'b', phone: '+31600000001' }, 2n)).rejects.toBeInstanceOf(
        UniqueIndexViolationError,
      );
      expect(await users.get('u2')).toBeUndefined();
      expect(await users.upsert({ id: 'u3', botId: 'other', phone: '+31600000001' }, 3n)).toBe(true);
      expect(await users.upsert({ id: 'u1', botId: 'b', phone: '+31600000001', name: 'x' }, 4n)).toBe(true);
      await users.delete('u1', 5n);
      expect(await users.upsert({ id: 'u2', botId: 'b', phone: '+31600000001' }, 6n)).toBe(true);
    });

    it('refuses a unique index that existing documents violate', async () => {
      const users = ctx.fresh();
      await seed(users, [{ id: 'a', botId: 'b', phone: '1' }, { id: 'b', botId: 'b', phone: '1' }]);
      await expect(users.ensureIndexes([PHONE])).rejects.toThrow();
      expect(await users.upsert({ id: 'c', botId: 'b', phone: '1' }, 1n)).toBe(true);
    });
  });
}
