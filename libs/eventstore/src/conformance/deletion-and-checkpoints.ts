import { NO_STREAM } from '../port';
import { collector, ids, newEvents, uniquePrefix, waitUntil, type ConformanceContext } from './support';

export function deletionConformance({ store }: ConformanceContext): void {
  describe('deleteStream', () => {
    it('empties the stream, hides it from readAll and subscriptions, and can be repeated', async () => {
      const prefix = uniquePrefix('delete');
      const from = await store().headPosition();
      const [doomed, kept] = [`${prefix}doomed`, `${prefix}kept`];
      await store().appendToStream(doomed, newEvents(2));
      const keptEvents = newEvents(1);
      await store().appendToStream(kept, keptEvents);

      await store().deleteStream(doomed);

      expect(await store().readStream(doomed)).toEqual([]);
      expect(ids(await store().readAll({ after: from, streamPrefixes: [prefix] }))).toEqual(ids(keptEvents));
      await store().deleteStream(doomed);
      await store().deleteStream(`${prefix}never-existed`);

      const seen = collector();
      const subscription = store().subscribeToAll(seen.handler, { after: from, streamPrefixes: [prefix] });
      try {
        const later = newEvents(1);
        await store().appendToStream(kept, later);
        await waitUntil(() => seen.received.length >= 2, 'the kept stream');
        expect(ids(seen.received)).toEqual(ids([...keptEvents, ...later]));
      } finally {
        await subscription.stop();
      }
    });

    it('lets a deleted stream be started again with no_stream', async () => {
      const stream = `${uniquePrefix('restart')}s`;
      await store().appendToStream(stream, newEvents(2));
      await store().deleteStream(stream);

      const fresh = newEvents(1);
      const result = await store().appendToStream(stream, fresh, { expected: NO_STREAM });
      const next = newEvents(1);
      await store().appendToStream(stream, next, { expected: result.nextExpectedRevision });

      expect(ids(await store().readStream(stream))).toEqual(ids([...fresh, ...next]));
    });
  });
}

export function checkpointConformance({ store }: ConformanceContext): void {
  describe('checkpoints', () => {
    it('reads undefined before the first write, then the last position written', async () => {
      const [name, other] = [`${uniquePrefix('checkpoint')}relay`, `${uniquePrefix('checkpoint')}projection`];
      expect(await store().readCheckpoint(name)).toBeUndefined();

      await store().writeCheckpoint(name, 5n);
      expect(await store().readCheckpoint(name)).toBe(5n);
      await store().writeCheckpoint(name, 3n);
      expect(await store().readCheckpoint(name)).toBe(3n);
      await store().writeCheckpoint(name, 2n ** 62n + 1n);
      expect(await store().readCheckpoint(name)).toBe(2n ** 62n + 1n);
      expect(await store().readCheckpoint(other)).toBeUndefined();
    });
  });
}
