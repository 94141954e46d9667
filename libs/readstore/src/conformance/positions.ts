import { ReadStoreError } from '../port';
import type { ConformanceContext } from './context';

export function positionTests(ctx: ConformanceContext): void {
  describe('position guard', () => {
    it('applies a newer position and skips an equal or older one', async () => {
      const users = ctx.fresh();
      expect(await users.positionOf('u')).toBeUndefined();
      expect(await users.upsert({ id: 'u', v: 5 }, 5n)).toBe(true);
      expect(await users.upsert({ id: 'u', v: 55 }, 5n)).toBe(false);
      expect(await users.upsert({ id: 'u', v: 4 }, 4n)).toBe(false);
      expect(await users.get('u')).toEqual({ id: 'u', v: 5 });
      expect(await users.upsert({ id: 'u', v: 6 }, 6n)).toBe(true);
      expect(await users.get('u')).toEqual({ id: 'u', v: 6 });
      expect(await users.positionOf('u')).toBe(6n);
    });

    it('compares positions as numbers, beyond 2^53 and across digit counts', async () => {
      const users = ctx.fresh();
      expect(await users.upsert({ id: 'u', v: 9 }, 9n)).toBe(true);
      expect(await users.upsert({ id: 'u', v: 10 }, 10n)).toBe(true);
      const huge = 2n ** 63n + 7n;
      expect(await users.upsert({ id: 'u', v: 'huge' }, huge)).toBe(true);
      expect(await users.upsert({ id: 'u', v: 'huge-1' }, huge - 1n)).toBe(false);
      expect(await users.positionOf('u')).toBe(huge);
      expect(await users.upsert({ id: 'zero' }, 0n)).toBe(true);
      expect(await users.positionOf('zero')).toBe(0n);
    });

    it('replaces the document whole: fields the newer version lacks disappear', async () => {
      const users = ctx.fresh();
      await users.upsert({ id: 'u', name: 'A', email: 'a@x.test', fields: { a: 1, b: 2 } }, 1n);
      await users.upsert({ id: 'u', name: 'B', fields: { b: 3 } }, 2n);
      expect(await users.get('u')).toEqual({ id: 'u', name: 'B', fields: { b: 3 } });
      expect(await users.count({ field: 'email', op: 'exists', value: true })).toBe(0);
    });

    it('rejects negative and non-bigint positions', async () => {
      const users = ctx.fresh();
      await expect(users.upsert({ id: 'u' }, -1n)).rejects.toBeInstanceOf(ReadStoreError);
      await expect(users.upsert({ id: 'u' }, 1 as unknown as bigint)).rejects.toBeInstanceOf(ReadStoreError);
      await expect(users.delete('u', -1n)).rejects.toBeInstanceOf(ReadStoreError);
      expect(await users.get('u')).toBeUndefined();
    });
  });

  describe('delete', () => {
    it('leaves a tombstone that blocks older upserts and gives way to newer ones', async () => {
      const users = ctx.fresh();
      await users.upsert({ id: 'u', v: 5 }, 5n);
      await users.delete('u', 7n);
      expect(await users.get('u')).toBeUndefined();
      expect(await users.positionOf('u')).toBe(7n);
      expect(await users.upsert({ id: 'u', v: 6 }, 6n)).toBe(false);
      expect(await users.upsert({ id: 'u', v: 7 }, 7n)).toBe(false);
      expect(await users.get('u')).toBeUndefined();
      expect(await users.count()).toBe(0);
      expect(await users.upsert({ id: 'u', v: 8 }, 8n)).toBe(true);
      expect(await users.get('u')).toEqual({ id: 'u', v: 8 });
    });

    it('leaves a tombstone for a document it never saw', async () => {
      const users = ctx.fresh();
      await users.delete('ghost', 3n);
      expect(await users.upsert({ id: 'ghost' }, 2n)).toBe(false);
      expect(await users.get('ghost')).toBeUndefined();
      expect(await users.positionOf('ghost')).toBe(3n);
    });

    it('does not delete a document written at a later position than the deletion', async () => {
      const users = ctx.fresh();
      await users.upsert({ id: 'u', v: 9 }, 9n);
      await users.delete('u', 8n);
      await users.delete('u', 9n);
      expect(await users.get('u')).toEqual({ id: 'u', v: 9 });
      expect(await users.positionOf('u')).toBe(9n);
    });

    it('without a position removes the document and leaves nothing behind', async () => {
      const users = ctx.fresh();
      await users.upsert({ id: 'u', v: 5 }, 5n);
      await users.upsert({ id: 'other' }, 1n);
      await users.delete('u');
      expect(await users.get('u')).toBeUndefined();
      expect(await users.positionOf('u')).toBeUndefined();
      expect(await users.count()).toBe(1);
      expect(await users.upsert({ id: 'u', v: 1 }, 1n)).toBe(true);
      await users.delete('never-existed');
      expect(await users.count()).toBe(2);
    });

    it('hides tombstones from find and count', async () => {
      const users = ctx.fresh();
      await users.upsert({ id: 'a', kind: 'k' }, 1n);
      await users.upsert({ id: 'b', kind: 'k' }, 1n);
      await users.delete('a', 2n);
      expect((await users.find({ limit: 10 })).items).toEqual([{ id: 'b', kind: 'k' }]);
      expect(await users.count()).toBe(1);
      expect(await users.count({ field: 'kind', op: 'exists', value: false })).toBe(0);
      expect(await users.count({ not: { field: 'kind', op: 'eq', value: 'k' } })).toBe(0);
    });

    it('ends with the newest write whatever the order concurrent writers arrive in', async () => {
      const users = ctx.fresh();
      const writes = [3n, 1n, 5n, 2n, 4n].map((p) => users.upsert({ id: 'race', p: Number(p) }, p));
      await Promise.all([...writes, users.delete('race', 6n).then(() => true), users.upsert({ id: 'race', p: 0 }, 0n)]);
      expect(await users.get('race')).toBeUndefined();
      expect(await users.positionOf('race')).toBe(6n);
      expect(await users.upsert({ id: 'race', p: 7 }, 7n)).toBe(true);
    });
  });
}
