import { DeadlineExceededError, type Doc, type DocFilter, type FindQuery, type IndexSpec } from '../port';
import { EmbeddedCollection, type CollectionSettings } from './embedded-collection';

/**
 * Work spread over turns of the event loop: index builds in the background and counts that evaluate the predicate
 * in turns. The settings make every turn tiny, so that the tests can write between turns; nothing here measures time.
 */

const INDEXES: IndexSpec[] = [
  { name: 'bot_last', fields: [['botId', 1], ['last', -1], ['id', -1]] },
  { name: 'bot_tags', fields: [['botId', 1], ['tags', 1]] },
  { name: 'bot_status_channel', fields: [['botId', 1], ['status', 1], ['channel', 1]] },
];

/** Every build in the background, one turn per 256 entries; counts yield every 10 documents. */
const TINY_TURNS: CollectionSettings = { atOnceUpTo: 0, turnMs: 0, countTurnDocs: 10 };

function user(i: number, version = 0): Doc {
  return {
    id: `u${String(i).padStart(5, '0')}`,
    botId: i % 4 === 0 ? 'b2' : 'b1',
    last: `2026-01-01T${String((i * 37 + version) % 10_000).padStart(5, '0')}`,
    tags: [`t${(i + version) % 5}`, ...(i % 3 === 0 ? ['three'] : [])],
    status: (i + version) % 10 === 0 ? 'unsubscribed' : 'subscribed',
    channel: i % 7 === 0 ? 'sms' : 'messenger',
  };
}

const FILTERS: DocFilter[] = [
  { field: 'botId', op: 'eq', value: 'b1' },
  { and: [{ field: 'botId', op: 'eq', value: 'b1' }, { field: 'tags', op: 'eq', value: 't2' }] },
  { and: [{ field: 'botId', op: 'eq', value: 'b2' }, { field: 'status', op: 'eq', value: 'unsubscribed' }, { field: 'channel', op: 'eq', value: 'sms' }] },
  { and: [{ field: 'botId', op: 'eq', value: 'b1' }, { field: 'last', op: 'gte', value: '2026-01-01T05000' }] },
  { and: [{ field: 'botId', op: 'in', value: ['b1', 'b2'] }, { field: 'tags', op: 'all', value: ['three', 't1'] }] },
];

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The same answers as a collection without indexes, pages (sorted and not) and counts, in one synchronous pass (so
 * that no background turn runs in between).
 */
function expectSameAnswers(indexed: EmbeddedCollection<Doc>, scanned: EmbeddedCollection<Doc>): void {
  const page = (users: EmbeddedCollection<Doc>, query: FindQuery) => users.explainFind(query).page.items.map((doc) => JSON.stringify(doc)).join('\n');
  for (const filter of FILTERS) {
    for (const sort of [undefined, { field: 'last', order: 'desc' } as const]) {
      const query = { filter, sort, limit: 2000 };
      expect(page(indexed, query)).toBe(page(scanned, query));
    }
    expect(indexed.explainCount(filter).count).toBe(scanned.explainCount(filter).count);
  }
}

describe('indexes built in the background', () => {
  // 6,000: the time index's level under bot b1 has more than 4,096 values, so it is sorted and loaded in turns too.
  it.each([1500, 6000])('answers by scanning until an index is built, and like a scan throughout while %i documents change', async (n) => {
    const indexed = new EmbeddedCollection<Doc>('indexed', TINY_TURNS);
    const scanned = new EmbeddedCollection<Doc>('scanned');
    let position = 0n;
    const write = async (doc: Doc) => {
      position++;
      await indexed.upsert(doc, position);
      await scanned.upsert(doc, position);
    };
    const remove = async (id: string) => {
      position++;
      await indexed.delete(id, position);
      await scanned.delete(id, position);
    };
    for (let i = 0; i < n; i++) await write(user(i));

    await indexed.ensureIndexes(INDEXES);
    expect(indexed.indexesBuilding).toBe(3);
    const bySort = { filter: FILTERS[0], sort: { field: 'last', order: 'desc' }, limit: 10 } as const;
    expect(indexed.explainFind(bySort).stats.strategy).toBe('scan');

    // Between turns: documents the builds have passed and ones they have not reached change keys, are deleted and
    // written again (a new entry), and new documents arrive.
    let round = 0;
    while (indexed.indexesBuilding > 0 && round < 1000) {
      round++;
      const early = (round * 13) % n;
      const late = n - 1 - ((round * 29) % n);
      await write(user(early, round));
      await write(user(late, round));
      if (round % 3 === 0) await remove(user((round * 7) % n).id);
      if (round % 5 === 0) await write(user((round * 7) % n, round));
      await write(user(10_000 + round));
      if (n < 2000 || round % 5 === 0) expectSameAnswers(indexed, scanned);
      await nextTurn();
    }
    expect(round).toBeGreaterThan(10);

    await indexed.whenIndexesBuilt();
    expect(indexed.explainFind(bySort).stats.strategy).toBe('walk');
    // Exact counts come from index keys alone: a key added twice or a re-key missed would show here.
    expect(indexed.explainCount(FILTERS[2]).stats.strategy).toBe('candidates');
    expectSameAnswers(indexed, scanned);
  }, 30_000);

  it('leaves nothing half built when the collection is cleared or loaded during a build', async () => {
    const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    for (let i = 0; i < 2000; i++) await users.upsert(user(i), BigInt(i + 1));
    await users.ensureIndexes(INDEXES);
    await nextTurn();
    expect(users.indexesBuilding).toBeGreaterThan(0);
    await users.clear();
    expect(users.indexesBuilding).toBe(0);
    await users.whenIndexesBuilt();
    const reference = new EmbeddedCollection<Doc>('reference');
    for (let i = 0; i < 50; i++) {
      await users.upsert(user(i, 1), 5000n + BigInt(i));
      await reference.upsert(user(i, 1), 5000n + BigInt(i));
    }
    expect(users.explainCount(FILTERS[2]).stats.strategy).toBe('candidates');
    expectSameAnswers(users, reference);

    const dump = reference.dump();
    for (let i = 100; i < 2000; i++) await users.upsert(user(i), BigInt(i + 1));
    await users.ensureIndexes([{ name: 'bot_channel', fields: [['botId', 1], ['channel', 1]] }]);
    expect(users.indexesBuilding).toBe(1);
    users.load(dump);
    expect(users.indexesBuilding).toBe(0);
    expectSameAnswers(users, reference);
  });

  it('builds at once up to the threshold, so that small collections use their indexes as soon as declared', async () => {
    const users = new EmbeddedCollection<Doc>('users', { ...TINY_TURNS, atOnceUpTo: 100 });
    for (let i = 0; i < 100; i++) await users.upsert(user(i), BigInt(i + 1));
    await users.ensureIndexes(INDEXES);
    expect(users.indexesBuilding).toBe(0);
    expect(users.explainCount(FILTERS[2]).stats.strategy).toBe('candidates');
  });
});

