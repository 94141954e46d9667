import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventStoreConformance } from '../conformance';
import { collector, ids, newEvents, waitUntil } from '../conformance/support';
import { EventStoreError } from '../port';
import { SqliteEventStore } from './sqlite-event-store';

const dir = mkdtempSync(join(tmpdir(), 'roster-eventstore-'));
let files = 0;
const freshFile = () => join(dir, `store-${++files}.sqlite`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

eventStoreConformance('SQLite file', async () => new SqliteEventStore({ filename: freshFile() }));
eventStoreConformance('SQLite :memory:', async () => new SqliteEventStore({ filename: ':memory:' }));

describe('SqliteEventStore', () => {
  const open: SqliteEventStore[] = [];
  const openStore = (filename: string, options: { pollIntervalMs?: number } = {}) => {
    const store = new SqliteEventStore({ filename, ...options });
    open.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });

  it('group-commits 1000 concurrent single-event appends, each with its own position', async () => {
    const store = openStore(freshFile());
    const events = newEvents(1000);

    const results = await Promise.all(events.map((event, i) => store.appendToStream(`s-${i % 10}`, [event])));

    const positions = results.map((result) => result.position);
    expect(new Set(positions).size).toBe(1000);
    const all = await store.readAll();
    expect(all).toHaveLength(1000);
    expect(ids(all)).toEqual(ids(events));
    expect(all.map((event) => event.position)).toEqual(positions);
    expect((await store.readStream('s-3')).map((event) => event.revision)).toEqual(
      Array.from({ length: 100 }, (_, i) => BigInt(i)),
    );
  });

  it('fails only the append that repeats an event id already in the store', async () => {
    const store = openStore(freshFile());
    const [event] = newEvents(1);
    await store.appendToStream('first', [event!]);

    const [duplicate, neighbour] = await Promise.allSettled([
      store.appendToStream('second', [...newEvents(1), event!]),
      store.appendToStream('third', newEvents(1)),
    ]);

    expect(duplicate.status === 'rejected' && duplicate.reason).toBeInstanceOf(EventStoreError);
    expect(neighbour.status).toBe('fulfilled');
    expect(await store.readStream('second')).toEqual([]);
    expect(await store.readStream('third')).toHaveLength(1);
  });

  it('rolls back a whole appendMany when one entry fails for a reason other than a conflict', async () => {
    const store = openStore(freshFile());
    const [event] = newEvents(1);
    await store.appendToStream('first', [event!]);

    await expect(
      store.appendMany([
        { streamName: 'a', expected: 'any', events: newEvents(1) },
        { streamName: 'b', expected: 'any', events: [event!] },
      ]),
    ).rejects.toBeInstanceOf(EventStoreError);
    expect(await store.readStream('a')).toEqual([]);
  });

  it('keeps events and checkpoints across a reopen of the same file', async () => {
    const filename = freshFile();
    const first = new SqliteEventStore({ filename, synchronous: 'FULL' });
    const events = newEvents(3);
    await first.appendToStream('kept', events);
    await first.writeCheckpoint('relay', 2n);
    await first.close();

    const reopened = openStore(filename);
    expect(ids(await reopened.readStream('kept'))).toEqual(ids(events));
    expect(await reopened.readCheckpoint('relay')).toBe(2n);
    expect((await reopened.appendToStream('kept', newEvents(1), { expected: 2n })).nextExpectedRevision).toBe(3n);
  });

  it('never reuses the position of a deleted newest event', async () => {
    const store = openStore(freshFile());
    const doomed = await store.appendToStream('doomed', newEvents(1));
    await store.deleteStream('doomed');

    const next = await store.appendToStream('next', newEvents(1));
    expect(next.position > doomed.position).toBe(true);
  });

  it('reports no head position for an empty store', async () => {
    expect(await openStore(':memory:').headPosition()).toBeUndefined();
  });

  it('delivers appends made by another store instance on the same file through the poll', async () => {
    const filename = freshFile();
    const reader = openStore(filename, { pollIntervalMs: 50 });
    const writer = openStore(filename);
    const seen = collector();
    const subscription = reader.subscribeToAll(seen.handler);

    const events = newEvents(3);
    await writer.appendToStream('elsewhere', events);
    await waitUntil(() => seen.received.length >= 3, 'the other instance to be seen', 2_000);

    expect(ids(seen.received)).toEqual(ids(events));
    await subscription.stop();
  });

  it('refuses work after close and stops its subscriptions', async () => {
    const store = new SqliteEventStore({ filename: ':memory:' });
    const subscription = store.subscribeToAll(async () => undefined);
    await store.close();

    await expect(store.appendToStream('late', newEvents(1))).rejects.toBeInstanceOf(EventStoreError);
    await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreError);
    await subscription.stop();
    await store.close();
  });
});
