import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { SqliteEventStore } from '@roster/eventstore';
import { describeWhen, natsProbeFromSetup, natsUrl, waitFor } from '@roster/testing';
import { GuardedConsumer, INTEGRATION_PREFIX, appendEvents, ids, randomSource } from '../conformance/event-bus-fixtures';
import type { DeliveredEvent } from '../port';
import { streamNameFor } from '../subjects';
import { JetStreamEventBus } from './jetstream-bus';
import { JetStreamRelay } from './relay';

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