describe('counts evaluated in turns', () => {
  const needsPredicate: DocFilter = { and: [{ field: 'botId', op: 'eq', value: 'b1' }, { not: { field: 'tags', op: 'eq', value: 't0' } }] };
  const matches = (doc: Doc) => doc.botId === 'b1' && !(doc.tags as string[]).includes('t0');

  async function seeded(n: number): Promise<{ users: EmbeddedCollection<Doc>; docs: Doc[] }> {
    const users = new EmbeddedCollection<Doc>('users', TINY_TURNS);
    const docs = Array.from({ length: n }, (_, i) => user(i));
    for (const [i, doc] of docs.entries()) await users.upsert(doc, BigInt(i + 1));
    return { users, docs };
  }

  it('is exact while nothing changes, by scan and by sets', async () => {
    const { users, docs } = await seeded(300);
    expect(await users.count(needsPredicate)).toBe(docs.filter(matches).length);
    await users.ensureIndexes(INDEXES);
    await users.whenIndexesBuilt();
    const viaTag: DocFilter = { and: [{ field: 'botId', op: 'eq', value: 'b2' }, { field: 'tags', op: 'eq', value: 'three' }, { not: { field: 'channel', op: 'eq', value: 'sms' } }] };
    const expected = docs.filter((d) => d.botId === 'b2' && (d.tags as string[]).includes('three') && d.channel !== 'sms').length;
    // The tag's set is counted exactly; the predicate decides the channel of its members, in turns.
    expect(users.explainCount(viaTag).stats).toEqual(expect.objectContaining({ strategy: 'sets', examined: docs.filter((d) => d.botId === 'b2' && (d.tags as string[]).includes('three')).length }));
    expect(await users.count(viaTag)).toBe(expected);
  });

  it('yields while it evaluates, and counts the documents present throughout by their state when reached', async () => {
    const { users, docs } = await seeded(300);
    const counting = users.count(needsPredicate);
    // The first turn has evaluated the first ten documents; what follows happens before the rest are reached.
    let turnsTaken = 0;
    let done = false;
    void counting.then(() => (done = true));
    const changedLate = { ...docs[200]!, tags: ['t0'] };
    const deletedLate = docs[201]!;
    const changedEarly = { ...docs[1]!, tags: ['t0'] };
    await users.upsert(changedLate, 1000n);
    await users.delete(deletedLate.id, 1001n);
    await users.upsert(changedEarly, 1002n);
    await users.upsert({ ...user(5000), botId: 'b1', tags: [] }, 1003n);
    while (!done) {
      turnsTaken++;
      await nextTurn();
    }
    expect(turnsTaken).toBeGreaterThan(1);
    const expected = docs.filter((d, i) => i !== 201 && matches(i === 200 ? changedLate : d)).length;
    expect(await counting).toBe(expected);
    // Quiet again: exact.
    expect(await users.count(needsPredicate)).toBe(
      [...docs.slice(0, 201), ...docs.slice(202)].map((d, i) => (i === 1 ? changedEarly : i === 200 ? changedLate : d)).filter(matches).length + 1,
    );
  });

  it('abandons a count whose deadline passes between its turns', async () => {
    const { users } = await seeded(300);
    let now = 1_000;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const counting = users.count(needsPredicate, { deadline: 1_500 });
      now = 2_000; // the caller's deadline passes while the first turn's documents are evaluated
      await expect(counting).rejects.toBeInstanceOf(DeadlineExceededError);
      now = 1_000;
      expect(await users.count(needsPredicate, { deadline: 1_500 })).toBeGreaterThan(0);
    } finally {
      clock.mockRestore();
    }
  });

  it('does not count a document deleted and written again meanwhile twice', async () => {
    const { users, docs } = await seeded(100);
    const counting = users.count(needsPredicate);
    const early = docs.findIndex(matches);
    await users.delete(docs[early]!.id, 500n);
    await users.upsert(docs[early]!, 501n);
    expect(await counting).toBe(docs.filter(matches).length);
  });
});
