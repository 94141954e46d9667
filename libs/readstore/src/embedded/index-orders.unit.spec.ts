import type { Doc, DocFilter, FindQuery, IndexSpec } from '../port';
import { EmbeddedCollection, type CollectionDump, type CollectionSettings } from './embedded-collection';
import { LOADED_ORDERS_GRACE_MS, type IndexOrder, type LoadedIndexOrder } from './indexes';
import type { PartitionOrder } from './ordered-index';

/**
 * Indexes kept in index order by a dump and loaded from that order after `load` (adopted) instead of being built:
 * the answers must be those of indexes built from scratch and of a scan, whatever was written between the load and
 * the declaration, and an order that does not match the documents must be refused (the index is then built).
 */

const INDEXES: IndexSpec[] = [
  { name: 'bot_last', fields: [['botId', 1], ['last', -1], ['id', -1]] },
  { name: 'bot_tags', fields: [['botId', 1], ['tags', 1]] },
  { name: 'bot_status_channel', fields: [['botId', 1], ['status', 1], ['channel', 1]] },
  { name: 'bot_score_tags', fields: [['botId', 1], ['score', 1], ['tags', 1]] },
  { name: 'groups', fields: [['groups', 1], ['last', 1]] },
  { name: 'email', fields: [['email', 1]], unique: true },
];

/** Every build and adoption in the background, in tiny turns, so that the tests can write between them. */
const TINY_TURNS: CollectionSettings = { atOnceUpTo: 0, turnMs: 0, countTurnDocs: 10 };

function user(i: number, version = 0): Doc {
  return {
    id: `u${String(i).padStart(5, '0')}`,
    botId: i % 4 === 0 ? 'b2' : 'b1',
    last: `2026-01-01T${String((i * 37 + version) % 10_000).padStart(5, '0')}`,
    // Multikey: several values, one, none (keyed as null) or missing.
    ...(i % 11 === 0 ? {} : { tags: i % 5 === 0 ? [] : [`t${(i + version) % 5}`, ...(i % 3 === 0 ? ['three', 'tré'] : [])] }),
    status: (i + version) % 10 === 0 ? 'unsubscribed' : 'subscribed',
    channel: i % 7 === 0 ? 'sms' : i % 13 === 0 ? null : 'messenger',
    score: i % 9 === 0 ? null : (i * 7 + version) % 50,
    // In several partitions of the `groups` index, or in none.
    ...(i % 6 === 0 ? {} : { groups: i % 2 ? ['g1', `g${i % 3}`] : `g${i % 4}` }),
    email: `user${i}@example.com`,
  };
}

const FILTERS: DocFilter[] = [
  { field: 'botId', op: 'eq', value: 'b1' },
  { and: [{ field: 'botId', op: 'eq', value: 'b1' }, { field: 'tags', op: 'eq', value: 't2' }] },
  { and: [{ field: 'botId', op: 'eq', value: 'b2' }, { field: 'tags', op: 'all', value: ['three', 't1'] }] },
  { and: [{ field: 'botId', op: 'eq', value: 'b2' }, { field: 'status', op: 'eq', value: 'unsubscribed' }, { field: 'channel', op: 'eq', value: 'sms' }] },
  { and: [{ field: 'botId', op: 'eq', value: 'b1' }, { field: 'last', op: 'gte', value: '2026-01-01T05000' }] },
  { and: [{ field: 'botId', op: 'in', value: ['b1', 'b2'] }, { field: 'score', op: 'lt', value: 20 }, { field: 'tags', op: 'eq', value: 't1' }] },
  { and: [{ field: 'groups', op: 'eq', value: 'g1' }, { field: 'last', op: 'lt', value: '2026-01-01T03000' }] },
  { field: 'email', op: 'eq', value: 'user42@example.com' },
];

