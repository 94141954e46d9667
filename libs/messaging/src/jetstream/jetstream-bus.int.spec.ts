import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { SqliteEventStore } from '@roster/eventstore';
import { describeWhen, natsProbeFromSetup, natsUrl, waitFor } from '@roster/testing';
import { GuardedConsumer, INTEGRATION_PREFIX, appendEvents, ids, randomSource } from '../conformance/event-bus-fixtures';
import type { DeliveredEvent } from '../port';
import { eventSubject, streamNameFor } from '../subjects';
import { EVENT_TYPE_HEADER, POSITION_HEADER, encodeEvent } from '../wire';
import { ensureEventStream } from './event-stream';
import { JetStreamEventBus } from './jetstream-bus';
import { JetStreamRelay } from './relay';

describeWhen(natsProbeFromSetup(), 'JetStreamEventBus over a stream relayed before batching', () => {
  it('delivers single-event messages (the format before batching) and the batches after them, in order, once', async () => {
    const nc = await connect({ servers: natsUrl() });
    const store = new SqliteEventStore({ filename: ':memory:' });
    const source = randomSource('legacy');
    const bus = new JetStreamEventBus({ nc, onError: () => undefined });
    let relay: JetStreamRelay | undefined;
    try {
      const events = await appendEvents(store, 30);
      // What the relay wrote before batching: one message per event, on its type's subject.
      await ensureEventStream(await jetstreamManager(nc), source);
      const js = jetstream(nc);
      for (const event of events.slice(0, 12)) {
        const h = headers();
        h.set(POSITION_HEADER, event.position.toString());
        h.set(EVENT_TYPE_HEADER, event.type);
        await js.publish(eventSubject(source, event.type), encodeEvent(event), { msgID: event.id, headers: h });
      }
      relay = await JetStreamRelay.start({ nc, store, source, streamPrefixes: [INTEGRATION_PREFIX], maxEventsPerMessage: 7 });
      await waitFor(() => relay!.position === events[29]!.position);

      const fresh = await new GuardedConsumer(bus, { name: 'legacy-reader', sources: [source], batchSize: 5 }).start();
      await waitFor(() => fresh.appliedEvents.length >= 30, { what: 'all 30 events' });
      expect(ids(fresh.appliedEvents)).toEqual(ids(events));
      await fresh.stop();
      // Resuming inside a run of seven: only what follows the consumer's own position.
      const resumed = await new GuardedConsumer(bus, { name: 'legacy-resumer', sources: [source], batchSize: 4 }, events[15]!.position).start();
      await waitFor(() => resumed.appliedEvents.length >= 14, { what: 'the events after the 16th' });
      expect(ids(resumed.delivered)).toEqual(ids(events.slice(16)));
    } finally {
      await bus.close();
      await relay?.stop();
      await (await jetstreamManager(nc)).streams.delete(streamNameFor(source)).catch(() => undefined);
      await nc.close();
      await store.close();
    }
  });
});

describeWhen(natsProbeFromSetup(), 'JetStreamEventBus after a crash', () => {
  const connections: NatsConnection[] = [];
  const open = async () => {
    const nc = await connect({ servers: natsUrl() });
    connections.push(nc);
    return nc;
  };
  let store: SqliteEventStore;
  let source: string;
  let relay: JetStreamRelay;
  let release: (() => void) | undefined;
  const buses: JetStreamEventBus[] = [];
  const bus = async () => {
    const created = new JetStreamEventBus({ nc: await open(), onError: () => undefined });
    buses.push(created);
    return created;
  };

  beforeEach(async () => {
    store = new SqliteEventStore({ filename: ':memory:' });
    source = randomSource('crash');
    relay = await JetStreamRelay.start({ nc: await open(), store, source, streamPrefixes: [INTEGRATION_PREFIX] });
  });

  afterEach(async () => {
    release?.();
    await Promise.all(buses.splice(0).map((b) => b.close()));
    await relay.stop();
    const nc = await open();
    await (await jetstreamManager(nc)).streams.delete(streamNameFor(source));
    await Promise.all(connections.splice(0).map((c) => c.close().catch(() => undefined)));
    await store.close();
  });

  it('hands the unacknowledged batch of a dead process to the next one at once and in order', async () => {
    const events = await appendEvents(store, 300);
    const crashing = await bus();
    let applied: bigint | undefined;
    let hung = false;
    const hang = new Promise<void>((resolve) => (release = resolve));
    await crashing.consume({ name: 'survivor', sources: [source], batchSize: 50, resumeAfter: async () => undefined }, async (batch: readonly DeliveredEvent[]) => {
      if (applied !== undefined && batch[0]!.position > events[120]!.position) {
        hung = true;
        await hang;
        throw new Error('the process died');
      }
      applied = batch[batch.length - 1]!.position;
    });
    await waitFor(() => hung);
    await connections[1]!.close();

    const next = await new GuardedConsumer(await bus(), { name: 'survivor', sources: [source], batchSize: 50 }, applied).start();
    const remaining = events.filter((e) => e.position > applied!);
    await waitFor(() => next.appliedEvents.length >= remaining.length, { timeoutMs: 5_000, what: 'the unacknowledged events' });
    expect(ids(next.delivered)).toEqual(ids(remaining));
  });
});
