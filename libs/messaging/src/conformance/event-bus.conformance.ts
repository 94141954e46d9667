import { waitFor } from '@roster/testing';
import {
  GuardedConsumer,
  TYPE_A,
  TYPE_B,
  TYPE_C,
  appendEvents,
  appendPrivateEvents,
  ids,
  positions,
  strictlyIncreasing,
  type EventBusFixture,
} from './event-bus-fixtures';

export interface EventBusConformanceOptions {
  /**
   * For relayed buses: starts one more relay over the fixture's store (as a second instance or a restarted one
   * would), returning its stop function. Enables the duplicate-relay test.
   */
  readonly startExtraRelay?: (fixture: EventBusFixture) => Promise<() => Promise<void>>;
}

const WAIT = { timeoutMs: 20_000 };

/** The shared EventBus contract (see port.ts): every adapter must pass it unchanged. */
export function eventBusConformance(
  name: string,
  makeFixture: () => Promise<EventBusFixture>,
  options: EventBusConformanceOptions = {},
): void {
  describe(`EventBus conformance: ${name}`, () => {
    // The waits below give deliveries WAIT.timeoutMs; Jest's default of 5 s per test cut them short on a busy machine
    // (CI beside a benchmark: the relays' race test timed out at 5 s with nothing wrong).
    jest.setTimeout(3 * WAIT.timeoutMs);
    let fixture: EventBusFixture;
    const consumers: GuardedConsumer[] = [];
    const consumer = (opts: Partial<GuardedConsumer['options']> = {}, initial?: bigint) => {
      const c = new GuardedConsumer(fixture.bus, { name: `c-${consumers.length}`, sources: [fixture.source], ...opts }, initial);
      consumers.push(c);
      return c;
    };
    const appliedAll = (c: GuardedConsumer, count: number) =>
      waitFor(() => c.appliedEvents.length >= count, { ...WAIT, what: `${count} applied events` });

    beforeEach(async () => {
      fixture = await makeFixture();
    });

    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.stop()));
      await fixture.close();
    });

    it('delivers every integration event once, in store order, with positions as bigints', async () => {
      const before = await appendEvents(fixture.store, 150, { types: [TYPE_A, TYPE_B] });
      await appendPrivateEvents(fixture.store, 5);
      const c = await consumer({ batchSize: 32 }).start();
      const after = await appendEvents(fixture.store, 150, { types: [TYPE_A, TYPE_B] });
      await appliedAll(c, 300);

      const expected = [...before, ...after];
      expect(ids(c.delivered)).toEqual(ids(expected));
      expect(c.deliveries.every((batch) => batch.length <= 32)).toBe(true);
      const first = c.delivered[0]!;
      expect(typeof first.position).toBe('bigint');
      expect(typeof first.revision).toBe('bigint');
      expect(first).toMatchObject({ source: fixture.source, streamName: expected[0]!.streamName, revision: expected[0]!.revision });
      expect(first.position).toBe(expected[0]!.position);
      expect(first.data).toEqual({ n: 0, text: 'Zoë 👋 日本' });
      expect(first.metadata).toEqual(expected[0]!.metadata);
    });

    it('resumes after resumeAfter without delivering what was applied', async () => {
      await appendEvents(fixture.store, 120);
      const first = await consumer({ name: 'resumer' }).start();
      await appliedAll(first, 120);
      await first.stop();
      const later = await appendEvents(fixture.store, 80);

      const second = await consumer({ name: 'resumer' }, first.applied).start();
      await appliedAll(second, 80);
      expect(ids(second.delivered)).toEqual(ids(later));
    });

    it('replays from resumeAfter even when it lies behind what was acknowledged (a restored read model)', async () => {
      const events = await appendEvents(fixture.store, 100);
      const first = await consumer({ name: 'restorer' }).start();
      await appliedAll(first, 100);
      await first.stop();

      const restored = await consumer({ name: 'restorer' }, events[49]!.position).start();
      await appliedAll(restored, 50);
      expect(ids(restored.delivered)).toEqual(ids(events.slice(50)));
    });

    it('delivers a failed batch again and loses nothing', async () => {
      const events = await appendEvents(fixture.store, 200);
      const victim = events[90]!.id;
      const c = consumer({ batchSize: 50 });
      c.failOnce((batch) => batch.some((e) => e.id === victim));
      await c.start();
      await appliedAll(c, 200);

      const failedAt = c.deliveries.findIndex((batch) => batch.some((e) => e.id === victim));
      const retried = c.deliveries.slice(failedAt + 1).flat();
      expect(ids(retried)).toEqual(expect.arrayContaining(ids(c.deliveries[failedAt]!)));
      expect(ids(c.appliedEvents)).toEqual(ids(events));
    });

    it('replays everything when resumeAfter says nothing is applied', async () => {
      const events = await appendEvents(fixture.store, 60);
      const first = await consumer({ name: 'rebuilder' }).start();
      await appliedAll(first, 60);
      await first.stop();

      const rebuild = await consumer({ name: 'rebuilder' }).start();
      await appliedAll(rebuild, 60);
      expect(ids(rebuild.delivered)).toEqual(ids(events));
    });

    it('filters by event type, for one type and for several', async () => {
      const events = await appendEvents(fixture.store, 90, { types: [TYPE_A, TYPE_B, TYPE_C] });
      const onlyB = await consumer({ eventTypes: [TYPE_B] }).start();
      const aAndC = await consumer({ eventTypes: [TYPE_A, TYPE_C] }).start();
      const onlyC = await consumer({ eventTypes: [TYPE_C] }).start();
      await appliedAll(onlyB, 30);
      await appliedAll(aAndC, 60);
      await appliedAll(onlyC, 30);

      expect(ids(onlyB.delivered)).toEqual(ids(events.filter((e) => e.type === TYPE_B)));
      expect(ids(aAndC.delivered)).toEqual(ids(events.filter((e) => e.type !== TYPE_B)));
      expect(onlyC.delivered.map((e) => e.type)).toEqual(Array(30).fill(TYPE_C));
    });

    it('gives each consumer name every event', async () => {
      const events = await appendEvents(fixture.store, 100);
      const [one, two] = await Promise.all([consumer({ name: 'one' }).start(), consumer({ name: 'two' }).start()]);
      await Promise.all([appliedAll(one, 100), appliedAll(two, 100)]);
      expect(ids(one.appliedEvents)).toEqual(ids(events));
      expect(ids(two.appliedEvents)).toEqual(ids(events));
    });

    it('loses nothing when a consumer stops and restarts mid-stream (2,000 events)', async () => {
      const writing = appendEvents(fixture.store, 2000, { streams: 40, chunk: 200 });
      const first = await consumer({ name: 'restarter', batchSize: 64 }).start();
      await waitFor(() => first.appliedEvents.length >= 300, WAIT);
      await first.stop();
      const second = await consumer({ name: 'restarter', batchSize: 64 }, first.applied).start();
      const events = await writing;
      await waitFor(() => second.applied === events[events.length - 1]!.position, { ...WAIT, what: 'the last event' });

      const seen = new Set([...first.delivered, ...second.delivered].map((e) => e.position));
      expect(positions(events).every((p) => seen.has(p))).toBe(true);
      const applied = [...first.appliedEvents, ...second.appliedEvents];
      expect(ids(applied)).toEqual(ids(events));
      expect(strictlyIncreasing(positions(second.delivered))).toBe(true);
    });

    const startExtraRelay = options.startExtraRelay;
    if (startExtraRelay) it('never delivers an event twice when relays race or restart', async () => {
      const c = await consumer({ name: 'dedup', batchSize: 100 }).start();
      const stopExtra = await startExtraRelay(fixture);
      const first = await appendEvents(fixture.store, 600, { chunk: 50 });
      const stopThird = await startExtraRelay(fixture);
      await stopExtra();
      const second = await appendEvents(fixture.store, 400, { chunk: 50 });
      await appliedAll(c, 1000);
      await stopThird();

      expect(ids(c.delivered)).toEqual(ids([...first, ...second]));
    });
  });
}
