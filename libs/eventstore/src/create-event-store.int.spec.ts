import { createEventStore } from './create-event-store';
import { KurrentDbEventStore } from './kurrentdb/kurrentdb-event-store';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

describe('createEventStore', () => {
  it('uses SQLite when no KurrentDB URL is configured', async () => {
    for (const kurrentDbUrl of [undefined, '', '  ']) {
      const store = createEventStore({ kurrentDbUrl, sqliteFile: ':memory:' });
      expect(store).toBeInstanceOf(SqliteEventStore);
      await store.close();
    }
  });

  it('uses KurrentDB when a URL is configured (the client connects lazily)', async () => {
    const store = createEventStore({ kurrentDbUrl: 'kurrentdb://127.0.0.1:2113?tls=false', sqliteFile: ':memory:' });
    expect(store).toBeInstanceOf(KurrentDbEventStore);
    await store.close();
  });
});
