import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { SqliteEventStore, type EventToAppend, type RecordedEvent, type Subscription } from '@roster/eventstore';
import { BrokerBridge, InProcessBroker } from '@roster/messaging';
import { waitFor } from '@roster/testing';
import { pino } from 'pino';
import { relayAppended, startWorkerThreads, workerResourceLimits } from './threads';

/**
 * Two connections to one events.db, as two threads of embedded mode hold them, joined by the bridge's message path.
 * The subscriptions poll only once a minute here, so an event seen within the test's wait was woken by the relay.
 */
describe('event store connections of two threads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-threads-'));
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function twoThreads() {
    const filename = join(dir, `${randomUUID()}.db`);
    const open = () => new SqliteEventStore({ filename, pollIntervalMs: 60_000 });
    const [left, right] = [open(), open()];
    const { port1, port2 } = new MessageChannel();
    const leftBridge = new BrokerBridge(new InProcessBroker(), port1);
    const rightBridge = new BrokerBridge(new InProcessBroker(), port2);
    const stops = [relayAppended(left, [leftBridge]), relayAppended(right, [rightBridge])];
    cleanups.push(() => left.close(), () => right.close(), () => leftBridge.close(), () => stops.forEach((stop) => stop()));
    return { left, right };
  }

  function collect(store: SqliteEventStore): { events: RecordedEvent[]; subscription: Subscription } {
    const events: RecordedEvent[] = [];
    const subscription = store.subscribeToAll(async (batch) => void events.push(...batch));
    cleanups.push(() => subscription.stop());
    return { events, subscription };
  }

  const event = (n: number): EventToAppend => ({ id: randomUUID(), type: 'test.Happened.v1', data: { n }, metadata: {} });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

  it('wakes a subscription on the other connection promptly after a commit', async () => {
    const { left, right } = twoThreads();
    const { events } = collect(right);
    await settle(); // the subscription has caught up with the empty store and waits
    await left.appendToStream('s-1', [event(1)]);
    await waitFor(() => events.length === 1, { timeoutMs: 5_000, what: 'the event appended through the other connection' });
    expect(events[0]!.data).toEqual({ n: 1 });
  });

  it('delivers every event of two concurrent writers once, in increasing positions, on both connections', async () => {
    const { left, right } = twoThreads();
    const seenLeft = collect(left).events;
    const seenRight = collect(right).events;
    await settle();
    const writes: Promise<unknown>[] = [];
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 25; i++) {
        writes.push(left.appendToStream(`left-${i}`, [event(round)]));
        writes.push(right.appendToStream(`right-${i}`, [event(round)]));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(writes);
    for (const seen of [seenLeft, seenRight]) {
      await waitFor(() => seen.length === 1000, { timeoutMs: 5_000, what: 'all 1000 events' });
      const positions = seen.map((e) => e.position);
      expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!)).toBe(true);
      expect(new Set(seen.map((e) => e.id)).size).toBe(1000);
    }
  });
});

describe('worker threads\' V8 limits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-limits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the young generation only to the thread that runs segmentation, and only when set', () => {
    expect(workerResourceLimits(['segmentation'], 192)).toEqual({ maxYoungGenerationSizeMb: 192 });
    expect(workerResourceLimits(['user-profile', 'segmentation'], 64)).toEqual({ maxYoungGenerationSizeMb: 64 });
    expect(workerResourceLimits(['user-profile'], 192)).toBeUndefined();
    expect(workerResourceLimits(['segmentation'], 0)).toBeUndefined();
  });

  it('starts each worker with its limits (the worker reports the limits V8 gave it)', async () => {
    // A stand-in worker entry: writes the limits its thread runs under, says started, exits when told to stop.
    const script = join(dir, 'worker.js');
    writeFileSync(
      script,
      `const { parentPort, resourceLimits, workerData } = require('node:worker_threads');
       require('node:fs').writeFileSync(require('node:path').join(${JSON.stringify(dir)}, workerData.services.join('+') + '.json'), JSON.stringify(resourceLimits));
       parentPort.on('message', (m) => m.t === 'stop' && process.exit(0));
       parentPort.postMessage({ t: 'started' });`,
    );
    const store = new SqliteEventStore({ filename: join(dir, 'events.db'), pollIntervalMs: 60_000 });
    const threads = startWorkerThreads([['segmentation'], ['user-profile']], script, new InProcessBroker(), store, pino({ level: 'silent' }), 160);
    try {
      await threads.started;
      const limits = (services: string) => JSON.parse(readFileSync(join(dir, `${services}.json`), 'utf8')) as { maxYoungGenerationSizeMb: number };
      expect(limits('segmentation').maxYoungGenerationSizeMb).toBe(160);
      expect(limits('user-profile').maxYoungGenerationSizeMb).not.toBe(160);
    } finally {
      await threads.stop();
      store.close();
    }
  });
});
