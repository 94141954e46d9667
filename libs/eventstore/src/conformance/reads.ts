import type { EventToAppend } from '../port';
import { expectStrictlyIncreasing, ids, newEvents, uniquePrefix, type ConformanceContext } from './support';

export function readAllConformance({ store }: ConformanceContext): void {
  describe('reading $all', () => {
    async function appendInterleaved(prefix: string): Promise<EventToAppend[]> {
      const plan: [string, number][] = [
        ['one', 2],
        ['two', 1],
        ['one', 1],
        ['three', 2],
      ];
      const appended: EventToAppend[] = [];
      for (const [stream, count] of plan) {
        const events = newEvents(count);
        await store().appendToStream(`${prefix}${stream}`, events);
        appended.push(...events);
      }
      return appended;
    }

    it('returns the events of all streams in append order, with strictly increasing bigint positions', async () => {
      const prefix = uniquePrefix('order');
      const from = await store().headPosition();
      const appended = await appendInterleaved(prefix);
      const last = await store().appendToStream(`${prefix}two`, newEvents(1));

      const all = await store().readAll({ after: from, streamPrefixes: [prefix] });

      expect(ids(all.slice(0, -1))).toEqual(ids(appended));
      expectStrictlyIncreasing(all.map((event) => event.position));
      expect(all[all.length - 1]!.position).toBe(last.position);
      expect(all.map((event) => event.streamName.slice(prefix.length))).toEqual([
        'one', 'one', 'two', 'one', 'three', 'three', 'two',
      ]);
    });

    it('treats after as exclusive and stops at maxCount', async () => {
      const prefix = uniquePrefix('window');
      const from = await store().headPosition();
      await appendInterleaved(prefix);
      const all = await store().readAll({ after: from, streamPrefixes: [prefix] });
      const read = (after: bigint, maxCount?: number) => store().readAll({ after, maxCount, streamPrefixes: [prefix] });

      expect(ids(await read(all[1]!.position))).toEqual(ids(all.slice(2)));
      expect(ids(await store().readAll({ after: from, maxCount: 2, streamPrefixes: [prefix] }))).toEqual(ids(all.slice(0, 2)));
      expect(ids(await read(all[1]!.position, 2))).toEqual(ids(all.slice(2, 4)));
      expect(await read(all[all.length - 1]!.position)).toEqual([]);
      expect(await read(all[0]!.position, 0)).toEqual([]);
    });

    it('without a prefix filter returns every stream after the position, ours among them in order', async () => {
      const prefix = uniquePrefix('unfiltered');
      const from = await store().headPosition();
      const appended = await appendInterleaved(prefix);

      const all = await store().readAll({ after: from });

      expectStrictlyIncreasing(all.map((event) => event.position));
      expect(ids(all.filter((event) => event.streamName.startsWith(prefix)))).toEqual(ids(appended));
    });

    it('matches several prefixes, literally and case-sensitively', async () => {
      const prefix = uniquePrefix('prefixes');
      const from = await store().headPosition();
      const names = ['a_1', 'aX1', 'A_1', 'b%1', 'bY1', 'c'];
      for (const name of names) await store().appendToStream(`${prefix}${name}`, newEvents(1));

      const matched = await store().readAll({ after: from, streamPrefixes: [`${prefix}a_`, `${prefix}b%`] });

      expect(matched.map((event) => event.streamName.slice(prefix.length))).toEqual(['a_1', 'b%1']);
      expect(await store().readAll({ after: from, streamPrefixes: [] })).toEqual([]);
    });

    it('reports a bigint head position at or after the newest append', async () => {
      const result = await store().appendToStream(`${uniquePrefix('head')}s`, newEvents(2));
      const head = await store().headPosition();

      expect(typeof head).toBe('bigint');
      expect(head! >= result.position).toBe(true);
    });
  });
}