/** Pages (sorted and not, all of them) and counts, as strings, in one synchronous pass. */
function answers(users: EmbeddedCollection<Doc>): string[] {
  const out: string[] = [];
  const page = (query: FindQuery) => users.explainFind(query).page.items.map((doc) => JSON.stringify(doc)).join('\n');
  for (const filter of FILTERS) {
    for (const sort of [undefined, { field: 'last', order: 'desc' } as const, { field: 'score', order: 'asc' } as const]) out.push(page({ filter, sort, limit: 5000 }));
    out.push(String(users.explainCount(filter).count));
  }
  return out;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A collection of `n` users with every index built, and its dump. */
async function dumped(n: number): Promise<CollectionDump<Doc>> {
  const source = new EmbeddedCollection<Doc>('users', TINY_TURNS);
  for (let i = 0; i < n; i++) await source.upsert(user(i), BigInt(i + 1));
  // Entries deleted (and one written again) before the dump: positions in the dump are not creation counters.
  for (let i = 0; i < n; i += 17) await source.delete(user(i).id, BigInt(n + i + 1));
  await source.upsert(user(17, 3), BigInt(3 * n));
  await source.ensureIndexes(INDEXES);
  await source.whenIndexesBuilt();
  return source.dump(true);
}

/** The same documents with indexes built from scratch (no order): the reference for answers. */
async function built(dump: CollectionDump<Doc>, specs = INDEXES): Promise<EmbeddedCollection<Doc>> {
  const users = new EmbeddedCollection<Doc>('built', TINY_TURNS);
  users.load({ docs: dump.docs, positions: dump.positions, tombstones: dump.tombstones });
  await users.ensureIndexes(specs);
  await users.whenIndexesBuilt();
  return users;
}

function scanned(dump: CollectionDump<Doc>): EmbeddedCollection<Doc> {
  const users = new EmbeddedCollection<Doc>('scanned');
  users.load({ docs: dump.docs, positions: dump.positions, tombstones: dump.tombstones });
  return users;
}

/** A dump whose orders are copies that a test may spoil. */
function copied(dump: CollectionDump<Doc>): CollectionDump<Doc> & { indexes: IndexOrder[] } {
  const indexes = dump.indexes!.map((index) => ({
    fields: index.fields,
    partitions: index.partitions.map((p) => ({ value: p.value, refs: p.refs.slice(), runs: p.runs.map((run) => run.slice()), values: p.values.map((v) => v && [...v]) })),
  }));
  return { ...dump, indexes };
}

const orderOf = (dump: { indexes: IndexOrder[] }, first: string, second?: string) =>
  dump.indexes.find((index) => index.fields[0] === first && (second === undefined || index.fields[1] === second))!;
const largest = (index: IndexOrder): PartitionOrder & { refs: Uint32Array; runs: Uint32Array[]; values: (string[] | null)[] } =>
  [...index.partitions].sort((a, b) => b.refs.length - a.refs.length)[0] as never;

describe('index orders kept by a dump', () => {
  let dump: CollectionDump<Doc>;
  let reference: string[];

  beforeAll(async () => {
    dump = await dumped(1200);
    reference = answers(await built(dump));
    expect(reference).toEqual(answers(scanned(dump)));
  }, 30_000); // ~1–3 s alone; more on a busy machine

  it('holds every finished ordered index (one per distinct list of fields), unique ones aside', () => {
    expect(dump.indexes!.map((index) => index.fields.join(','))).toEqual([
      'botId,last,id',
      'botId,tags',
      'botId,status,channel',
      'botId,score,tags',
      'groups,last',
      'email',
    ]);
    const tags = largest(orderOf(dump as never, 'botId', 'tags'));
    // Multikey: the values are kept (a document with no tags is not keyed at all: nothing to order it by).
    expect(tags.values[0]).toEqual(['t0', 't1', 't2', 't3', 't4', 'three', 'tré']);
    expect(largest(orderOf(dump as never, 'botId', 'last')).values).toEqual([null]);
  });

  it('loads every index from its order, with the answers of indexes built from scratch', async () => {
    const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    users.load(dump);
    await users.ensureIndexes(INDEXES);
    expect(users.indexesBuilding).toBe(6);
    await users.whenIndexesBuilt();
    expect(users.indexAdoptions).toEqual({ adopted: 6, refused: 0 });
    expect(answers(users)).toEqual(reference);
    // Adopted indexes are used, including for exact counts from keys alone (counters loaded right).
    expect(users.explainCount(FILTERS[3]).stats.strategy).toBe('candidates');
    expect(users.explainFind({ filter: FILTERS[0], sort: { field: 'last', order: 'desc' }, limit: 10 }).stats.strategy).toBe('walk');
    // ... and maintained as before.
    await users.upsert(user(42, 7), 100_000n);
    await users.delete(user(43).id, 100_001n);
    const after = await built({ ...users.dump(), tombstones: [], indexes: [] });
    expect(answers(users)).toEqual(answers(after));
  });

  it('reflects the writes made between the load and the declaration, and during the loading', async () => {
    const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    const plain = scanned(dump);
    users.load(dump);
    let position = 50_000n;
    const write = async (doc: Doc) => void (await Promise.all([users.upsert(doc, ++position), plain.upsert(doc, position)]));
    const remove = async (id: string) => void (await Promise.all([users.delete(id, ++position), plain.delete(id, position)]));
    await write(user(1, 1));
    await write(user(2, 2));
    await write(user(2, 3)); // changed twice: keyed as loaded until adopted
    await remove(user(3).id);
    await remove(user(4).id);
    await write(user(4, 4)); // deleted and written again: a new entry
    await write(user(5000));
    await write({ ...user(5001), email: 'user5001@example.com' });
    await users.ensureIndexes(INDEXES);
    let round = 0;
    while (users.indexesBuilding > 0 && round < 5000) {
      round++;
      await write(user((round * 13) % 1200, round));
      if (round % 3 === 0) await remove(user((round * 7) % 1200).id);
      if (round % 5 === 0) await write(user((round * 7) % 1200, round));
      await write(user(10_000 + round));
      if (round % 25 === 0) expect(answers(users)).toEqual(answers(plain));
      await nextTurn();
    }
    expect(round).toBeGreaterThan(10);
    await users.whenIndexesBuilt();
    expect(users.indexAdoptions).toEqual({ adopted: 6, refused: 0 });
    expect(answers(users)).toEqual(answers(plain));
    expect(answers(users)).toEqual(answers(await built(users.dump(true))));
  }, 30_000);

  it('builds indexes whose fields changed, and drops the orders never declared after the grace period', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'performance'] });
    try {
      const changed: IndexSpec[] = [
        INDEXES[0]!, // same fields: adopted
        { name: 'bot_tags', fields: [['botId', 1], ['tags', 1], ['last', 1]] }, // same name, other fields: built
        { name: 'bot_status_renamed', fields: [['botId', -1], ['status', -1], ['channel', 1]] }, // same fields: adopted
      ];
      const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
      users.load(dump);
      await users.ensureIndexes(changed);
      await users.whenIndexesBuilt();
      expect(users.indexAdoptions).toEqual({ adopted: 2, refused: 0 });
      expect(answers(users)).toEqual(reference);
      jest.advanceTimersByTime(LOADED_ORDERS_GRACE_MS);
      // Declared after the grace period: built from the documents, not from the order kept at the load.
      await users.ensureIndexes([INDEXES[3]!]);
      await users.whenIndexesBuilt();
      expect(users.indexAdoptions).toEqual({ adopted: 2, refused: 0 });
      expect(answers(users)).toEqual(answers(await built(dump, [...changed, INDEXES[3]!])));
    } finally {
      jest.useRealTimers();
    }
  });

  it('numbers documents right after many deletions (positions found by binary search, not a table)', async () => {
    const source = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    for (let i = 0; i < 4400; i++) await source.upsert(user(i), BigInt(i + 1));
    for (let i = 0; i < 4400; i++) if (i % 40 !== 3) await source.delete(user(i).id, BigInt(10_000 + i));
    await source.ensureIndexes(INDEXES);
    await source.whenIndexesBuilt();
    // 110 documents of 4,400 created: more than twice as many `seq`s as documents, and then some.
    const sparse = source.dump(true);
    expect(sparse.docs).toHaveLength(110);
    expect(sparse.positions).toHaveLength(110);
    const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    users.load(sparse);
    await users.ensureIndexes(INDEXES);
    await users.whenIndexesBuilt();
    expect(users.indexAdoptions).toEqual({ adopted: 6, refused: 0 });
    expect(answers(users)).toEqual(answers(await built(sparse)));
  });

  it('loads an older dump without orders by building, as before', async () => {
    const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    users.load({ docs: dump.docs, positions: dump.positions, tombstones: dump.tombstones });
    await users.ensureIndexes(INDEXES);
    await users.whenIndexesBuilt();
    expect(users.indexAdoptions).toEqual({ adopted: 0, refused: 0 });
    expect(answers(users)).toEqual(reference);
  });

  /** The dump's orders sealed as a format-3 snapshot loads them: decoded by `decode(index)` when adopted. */
  const sealed = (decode: (index: IndexOrder) => Promise<readonly PartitionOrder[]>) => {
    const decoded: string[] = [];
    const indexes: LoadedIndexOrder[] = dump.indexes!.map((index) => ({
      fields: index.fields,
      partitions: () => {
        decoded.push(index.fields.join(','));
        return decode(index);
      },
    }));
    return { dump: { ...dump, indexes }, decoded };
  };

  it('decodes a sealed order only when its index is adopted, and never one that is not declared', async () => {
    const { dump: loaded, decoded } = sealed(async (index) => index.partitions);
    const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    users.load(loaded);
    expect(decoded).toEqual([]);
    await users.ensureIndexes(INDEXES.filter((spec) => spec.name !== 'groups'));
    expect(decoded).toEqual([]);
    await users.whenIndexesBuilt();
    expect(decoded).toEqual(['botId,last,id', 'botId,tags', 'botId,status,channel', 'botId,score,tags', 'email']);
    expect(users.indexAdoptions).toEqual({ adopted: 5, refused: 0 });
    await users.ensureIndexes(INDEXES);
    await users.whenIndexesBuilt();
    expect(answers(users)).toEqual(reference);
  });

  it('reflects the writes made while a sealed order decodes', async () => {
    const gates: (() => void)[] = [];
    const { dump: loaded } = sealed((index) => new Promise((resolve) => gates.push(() => resolve(index.partitions))));
    const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    const plain = scanned(dump);
    users.load(loaded);
    await users.ensureIndexes(INDEXES);
    let position = 70_000n;
    for (let round = 0; round < 6; round++) {
      while (gates.length === 0) await nextTurn();
      for (const doc of [user(round * 5 + 1, round + 1), user(20_000 + round)]) {
        position++;
        await Promise.all([users.upsert(doc, position), plain.upsert(doc, position)]);
      }
      position++;
      await Promise.all([users.delete(user(round * 5 + 2).id, position), plain.delete(user(round * 5 + 2).id, position)]);
      expect(answers(users)).toEqual(answers(plain));
      gates.shift()!();
    }
    await users.whenIndexesBuilt();
    expect(users.indexAdoptions).toEqual({ adopted: 6, refused: 0 });
    expect(answers(users)).toEqual(answers(plain));
  });

  it('builds an index whose sealed order does not decode, the others adopted', async () => {
    const { dump: loaded } = sealed(async (index) => {
      if (index.fields[1] === 'tags') throw new Error('a frame does not decompress');
      return index.partitions;
    });
    const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    users.load(loaded);
    await users.ensureIndexes(INDEXES);
    await users.whenIndexesBuilt();
    expect(users.indexAdoptions).toEqual({ adopted: 5, refused: 1 });
    expect(answers(users)).toEqual(reference);
  });

  it('adopts nothing a sealed order decodes after the collection was loaded again', async () => {
    const gates: (() => void)[] = [];
    const { dump: loaded } = sealed((index) => new Promise((resolve) => gates.push(() => resolve(index.partitions))));
    const other = await dumped(300);
    const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    users.load(loaded);
    await users.ensureIndexes(INDEXES);
    while (gates.length === 0) await nextTurn();
    users.load(other); // rebuilds the declared indexes at once
    gates.shift()!();
    for (let turn = 0; turn < 30; turn++) await nextTurn();
    await users.whenIndexesBuilt();
    expect(users.indexAdoptions).toEqual({ adopted: 0, refused: 0 });
    expect(answers(users)).toEqual(answers(await built(other)));
  });

  const spoilers: [string, (bad: CollectionDump<Doc> & { indexes: IndexOrder[] }) => void][] = [
    ['two keys swapped', (bad) => largest(orderOf(bad, 'botId', 'last')).refs.reverse()],
    ['a key moved to another document', (bad) => void (largest(orderOf(bad, 'botId', 'last')).refs[5] = largest(orderOf(bad, 'botId', 'last')).refs[6]!)],
    ['a position past the documents', (bad) => void (largest(orderOf(bad, 'botId', 'tags')).refs[0] = 1_000_000)],
    ['a run longer than its keys', (bad) => void (largest(orderOf(bad, 'botId', 'status')).runs[1]![0]! += 1)],
    ['a run split in two', (bad) => {
      const order = largest(orderOf(bad, 'botId', 'tags'));
      const runs = order.runs[0]!;
      (order as { runs: Uint32Array[] }).runs = [Uint32Array.from([1, runs[0]! - 1, ...runs.slice(1)])];
      (order as { values: unknown[] }).values = [[order.values[0]![0], ...order.values[0]!]];
    }],
    ['a kept value changed', (bad) => void (largest(orderOf(bad, 'botId', 'tags')).values[0]![1] = 'tX')],
    ['a partition missing', (bad) => void (orderOf(bad, 'botId', 'status') as unknown as { partitions: unknown[] }).partitions.pop()],
    ['a partition twice', (bad) => {
      const index = orderOf(bad, 'groups') as unknown as { partitions: PartitionOrder[] };
      index.partitions.push(index.partitions[0]!);
    }],
    ['a partition renamed', (bad) => void ((orderOf(bad, 'groups').partitions[0] as { value: unknown }).value = 'g9')],
    ['keys of the wrong type', (bad) => void ((largest(orderOf(bad, 'email')) as { refs: unknown }).refs = [...largest(orderOf(bad, 'email')).refs])],
    ['a document keyed twice in place of another', (bad) => {
      const refs = largest(orderOf(bad, 'botId', 'status')).refs;
      refs[refs.length - 1] = refs[refs.length - 2]!;
    }],
  ];

  it.each(spoilers)('refuses an order that does not match the documents (%s) and builds that index instead', async (_what, spoil) => {
    const bad = copied(dump);
    spoil(bad);
    const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    users.load(bad);
    await users.ensureIndexes(INDEXES);
    await users.whenIndexesBuilt();
    expect(users.indexAdoptions).toEqual({ adopted: 5, refused: 1 });
    expect(answers(users)).toEqual(reference);
  });

  it('leaves the indexes of a load made during a loading whole', async () => {
    const other = await dumped(300);
    const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    users.load(dump);
    await users.ensureIndexes(INDEXES);
    await nextTurn();
    await nextTurn(); // the first index's loading has begun (its counting pass yields every 1,024 documents)
    expect(users.indexesBuilding).toBe(6);
    users.load(other); // rebuilds the declared indexes at once
    expect(users.indexesBuilding).toBe(0);
    for (let turn = 0; turn < 30; turn++) await nextTurn();
    await users.whenIndexesBuilt();
    expect(answers(users)).toEqual(answers(await built(other)));
    expect(users.explainCount(FILTERS[3]).stats.strategy).toBe('candidates');
  });

  it('leaves nothing half loaded when the collection is cleared during a loading', async () => {
    const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    users.load(dump);
    await users.ensureIndexes(INDEXES);
    await nextTurn();
    await nextTurn();
    expect(users.indexesBuilding).toBeGreaterThan(0);
    await users.clear();
    expect(users.indexesBuilding).toBe(0);
    await users.whenIndexesBuilt();
    for (let i = 0; i < 50; i++) await users.upsert(user(i, 1), BigInt(i + 1));
    const reference50 = scanned({ ...users.dump(), tombstones: [], indexes: [] });
    expect(answers(users)).toEqual(answers(reference50));
  });
});
