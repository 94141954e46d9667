import { EventStoreError, NO_STREAM } from '../port';
import { EVENT_TYPE, ids, newEvents, uniquePrefix, type ConformanceContext } from './support';

export function appendConformance({ store }: ConformanceContext): void {
  describe('appending and reading a stream', () => {
    it('reads back what was appended, with revisions counted from 0n', async () => {
      const stream = `${uniquePrefix('append')}s`;
      const events = newEvents(3);
      const before = Date.now();

      const result = await store().appendToStream(stream, events, { expected: NO_STREAM });
      const read = await store().readStream(stream);

      expect(ids(read)).toEqual(ids(events));
      expect(read.map((event) => event.revision)).toEqual([0n, 1n, 2n]);
      expect(read.map((event) => event.streamName)).toEqual([stream, stream, stream]);
      expect(read.map((event) => event.type)).toEqual([EVENT_TYPE, EVENT_TYPE, EVENT_TYPE]);
      expect(read.map((event) => event.data)).toEqual(events.map((event) => event.data));
      expect(read.map((event) => event.metadata)).toEqual(events.map((event) => event.metadata));
      for (const event of read) {
        expect(typeof event.position).toBe('bigint');
        expect(event.recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
        // Generous bounds: a remote store's clock may differ a little from ours.
        expect(Math.abs(Date.parse(event.recordedAt) - before)).toBeLessThan(5 * 60_000);
      }
      expect(result).toEqual({ nextExpectedRevision: 2n, position: read[2]!.position });
    });

    it('continues revisions across appends and reports the last revision and position of each', async () => {
      const stream = `${uniquePrefix('continue')}s`;
      const first = await store().appendToStream(stream, newEvents(2));
      const second = await store().appendToStream(stream, newEvents(1));
      const read = await store().readStream(stream);

      expect(read.map((event) => event.revision)).toEqual([0n, 1n, 2n]);
      expect(first).toEqual({ nextExpectedRevision: 1n, position: read[1]!.position });
      expect(second).toEqual({ nextExpectedRevision: 2n, position: read[2]!.position });
    });

    it('reads from a revision and up to maxCount', async () => {
      const stream = `${uniquePrefix('window')}s`;
      const events = newEvents(5);
      await store().appendToStream(stream, events);

      expect(ids(await store().readStream(stream, { fromRevision: 2n }))).toEqual(ids(events.slice(2)));
      expect(ids(await store().readStream(stream, { maxCount: 2 }))).toEqual(ids(events.slice(0, 2)));
      expect(ids(await store().readStream(stream, { fromRevision: 1n, maxCount: 3 }))).toEqual(ids(events.slice(1, 4)));
      expect(await store().readStream(stream, { fromRevision: 5n })).toEqual([]);
    });

    it('reads several streams at once, each as readStream would, in the order asked, [] for a missing one', async () => {
      const prefix = uniquePrefix('several');
      const first = newEvents(3);
      const second = newEvents(2);
      await store().appendToStream(`${prefix}a`, first);
      await store().appendToStream(`${prefix}b`, second);
      const names = [`${prefix}b`, `${prefix}missing`, `${prefix}a`, `${prefix}b`];

      const read = await store().readStreams(names);
      expect(read.map(ids)).toEqual([ids(second), [], ids(first), ids(second)]);
      expect(read[2]).toEqual(await store().readStream(`${prefix}a`));
      expect((await store().readStreams(names, { fromRevision: 1n, maxCount: 1 })).map(ids)).toEqual([ids(second.slice(1, 2)), [], ids(first.slice(1, 2)), ids(second.slice(1, 2))]);
      expect(await store().readStreams([])).toEqual([]);
    });

    it('returns [] for a stream that does not exist', async () => {
      expect(await store().readStream(`${uniquePrefix('missing')}s`)).toEqual([]);
    });

    it('round-trips nested JSON data and metadata with unicode and nulls', async () => {
      const stream = `${uniquePrefix('json')}s`;
      const data = {
        text: 'Grüße, 日本語, emoji 😀, quote " and backslash \\',
        nothing: null,
        nested: { list: [1, 2.5, -3, true, false, null, { deep: ['x', { deeper: null }] }], empty: {}, none: [] },
      };
      const metadata = { correlationId: 'c-1', causation: null, trace: { hops: ['a', 'ü'], depth: 2 } };
      await store().appendToStream(stream, [
        { id: newEvents(1)[0]!.id, type: EVENT_TYPE, data, metadata },
        { id: newEvents(1)[0]!.id, type: EVENT_TYPE, data: ['top', 'level', 'array'] },
        { id: newEvents(1)[0]!.id, type: EVENT_TYPE, data: 'a plain string' },
      ]);

      const [withMetadata, arrayData, stringData] = await store().readStream(stream);
      expect(withMetadata!.data).toEqual(data);
      expect(withMetadata!.metadata).toEqual(metadata);
      expect(arrayData!.data).toEqual(['top', 'level', 'array']);
      expect(arrayData!.metadata).toEqual({});
      expect(stringData!.data).toBe('a plain string');
    });

    it('rejects an empty append and an append that repeats an event id, writing nothing', async () => {
      const stream = `${uniquePrefix('invalid')}s`;
      const [event] = newEvents(1);

      await expect(store().appendToStream(stream, [])).rejects.toBeInstanceOf(EventStoreError);
      await expect(store().appendToStream(stream, [event!, event!])).rejects.toBeInstanceOf(EventStoreError);
      await expect(
        store().appendMany([
          { streamName: stream, expected: 'any', events: [event!] },
          { streamName: `${stream}-other`, expected: 'any', events: [event!] },
        ]),
      ).rejects.toBeInstanceOf(EventStoreError);
      expect(await store().readStream(stream)).toEqual([]);
      expect(await store().readStream(`${stream}-other`)).toEqual([]);
    });
  });
}
