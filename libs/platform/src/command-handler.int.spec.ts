import { USER_PROFILE_EVENTS } from '@roster/contracts';
import { SqliteEventStore, type RecordedEvent } from '@roster/eventstore';
import { MemoryKeyVault, PiiCodec } from '@roster/privacy';
import { AggregateCache, decideAll, handleCommand, handleCommands, loadAggregate, preloadAggregates, StreamLocks, type SnapshotPolicy } from './command-handler';
import { EventCodec } from './event-codec';

type Added = { type: 'Added'; data: { userId: string; amount: number } };
const counter = {
  initialState: () => 0,
  evolve: (total: number, event: Added) => total + event.data.amount,
  decide: (command: { amount: number }): Added[] => (command.amount === 0 ? [] : [{ type: 'Added', data: { userId: 'u1', amount: command.amount } }]),
};

let store: SqliteEventStore;
const codec = new EventCodec(new PiiCodec(new MemoryKeyVault()));

beforeEach(() => {
  store = new SqliteEventStore({ filename: ':memory:' });
});
afterEach(async () => {
  await store.close();
});

describe('handleCommand', () => {
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

describe('preloadAggregates (the cache misses of a batch in one read)', () => {
  it('reads the streams the cache lacks with one readStreams, folds them, and leaves the states it holds alone', async () => {
    await handleCommand(store, codec, counter, 'p-a', { amount: 2 });
    await handleCommand(store, codec, counter, 'p-a', { amount: 3 });
    await handleCommand(store, codec, counter, 'p-b', { amount: 7 });
    const cache = new AggregateCache<number>();
    cache.set('p-b', 70, 1);
    const readStreams = jest.spyOn(store, 'readStreams');
    const readStream = jest.spyOn(store, 'readStream');

    await preloadAggregates(store, codec, counter, cache, ['p-a', 'p-b', 'p-none', 'p-a']);

    expect(readStreams.mock.calls).toEqual([[['p-a', 'p-none']]]);
    expect(cache.get('p-a')).toEqual({ state: 5, version: 2 });
    expect(cache.get('p-none')).toEqual({ state: 0, version: 0 });
    expect(cache.get('p-b')).toEqual({ state: 70, version: 1 });
    // The commands that follow decide from the preloaded states: no stream read of their own.
    expect((await handleCommand(store, codec, counter, 'p-a', { amount: 1 }, { cache })).state).toBe(6);
    expect((await handleCommand(store, codec, counter, 'p-none', { amount: 4 }, { cache })).version).toBe(1);
    expect(readStream).not.toHaveBeenCalled();
    await preloadAggregates(store, codec, counter, cache, ['p-a', 'p-none']);
    expect(readStreams).toHaveBeenCalledTimes(1);
  });

  it('a preloaded state that another writer overtakes only costs a reload: the command still decides on the truth', async () => {
    await handleCommand(store, codec, counter, 'p-c', { amount: 1 });
    const cache = new AggregateCache<number>();
    await preloadAggregates(store, codec, counter, cache, ['p-c']);
    await handleCommand(store, codec, counter, 'p-c', { amount: 10 }, { cache: new AggregateCache<number>() });

    const outcome = await handleCommand(store, codec, counter, 'p-c', { amount: 100 }, { cache });
    expect(outcome).toMatchObject({ state: 111, version: 3 });
  });
});

describe('snapshots (a load reads the newest snapshot and the events after it)', () => {
  /** The counter's total as snapshot data, with a version: data of another version is not used. */
  const policy = (every: number, overrides: Partial<SnapshotPolicy<number>> = {}): SnapshotPolicy<number> => ({
    every,
    encode: async (total) => ({ v: 1, total }),
    decode: async (data) => ((data as { v?: unknown }).v === 1 ? (data as { total: number }).total : undefined),
    ...overrides,
  });
  const snapshotOf = async (stream: string) => (await store.readStreamsFromSnapshots([stream]))[0]!.snapshot;
  /** Snapshot writes run in the background: the next group commit. */
  const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('writes one when an append leaves `every` events past the last one, then folds only the events after it', async () => {
    const snapshots = policy(3);
    for (const amount of [1, 2]) await handleCommand(store, codec, counter, 'snap-a', { amount }, { snapshots });
    await settled();
    expect(await snapshotOf('snap-a')).toBeUndefined();
    await handleCommand(store, codec, counter, 'snap-a', { amount: 4 }, { snapshots });
    await settled();
    expect(await snapshotOf('snap-a')).toEqual({ revision: 2n, eventId: (await store.readStream('snap-a'))[2]!.id, data: { v: 1, total: 7 } });

    const decodeAll = jest.spyOn(codec, 'decodeAll');
    await handleCommand(store, codec, counter, 'snap-a', { amount: 8 }, { snapshots });
    const outcome = await handleCommand(store, codec, counter, 'snap-a', { amount: 16 }, { snapshots });
    expect(decodeAll.mock.calls.map(([events]) => events.length)).toEqual([0, 1]); // nothing past the snapshot, then the fourth event
    expect(outcome).toMatchObject({ state: 31, version: 5 });
    expect(await loadAggregate(store, codec, counter, 'snap-a')).toEqual({ state: 31, version: 5 });
    decodeAll.mockRestore();
    await settled();
    expect((await snapshotOf('snap-a'))?.revision).toBe(2n); // two events past it, fewer than `every`
  });

  it('writes one when a load folded `every` events past the last one (a stream grown without snapshots)', async () => {
    for (let amount = 1; amount <= 5; amount++) await handleCommand(store, codec, counter, 'snap-f', { amount });
    const cache = new AggregateCache<number>();
    await preloadAggregates(store, codec, counter, cache, ['snap-f'], policy(5));
    await settled();
    expect(await snapshotOf('snap-f')).toMatchObject({ revision: 4n, data: { v: 1, total: 15 } });
    expect(cache.get('snap-f')).toEqual({ state: 15, version: 5, snapshotted: 5 });
    // The cache knows the snapshot is current: the next append does not write another.
    const writes = jest.spyOn(store, 'writeSnapshots');
    await handleCommand(store, codec, counter, 'snap-f', { amount: 6 }, { cache, snapshots: policy(5) });
    expect(writes).not.toHaveBeenCalled();
  });

  it('decides from a snapshot exactly what the whole stream decides, for commands, batches and preloads', async () => {
    const snapshots = policy(2);
    const cache = new AggregateCache<number>();
    for (let i = 1; i <= 9; i++) {
      await handleCommands(store, codec, counter, 'snap-b', [{ amount: i }, { amount: 0 }, { amount: 10 * i }], { snapshots });
      await preloadAggregates(store, codec, counter, cache, ['snap-b', 'snap-none'], snapshots);
      await settled();
      const whole = await loadAggregate(store, codec, counter, 'snap-b');
      expect(await loadAggregate(store, codec, counter, 'snap-b', snapshots)).toMatchObject(whole);
      expect(cache.get('snap-b')).toMatchObject(whole);
      expect(cache.get('snap-none')).toMatchObject({ state: 0, version: 0 });
      cache.forget('snap-b');
    }
    expect((await snapshotOf('snap-b'))?.revision).toBeGreaterThan(10n);
    expect(await snapshotOf('snap-none')).toBeUndefined();
  });

  it('reads a stream whole when its snapshot does not decode (another version, a shredded key): never a wrong state', async () => {
    for (const amount of [1, 2, 3, 4]) await handleCommand(store, codec, counter, 'snap-c', { amount });
    const events = await store.readStream('snap-c');
    await store.writeSnapshots([{ streamName: 'snap-c', revision: 2n, eventId: events[2]!.id, data: { v: 0, total: 999 } }]);
    await store.writeSnapshots([{ streamName: 'snap-d', revision: 0n, eventId: 'none', data: { v: 1, total: 999 } }]);
    const cache = new AggregateCache<number>();
    const readStreams = jest.spyOn(store, 'readStreams');

    await preloadAggregates(store, codec, counter, cache, ['snap-c', 'snap-d'], policy(100));

    expect(readStreams.mock.calls).toEqual([[['snap-c']]]);
    expect(cache.get('snap-c')).toMatchObject({ state: 10, version: 4 });
    expect(cache.get('snap-d')).toMatchObject({ state: 0, version: 0 });
    expect((await handleCommand(store, codec, counter, 'snap-c', { amount: 5 }, { snapshots: policy(100) })).state).toBe(15);
  });

  it('loses nothing when a snapshot cannot be written: the error is reported, the command done', async () => {
    const failures: unknown[] = [];
    const snapshots = policy(1, { onWriteError: (error) => failures.push(error) });
    jest.spyOn(store, 'writeSnapshots').mockRejectedValue(new Error('disk full'));
    await handleCommand(store, codec, counter, 'snap-e', { amount: 1 }, { snapshots });
    const outcome = await handleCommand(store, codec, counter, 'snap-e', { amount: 2 }, { snapshots });
    await settled();
    expect(outcome).toMatchObject({ state: 3, version: 2 });
    // The append of each command and the second one's load each tried one.
    expect(failures).toEqual([new Error('disk full'), new Error('disk full'), new Error('disk full')]);
  });
});

describe('EventCodec.decodeAll', () => {
  it("reads the keys of the events' subjects that are not cached in one vault read, then decodes", async () => {
    const vault = new MemoryKeyVault();
    const writer = new EventCodec(new PiiCodec(vault));
    const recorded = await Promise.all(
      ['u-1', 'u-2', 'u-1', 'u-3'].map(async (userId, i): Promise<RecordedEvent> => {
        const encoded = await writer.encode({ type: USER_PROFILE_EVENTS.fieldSet, data: { userId, key: 'city', value: `city ${i}` } });
        return { ...encoded, streamName: `s-${userId}`, revision: 0n, position: BigInt(i + 1), metadata: {}, recordedAt: '' };
      }),
    );
    const plain = { id: 'e-plain', type: 'counter.Added', streamName: 's-4', revision: 0n, position: 5n, data: { userId: 'u-4', amount: 1 }, metadata: {}, recordedAt: '' };
    const batches = jest.spyOn(vault, 'getKeys');
    const singles = jest.spyOn(vault, 'getKey');

    const decoded = await new EventCodec(new PiiCodec(vault)).decodeAll([...recorded, plain]);

    expect(decoded.map((event) => event.data['value'] ?? event.data['amount'])).toEqual(['city 0', 'city 1', 'city 2', 'city 3', 1]);
    expect(batches.mock.calls).toEqual([[['u-1', 'u-2', 'u-3']]]);
    expect(singles).not.toHaveBeenCalled();
  });
});

/** A bounded counter: an amount that would pass the limit is a rejection of that command alone. */
class OverLimit extends Error {}
const bounded = {
  ...counter,
  decide: (command: { amount: number }, total: number): Added[] => {
    if (command.amount === -1) throw new Error('broken command');
    if (total + command.amount > 10) throw new OverLimit();
    return counter.decide(command);
  },
};

describe('handleCommands (several commands, one load, one append)', () => {
  it('decides each command against the state the ones before it left, and appends all events at once', async () => {
    const outcome = await handleCommands(store, codec, bounded, 'b-1', [{ amount: 4 }, { amount: 0 }, { amount: 5 }, { amount: 2 }, { amount: 1 }], {
      isRejection: (error) => error instanceof OverLimit,
    });
    // 4 + 5 = 9; the 2 would pass 10 and is rejected alone; the 1 still fits.
    expect(outcome.state).toBe(10);
    expect(outcome.version).toBe(3);
    expect(outcome.decisions.map((d) => d.events.length)).toEqual([1, 0, 1, 0, 1]);
    expect('rejected' in outcome.decisions[3]!).toBe(true);
    expect('rejected' in outcome.decisions[1]!).toBe(false);
    const recorded = await store.readStream('b-1');
    expect(recorded.map((e) => e.data)).toEqual([4, 5, 1].map((amount) => ({ userId: 'u1', amount })));
    // One append: all three events share one commit time and consecutive positions.
    expect(new Set(recorded.map((e) => e.recordedAt)).size).toBe(1);
    expect(recorded[2]!.position - recorded[0]!.position).toBe(2n);
  });

  it('decides exactly what the same commands decide one at a time', () => {
    const commands = [3, 0, 4, 9, 2, 1, 5, 1].map((amount) => ({ amount }));
    const isRejection = (error: unknown) => error instanceof OverLimit;
    const batch = decideAll(bounded, commands, 0, isRejection);
    let state = 0;
    const oneByOne: Added[][] = [];
    for (const command of commands) {
      const events = decideAll(bounded, [command], state, isRejection).newEvents;
      state = events.reduce(bounded.evolve, state);
      oneByOne.push(events);
    }
    expect(batch.decisions.map((d) => d.events)).toEqual(oneByOne);
    expect(batch.next).toBe(state);
  });

  it('appends nothing when a command fails with an error that is not a rejection', async () => {
    await expect(handleCommands(store, codec, bounded, 'b-2', [{ amount: 1 }, { amount: -1 }], { isRejection: (e) => e instanceof OverLimit })).rejects.toThrow('broken command');
    expect(await store.readStream('b-2')).toEqual([]);
  });

  it('decides the whole batch again after a conflict with another process', async () => {
    const cacheOfProcessA = new AggregateCache<number>();
    await handleCommands(store, codec, bounded, 'b-3', [{ amount: 1 }], { cache: cacheOfProcessA });
    await handleCommands(store, codec, bounded, 'b-3', [{ amount: 6 }], { cache: new AggregateCache<number>() });
    // A believes the total is 1, where 2 and 4 both fit; against the real 7 the 2 fits and the 4 is rejected.
    const outcome = await handleCommands(store, codec, bounded, 'b-3', [{ amount: 2 }, { amount: 4 }], {
      cache: cacheOfProcessA,
      isRejection: (e) => e instanceof OverLimit,
    });
    expect(outcome.decisions.map((d) => d.events.length)).toEqual([1, 0]);
    expect(outcome.state).toBe(9);
    expect(outcome.version).toBe(3);
  });

  it('gives every appended event a time-ordered (UUIDv7) id', async () => {
    await handleCommands(store, codec, counter, 'b-4', [{ amount: 1 }, { amount: 2 }, { amount: 3 }]);
    const ids = (await store.readStream('b-4')).map((e) => e.id);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
  });
});
