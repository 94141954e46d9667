import { randomUUID } from 'node:crypto';
import { SqliteEventStore, type EventStore, type SubscribeOptions } from '@roster/eventstore';
import { EventStoreEventBus, prefixesFor, type EventStoreSource } from './eventstore-bus';
import type { DeliveredEvent } from './port';

/** A source mixing many user events with a few catalog events: a consumer of catalog types reads the catalog only. */
describe('EventStoreEventBus narrowing by event type', () => {
  const source: EventStoreSource = {
    store: undefined as unknown as EventStore,
    streamPrefixes: ['user-', 'catalog-', 'other-'],
    typesByPrefix: { 'user-': ['UserSeen'], 'catalog-': ['TagDefined', 'FieldDefined'] },
  };

  it('keeps the prefixes that can hold a wanted type, and those without a type list', () => {
    expect(prefixesFor(source, new Set(['FieldDefined']))).toEqual(['catalog-', 'other-']);
    expect(prefixesFor(source, new Set(['UserSeen', 'TagDefined']))).toEqual(['user-', 'catalog-', 'other-']);
    expect(prefixesFor(source, undefined)).toEqual(['user-', 'catalog-', 'other-']);
    expect(prefixesFor({ ...source, typesByPrefix: undefined }, new Set(['FieldDefined']))).toEqual(['user-', 'catalog-', 'other-']);
  });

  it('delivers every wanted event, in order, while subscribing to the narrowed prefixes only', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const subscribed: (SubscribeOptions | undefined)[] = [];
    const subscribeToAll = store.subscribeToAll.bind(store);
    store.subscribeToAll = (handler, options) => {
      subscribed.push(options);
      return subscribeToAll(handler, options);
    };
    const bus = new EventStoreEventBus({ profile: { store, streamPrefixes: ['user-', 'catalog-'], typesByPrefix: { 'user-': ['UserSeen'], 'catalog-': ['TagDefined', 'FieldDefined'] } } }, () => undefined);
    try {
      for (let i = 0; i < 30; i++) {
        await store.appendToStream(`user-${i % 3}`, [{ id: randomUUID(), type: 'UserSeen', data: { i } }]);
        if (i % 10 === 0) await store.appendToStream('catalog-b', [{ id: randomUUID(), type: i === 10 ? 'TagDefined' : 'FieldDefined', data: { i } }]);
      }
      const delivered: DeliveredEvent[] = [];
      const handle = await bus.consume({ name: 'fields', sources: ['profile'], eventTypes: ['FieldDefined'], resumeAfter: async () => undefined }, async (events) => {
        delivered.push(...events);
      });
      const until = Date.now() + 5000;
      while (delivered.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      await handle.stop();
      expect(delivered.map((e) => e.data)).toEqual([{ i: 0 }, { i: 20 }]);
      expect(subscribed.map((o) => o?.streamPrefixes)).toEqual([['catalog-']]);
    } finally {
      await bus.close();
      await store.close();
    }
  });

  it('does not subscribe to a source none of whose prefixes holds a wanted type', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    let subscriptions = 0;
    const subscribeToAll = store.subscribeToAll.bind(store);
    store.subscribeToAll = (handler, options) => {
      subscriptions++;
      return subscribeToAll(handler, options);
    };
    const bus = new EventStoreEventBus({ profile: { store, streamPrefixes: ['user-'], typesByPrefix: { 'user-': ['UserSeen'] } } }, () => undefined);
    const handle = await bus.consume({ name: 'none', sources: ['profile'], eventTypes: ['FieldDefined'], resumeAfter: async () => undefined }, async () => undefined);
    await handle.stop();
    await bus.close();
    await store.close();
    expect(subscriptions).toBe(0);
  });
});
