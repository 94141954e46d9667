import { SqliteEventStore } from '@roster/eventstore';
import { EventStoreEventBus } from '../eventstore-bus';
import { eventBusConformance } from './event-bus.conformance';
import { INTEGRATION_PREFIX, randomSource } from './event-bus-fixtures';

eventBusConformance('embedded (SQLite event store)', async () => {
  const source = randomSource();
  const store = new SqliteEventStore({ filename: ':memory:' });
  const bus = new EventStoreEventBus({ [source]: { store, streamPrefixes: [INTEGRATION_PREFIX] } }, () => undefined);
  return {
    source,
    store,
    bus,
    close: async () => {
      await bus.close();
      await store.close();
    },
  };
});
