import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { SqliteEventStore } from '@roster/eventstore';
import { describeWhen, natsProbeFromSetup, natsUrl } from '@roster/testing';
import { JetStreamEventBus } from '../jetstream/jetstream-bus';
import { JetStreamRelay } from '../jetstream/relay';
import { streamNameFor } from '../subjects';
import { eventBusConformance } from './event-bus.conformance';
import { INTEGRATION_PREFIX, randomSource, type EventBusFixture } from './event-bus-fixtures';

async function startRelay(fixture: Pick<EventBusFixture, 'source' | 'store'>) {
  const nc = await connect({ servers: natsUrl() });
  const relay = await JetStreamRelay.start({
    nc,
    store: fixture.store,
    source: fixture.source,
    streamPrefixes: [INTEGRATION_PREFIX],
    batchSize: 200,
    onError: () => undefined,
  });
  return async () => {
    await relay.stop();
    await nc.close();
  };
}

describeWhen(natsProbeFromSetup(), 'JetStream event bus', () => {
  eventBusConformance(
    'distributed (SQLite event store, JetStream relay and durable consumers)',
    async () => {
      const source = randomSource();
      const store = new SqliteEventStore({ filename: ':memory:' });
      const stopRelay = await startRelay({ source, store });
      const nc = await connect({ servers: natsUrl() });
      const bus = new JetStreamEventBus({ nc, onError: () => undefined });
      return {
        source,
        store,
        bus,
        close: async () => {
          await bus.close();
          await stopRelay();
          await (await jetstreamManager(nc)).streams.delete(streamNameFor(source));
          await nc.close();
          await store.close();
        },
      };
    },
    { startExtraRelay: startRelay },
  );
});
