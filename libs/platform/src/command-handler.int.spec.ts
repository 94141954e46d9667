import { SqliteEventStore } from '@roster/eventstore';
import { MemoryKeyVault, PiiCodec } from '@roster/privacy';
import { AggregateCache, handleCommand, StreamLocks } from './command-handler';
import { EventCodec } from './event-codec';

type Added = { type: 'Added'; data: { userId: string; amount: number } };
const counter = {
  initialState: () => 0,
  evolve: (total: number, event: Added) => total + event.data.amount,
  decide: (command: { amount: number }): Added[] => (command.amount === 0 ? [] : [{ type: 'Added', data: { userId: 'u1', amount: command.amount } }]),
};

describe('handleCommand', () => {
  let store: SqliteEventStore;
  const codec = new EventCodec(new PiiCodec(new MemoryKeyVault()));

  beforeEach(() => {
    store = new SqliteEventStore({ filename: ':memory:' });
  });
  afterEach(async () => {
    await store.close();
  });

  it('loses no update when 100 commands on one stream race in one process (stream locks)', async () => {
    const locks = new StreamLocks();
    const cache = new AggregateCache<number>();
    await Promise.all(Array.from({ length: 100 }, () => handleCommand(store, codec, counter, 'counter-1', { amount: 1 }, { locks, cache })));
    const outcome = await handleCommand(store, codec, counter, 'counter-1', { amount: 0 });
    expect(outcome.state).toBe(100);
    expect(outcome.version).toBe(100);
  });

  it('loses no update when a few processes race on one stream (optimistic concurrency, retry)', async () => {
    // Each "process" has its own locks and cache; only the expected revision protects them from each other.
    const processes = Array.from({ length: 4 }, () => ({ locks: new StreamLocks(), cache: new AggregateCache<number>() }));
    await Promise.all(processes.flatMap((p) => Array.from({ length: 10 }, () => handleCommand(store, codec, counter, 'counter-3', { amount: 1 }, p))));
    expect((await handleCommand(store, codec, counter, 'counter-3', { amount: 0 })).state).toBe(40);
  });

  it('a failing command does not block the next one on the same stream', async () => {
    const locks = new StreamLocks();
    const failing = locks.run('s', () => Promise.reject(new Error('boom')));
    const next = locks.run('s', () => Promise.resolve('ran'));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('recovers from a stale cached state: the conflict reloads the stream', async () => {
    const cacheOfProcessA = new AggregateCache<number>();
    const cacheOfProcessB = new AggregateCache<number>();
    await handleCommand(store, codec, counter, 'counter-2', { amount: 1 }, { cache: cacheOfProcessA });
    await handleCommand(store, codec, counter, 'counter-2', { amount: 10 }, { cache: cacheOfProcessB });
    // A still believes the total is 1 at version 1; its append conflicts, it reloads and decides again.
    const outcome = await handleCommand(store, codec, counter, 'counter-2', { amount: 100 }, { cache: cacheOfProcessA });
    expect(outcome.state).toBe(111);
    expect(outcome.version).toBe(3);
    expect(cacheOfProcessA.get('counter-2')).toEqual({ state: 111, version: 3 });
  });

  it('keeps the cache bounded, least recently used out', () => {
    const cache = new AggregateCache<number>(2);
    cache.set('a', 1, 1);
    cache.set('b', 2, 1);
    cache.get('a');
    cache.set('c', 3, 1);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual({ state: 1, version: 1 });
  });
});
