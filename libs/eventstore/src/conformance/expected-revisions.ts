import { ANY, ExpectedVersionConflictError, NO_STREAM, STREAM_EXISTS } from '../port';
import { expectConflict, ids, newEvents, uniquePrefix, type ConformanceContext } from './support';

export function expectedRevisionConformance({ store }: ConformanceContext): void {
  describe('expected revisions', () => {
    it('no_stream: creates a new stream, and conflicts on an existing one without writing', async () => {
      const stream = `${uniquePrefix('no-stream')}s`;
      await store().appendToStream(stream, newEvents(1), { expected: NO_STREAM });

      await expectConflict(store().appendToStream(stream, newEvents(1), { expected: NO_STREAM }), stream, NO_STREAM, 0n);
      expect(await store().readStream(stream)).toHaveLength(1);
    });

    it('stream_exists: conflicts on a missing stream without writing, and appends to an existing one', async () => {
      const stream = `${uniquePrefix('exists')}s`;
      await expectConflict(
        store().appendToStream(stream, newEvents(1), { expected: STREAM_EXISTS }),
        stream,
        STREAM_EXISTS,
        'no_stream',
      );
      expect(await store().readStream(stream)).toEqual([]);

      await store().appendToStream(stream, newEvents(1));
      const result = await store().appendToStream(stream, newEvents(1), { expected: STREAM_EXISTS });
      expect(result.nextExpectedRevision).toBe(1n);
    });

    it('an exact revision appends at the current revision and conflicts when missing, stale or ahead', async () => {
      const stream = `${uniquePrefix('exact')}s`;
      await expectConflict(store().appendToStream(stream, newEvents(1), { expected: 0n }), stream, 0n, 'no_stream');

      await store().appendToStream(stream, newEvents(2), { expected: NO_STREAM });
      const result = await store().appendToStream(stream, newEvents(1), { expected: 1n });
      expect(result.nextExpectedRevision).toBe(2n);

      await expectConflict(store().appendToStream(stream, newEvents(1), { expected: 1n }), stream, 1n, 2n);
      await expectConflict(store().appendToStream(stream, newEvents(1), { expected: 7n }), stream, 7n, 2n);
      expect(await store().readStream(stream)).toHaveLength(3);
    });

    it('any (also the default) appends whether or not the stream exists', async () => {
      const stream = `${uniquePrefix('any')}s`;
      expect((await store().appendToStream(stream, newEvents(1), { expected: ANY })).nextExpectedRevision).toBe(0n);
      expect((await store().appendToStream(stream, newEvents(1))).nextExpectedRevision).toBe(1n);
    });

    it('lets exactly one of several concurrent appends at the same expected revision win', async () => {
      const stream = `${uniquePrefix('race')}s`;
      const creations = await Promise.allSettled(
        Array.from({ length: 4 }, () => store().appendToStream(stream, newEvents(1), { expected: NO_STREAM })),
      );
      expect(creations.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);

      const updates = await Promise.allSettled(
        Array.from({ length: 4 }, () => store().appendToStream(stream, newEvents(2), { expected: 0n })),
      );
      expect(updates.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
      for (const attempt of [...creations, ...updates]) {
        if (attempt.status === 'rejected') expect(attempt.reason).toBeInstanceOf(ExpectedVersionConflictError);
      }
      expect((await store().readStream(stream)).map((event) => event.revision)).toEqual([0n, 1n, 2n]);
    });

    it('appendMany: a conflicting entry fails alone and writes nothing, the others are written in order', async () => {
      const prefix = uniquePrefix('many');
      const [first, taken, last] = [`${prefix}first`, `${prefix}taken`, `${prefix}last`];
      await store().appendToStream(taken, newEvents(1));
      const from = await store().headPosition();
      const firstEvents = newEvents(2);
      const lastEvents = newEvents(1);

      const outcomes = await store().appendMany([
        { streamName: first, expected: NO_STREAM, events: firstEvents },
        { streamName: taken, expected: NO_STREAM, events: newEvents(1) },
        { streamName: last, expected: ANY, events: lastEvents },
      ]);

      expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false, true]);
      const conflict = outcomes[1]!;
      if (conflict.ok) throw new Error('expected a conflict');
      expect(conflict.error).toBeInstanceOf(ExpectedVersionConflictError);
      expect([conflict.error.streamName, conflict.error.expected, conflict.error.actual]).toEqual([taken, NO_STREAM, 0n]);
      expect(await store().readStream(taken)).toHaveLength(1);

      const written = await store().readAll({ after: from, streamPrefixes: [prefix] });
      expect(ids(written)).toEqual(ids([...firstEvents, ...lastEvents]));
      const [firstOutcome, , lastOutcome] = outcomes;
      expect(firstOutcome).toEqual({ ok: true, result: { nextExpectedRevision: 1n, position: written[1]!.position } });
      expect(lastOutcome).toEqual({ ok: true, result: { nextExpectedRevision: 0n, position: written[2]!.position } });
      expect(await store().appendMany([])).toEqual([]);
    });
  });
}
