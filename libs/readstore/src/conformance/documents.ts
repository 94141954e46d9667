import { ReadStoreError, type Doc } from '../port';
import { idsOf, seed, type ConformanceContext } from './context';

const RICH: Doc = {
  id: 'user/ü-1',
  name: 'Zoë 李 🚀 مرحبا',
  empty: '',
  count: 42,
  ratio: -0.125,
  big: 2 ** 53 - 1,
  small: -2147483649,
  yes: true,
  no: false,
  nothing: null,
  tags: ['a', 'b', 'a'],
  mixed: [1, 'two', null, false, { three: 3 }, [4, [5]]],
  nested: { deeper: { deepest: { value: 'x', list: [] }, emptyObject: {} } },
};

export function documentTests(ctx: ConformanceContext): void {
  describe('documents', () => {
    it('returns what was written, nested values, numbers, booleans, nulls and unicode included', async () => {
      const users = ctx.fresh();
      expect(await users.upsert(RICH, 1n)).toBe(true);
      expect(await users.get(RICH.id)).toEqual(RICH);
      expect(await users.get('unknown')).toBeUndefined();
    });

    it('hands out copies: changing a returned or written document does not change the store', async () => {
      const users = ctx.fresh();
      const written = structuredClone(RICH);
      await users.upsert(written, 1n);
      (written.tags as string[]).push('changed after write');
      const read = (await users.get(RICH.id))!;
      (read.nested as Record<string, unknown>).deeper = 'changed after read';
      const page = await users.find({ limit: 10 });
      (page.items[0]!.tags as string[]).length = 0;
      expect(await users.get(RICH.id)).toEqual(RICH);
    });

    it('getForUpdate: a next version built from it (kept parts, changed parts, a bounded list that dropped its oldest) is stored whole, and found by its new values', async () => {
      const users = ctx.fresh();
      await users.ensureIndexes([{ name: 'by_tags', fields: [['tags', 1]] }, { name: 'by_moves_at', fields: [['moves.at', 1]] }]);
      const first = { ...structuredClone(RICH), moves: [{ at: 'm1' }, { at: 'm2' }, { at: 'm3' }] };
      await users.upsert(first, 1n);
      const current = (await users.getForUpdate(RICH.id))!;
      expect(current).toEqual(first);
      const moves = current['moves'] as unknown as readonly { at: string }[];
      const next: Doc = {
        ...current,
        name: 'renamed',
        tags: [...(current['tags'] as string[]), 'c'],
        nested: { ...(current['nested'] as Record<string, unknown>), added: { value: 1 } },
        moves: [...moves.slice(1), { at: 'm4' }],
      };
      expect(await users.upsert(next, 2n)).toBe(true);

      const expected: Doc = { ...structuredClone(first), name: 'renamed', tags: ['a', 'b', 'a', 'c'], moves: [{ at: 'm2' }, { at: 'm3' }, { at: 'm4' }] };
      (expected['nested'] as Record<string, unknown>)['added'] = { value: 1 };
      expect(await users.get(RICH.id)).toEqual(expected);
      expect(await users.getForUpdate(RICH.id)).toEqual(expected);
      expect(idsOf((await users.find({ filter: { field: 'tags', op: 'eq', value: 'c' }, limit: 10 })).items)).toEqual([RICH.id]);
      expect(idsOf((await users.find({ filter: { field: 'moves.at', op: 'eq', value: 'm4' }, limit: 10 })).items)).toEqual([RICH.id]);
      expect(idsOf((await users.find({ filter: { field: 'moves.at', op: 'eq', value: 'm1' }, limit: 10 })).items)).toEqual([]);
      expect(await users.getForUpdate('unknown')).toBeUndefined();
    });

    it('getForUpdate then upsert of an older position changes nothing', async () => {
      const users = ctx.fresh();
      await users.upsert({ id: 'u', n: 1, inner: { v: 1 } }, 5n);
      const current = (await users.getForUpdate('u'))!;
      expect(await users.upsert({ ...current, n: 2 }, 4n)).toBe(false);
      expect(await users.get('u')).toEqual({ id: 'u', n: 1, inner: { v: 1 } });
    });

    it('drops fields whose value is undefined, as if they were absent', async () => {
      const users = ctx.fresh();
      const withUndefined = { id: 'u', kept: 1, dropped: undefined, inner: { gone: undefined, stays: 'y' } };
      await users.upsert(withUndefined as unknown as Doc, 1n);
      expect(await users.get('u')).toEqual({ id: 'u', kept: 1, inner: { stays: 'y' } });
      expect(Object.keys((await users.get('u'))!)).not.toContain('dropped');
    });

    it('rejects reserved or unqueryable field names and non-JSON values', async () => {
      const users = ctx.fresh();
      const bad: unknown[] = [
        { id: 'r', _secret: 1 },
        { id: 'r', nested: { $where: 'x' } },
        { id: 'r', nested: { 'a.b': 1 } },
        { id: 'r', when: new Date(0) },
        { id: 'r', n: Number.NaN },
        { id: '' },
      ];
      for (const doc of bad) await expect(users.upsert(doc as Doc, 1n)).rejects.toBeInstanceOf(ReadStoreError);
      expect(await users.count()).toBe(0);
    });

    it('keeps collections apart', async () => {
      const [a, b] = [ctx.fresh(), ctx.fresh()];
      await a.upsert({ id: 'same', side: 'a' }, 5n);
      await b.upsert({ id: 'same', side: 'b' }, 1n);
      expect(await a.get('same')).toEqual({ id: 'same', side: 'a' });
      expect(await b.get('same')).toEqual({ id: 'same', side: 'b' });
      await a.clear();
      expect(await b.count()).toBe(1);
      expect(await b.positionOf('same')).toBe(1n);
    });

    it('clear removes every document and tombstone', async () => {
      const users = ctx.fresh();
      await seed(users, [{ id: 'a' }, { id: 'b' }], 10n);
      await users.delete('b', 11n);
      // A tombstone is no document.
      expect(await users.exists({ field: 'id', op: 'eq', value: 'b' })).toBe(false);
      expect(await users.exists({ field: 'id', op: 'eq', value: 'a' })).toBe(true);
      await users.clear();
      expect(await users.exists({ field: 'id', op: 'eq', value: 'a' })).toBe(false);
      expect(await users.count()).toBe(0);
      expect(idsOf((await users.find({ limit: 10 })).items)).toEqual([]);
      expect(await users.positionOf('a')).toBeUndefined();
      expect(await users.positionOf('b')).toBeUndefined();
      expect(await users.upsert({ id: 'b' }, 1n)).toBe(true);
    });

    it('returns the same data through another handle on the same collection name', async () => {
      const first = ctx.fresh();
      await first.upsert({ id: 'x', v: 1 }, 1n);
      expect(await ctx.store().collection(first.name).get('x')).toEqual({ id: 'x', v: 1 });
    });
  });
}
