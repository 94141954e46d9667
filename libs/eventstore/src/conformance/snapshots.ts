import { randomUUID } from 'node:crypto';
import { EventStoreError, NO_STREAM } from '../port';
import { collector, delay, ids, newEvents, uniquePrefix, type ConformanceContext } from './support';

export function snapshotConformance({ store }: ConformanceContext): void {
  describe('snapshots', () => {
    it('reads a stream without a snapshot whole, and one with a snapshot as the snapshot and the events after it', async () => {
      const prefix = uniquePrefix('snap');
      const [plain, snapped, missing] = [`${prefix}plain`, `${prefix}snapped`, `${prefix}missing`];
      const plainEvents = newEvents(3);
      const snappedEvents = newEvents(5);
      await store().appendToStream(plain, plainEvents);
      await store().appendToStream(snapped, snappedEvents);

      await store().writeSnapshots([{ streamName: snapped, revision: 2n, eventId: snappedEvents[2]!.id, data: { folded: [0, 1, 2], name: 'ü' } }]);
      const [a, b, c] = await store().readStreamsFromSnapshots([plain, snapped, missing]);

      expect(a!.snapshot).toBeUndefined();
      expect(ids(a!.events)).toEqual(ids(plainEvents));
      expect(b!.snapshot).toEqual({ revision: 2n, eventId: snappedEvents[2]!.id, data: { folded: [0, 1, 2], name: 'ü' } });
      expect(ids(b!.events)).toEqual(ids(snappedEvents.slice(3)));
      expect(b!.events.map((event) => event.revision)).toEqual([3n, 4n]);
      expect(b!.events[0]!.data).toEqual(snappedEvents[3]!.data);
      expect(c).toEqual({ events: [] });
    });

    it('keeps the newest snapshot: a later one replaces it, an older one changes nothing', async () => {
      const stream = `${uniquePrefix('snap-newest')}s`;
      const events = newEvents(4);
      await store().appendToStream(stream, events);

      await store().writeSnapshots([{ streamName: stream, revision: 1n, eventId: events[1]!.id, data: { at: 1 } }]);
      await store().writeSnapshots([{ streamName: stream, revision: 3n, eventId: events[3]!.id, data: { at: 3 } }]);
      await store().writeSnapshots([{ streamName: stream, revision: 2n, eventId: events[2]!.id, data: { at: 2 } }]);
      const [read] = await store().readStreamsFromSnapshots([stream]);

      expect(read!.snapshot).toEqual({ revision: 3n, eventId: events[3]!.id, data: { at: 3 } });
      expect(read!.events).toEqual([]);
      const later = newEvents(1);
      await store().appendToStream(stream, later, { expected: 3n });
      const [after] = await store().readStreamsFromSnapshots([stream]);
      expect(after!.snapshot?.revision).toBe(3n);
      expect(ids(after!.events)).toEqual(ids(later));
    });

    it('never reads back a snapshot whose event the stream does not hold at its revision', async () => {
      const prefix = uniquePrefix('snap-misfit');
      const [wrongId, beyond] = [`${prefix}wrong-id`, `${prefix}beyond`];
      const wrongIdEvents = newEvents(2);
      const beyondEvents = newEvents(2);
      await store().appendToStream(wrongId, wrongIdEvents);
      await store().appendToStream(beyond, beyondEvents);

      await store().writeSnapshots([
        { streamName: wrongId, revision: 1n, eventId: randomUUID(), data: { misfit: true } },
        { streamName: beyond, revision: 5n, eventId: beyondEvents[1]!.id, data: { misfit: true } },
        { streamName: `${prefix}never-written`, revision: 0n, eventId: randomUUID(), data: { misfit: true } },
      ]);
      const [a, b, c] = await store().readStreamsFromSnapshots([wrongId, beyond, `${prefix}never-written`]);

      expect(a).toEqual({ events: expect.any(Array) });
      expect(ids(a!.events)).toEqual(ids(wrongIdEvents));
      expect(b!.snapshot).toBeUndefined();
      expect(ids(b!.events)).toEqual(ids(beyondEvents));
      expect(c).toEqual({ events: [] });
    });

    it('deletes a stream with its snapshot: a stream started again under the name is read whole, even given an old snapshot', async () => {
      const stream = `${uniquePrefix('snap-delete')}s`;
      const old = newEvents(3);
      await store().appendToStream(stream, old);
      await store().writeSnapshots([{ streamName: stream, revision: 2n, eventId: old[2]!.id, data: { erased: 'state' } }]);

      await store().deleteStream(stream);
      expect(await store().readStreamsFromSnapshots([stream])).toEqual([{ events: [] }]);
      const fresh = newEvents(4);
      await store().appendToStream(stream, fresh, { expected: NO_STREAM });
      // A state read before the delete, written after it (a load racing an erasure): it describes the old stream.
      await store().writeSnapshots([{ streamName: stream, revision: 2n, eventId: old[2]!.id, data: { erased: 'state' } }]);
      const [read] = await store().readStreamsFromSnapshots([stream]);

      expect(read!.snapshot).toBeUndefined();
      expect(ids(read!.events)).toEqual(ids(fresh));
    });

    it('keeps snapshots out of readAll and subscriptions', async () => {
      const prefix = uniquePrefix('snap-hidden');
      const from = await store().headPosition();
      const stream = `${prefix}s`;
      const events = newEvents(2);
      await store().appendToStream(stream, events);
      const seen = collector();
      const subscription = store().subscribeToAll(seen.handler, { after: from });
      try {
        await store().writeSnapshots([{ streamName: stream, revision: 1n, eventId: events[1]!.id, data: { hidden: true } }]);
        const later = newEvents(1);
        await store().appendToStream(stream, later);
        const all = await store().readAll({ after: from });
        expect(all.filter((event) => event.streamName.includes(prefix)).map((event) => event.id)).toEqual(ids([...events, ...later]));
        const deadline = Date.now() + 5_000;
        while (!seen.received.some((event) => event.id === later[0]!.id) && Date.now() < deadline) await delay(10);
        expect(seen.received.filter((event) => event.streamName.includes(prefix)).map((event) => event.id)).toEqual(ids([...events, ...later]));
      } finally {
        await subscription.stop();
      }
    });

    it('refuses a snapshot without a stream, a bigint revision or an event id, and writes none of the call', async () => {
      const stream = `${uniquePrefix('snap-invalid')}s`;
      const events = newEvents(1);
      await store().appendToStream(stream, events);
      const good = { streamName: stream, revision: 0n, eventId: events[0]!.id, data: {} };
      for (const bad of [
        { ...good, streamName: '' },
        { ...good, streamName: '$system' },
        { ...good, revision: 0 as unknown as bigint },
        { ...good, revision: -1n },
        { ...good, eventId: '' },
      ]) {
        await expect(store().writeSnapshots([good, bad])).rejects.toBeInstanceOf(EventStoreError);
      }
      expect((await store().readStreamsFromSnapshots([stream]))[0]!.snapshot).toBeUndefined();
      await store().writeSnapshots([]);
    });
  });
}
