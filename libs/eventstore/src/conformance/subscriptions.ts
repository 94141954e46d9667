import type { RecordedEvent, Subscription } from '../port';
import {
  collector,
  delay,
  expectStrictlyIncreasing,
  ids,
  newEvents,
  uniquePrefix,
  waitUntil,
  type ConformanceContext,
} from './support';

export function subscriptionConformance({ store }: ConformanceContext): void {
  describe('subscribeToAll', () => {
    const running: Subscription[] = [];
    afterEach(async () => {
      await Promise.all(running.splice(0).map((subscription) => subscription.stop()));
    });
    const subscribe = (...args: Parameters<ReturnType<typeof store>['subscribeToAll']>): Subscription => {
      const subscription = store().subscribeToAll(...args);
      running.push(subscription);
      return subscription;
    };

    it('catches up, then delivers live appends in order, each once', async () => {
      const prefix = uniquePrefix('live');
      const from = await store().headPosition();
      const history = newEvents(3);
      await store().appendToStream(`${prefix}a`, history);
      const seen = collector();

      const subscription = subscribe(seen.handler, { after: from, streamPrefixes: [prefix] });
      await waitUntil(() => seen.received.length >= 3, 'catch-up');
      const live = newEvents(2);
      await store().appendToStream(`${prefix}b`, live);
      await waitUntil(() => seen.received.length >= 5, 'live events');

      expect(ids(seen.received)).toEqual(ids([...history, ...live]));
      expectStrictlyIncreasing(seen.received.map((event) => event.position));
      await waitUntil(() => subscription.position === seen.received[4]!.position, 'position to advance');
    });

    it('resumes after a position without delivering it or anything before it again', async () => {
      const prefix = uniquePrefix('resume');
      const from = await store().headPosition();
      await store().appendToStream(`${prefix}a`, newEvents(4));
      const all = await store().readAll({ after: from, streamPrefixes: [prefix] });
      const seen = collector();

      const subscription = subscribe(seen.handler, { after: all[1]!.position, streamPrefixes: [prefix] });
      expect(subscription.position).toBe(all[1]!.position);
      await waitUntil(() => seen.received.length >= 2, 'events after the position');
      const [next] = newEvents(1);
      await store().appendToStream(`${prefix}a`, [next!]);
      await waitUntil(() => seen.received.length >= 3, 'the live event');

      expect(ids(seen.received)).toEqual([...ids(all.slice(2)), next!.id]);
    });

    it('hands over batches no larger than batchSize', async () => {
      const prefix = uniquePrefix('batches');
      const from = await store().headPosition();
      const events = newEvents(5);
      await store().appendToStream(`${prefix}a`, events);
      const seen = collector();

      subscribe(seen.handler, { after: from, streamPrefixes: [prefix], batchSize: 2 });
      await waitUntil(() => seen.received.length >= 5, 'all events');

      expect(ids(seen.received)).toEqual(ids(events));
      for (const batch of seen.batches) expect(batch.length).toBeLessThanOrEqual(2);
    });

    it('redelivers the same batch after the handler fails, and reports the failure', async () => {
      const prefix = uniquePrefix('retry');
      const from = await store().headPosition();
      const events = newEvents(3);
      await store().appendToStream(`${prefix}a`, events);
      const attempts: string[][] = [];
      const delivered: RecordedEvent[] = [];
      const errors: unknown[] = [];
      const failure = new Error('handler failed on purpose');

      subscribe(
        async (batch) => {
          attempts.push(ids(batch));
          if (attempts.length === 1) throw failure;
          delivered.push(...batch);
        },
        { after: from, streamPrefixes: [prefix], onError: (error) => errors.push(error) },
      );
      await waitUntil(() => delivered.length >= 3, 'delivery after the retry');

      expect(errors[0]).toBe(failure);
      expect(attempts[1]).toEqual(attempts[0]);
      expect(ids(delivered)).toEqual(ids(events));
    });

    it('stop() waits for the batch in flight, then nothing more is delivered', async () => {
      const prefix = uniquePrefix('stop');
      const from = await store().headPosition();
      const [first] = newEvents(1);
      await store().appendToStream(`${prefix}a`, [first!]);
      const calls: string[][] = [];
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));

      const subscription = subscribe(
        async (batch) => {
          calls.push(ids(batch));
          await released;
        },
        { after: from, streamPrefixes: [prefix] },
      );
      await waitUntil(() => calls.length === 1, 'the first batch');
      let stopped = false;
      const stopping = subscription.stop().then(() => (stopped = true));
      await delay(30);
      expect(stopped).toBe(false);
      release();
      await stopping;

      expect(subscription.position).toBe((await store().readStream(`${prefix}a`))[0]!.position);
      await store().appendToStream(`${prefix}a`, newEvents(1));
      await delay(400);
      expect(calls).toEqual([[first!.id]]);
    });
  });
}
