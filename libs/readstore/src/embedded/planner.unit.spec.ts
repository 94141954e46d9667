import type { Doc, DocFilter, IndexSpec } from '../port';
import { DEFAULT_COLLECTION_SETTINGS, EmbeddedCollection } from './embedded-collection';
import type { Entry } from './entry';
import { OrderedIndex } from './ordered-index';
import { planQuery } from './planner';

/**
 * How the planner answers, measured in documents examined (the predicate evaluated) and index keys counted, never
 * in time. Answers themselves are checked against plain scans in the conformance suite and indexes.unit.spec.
 */

const INDEXES: IndexSpec[] = [
  { name: 'bot_last', fields: [['botId', 1], ['last', -1], ['id', -1]] },
  { name: 'bot_name', fields: [['botId', 1], ['name', 1], ['id', 1]] },
  { name: 'bot_tags', fields: [['botId', 1], ['tags', 1]] },
  { name: 'bot_status_channel', fields: [['botId', 1], ['status', 1], ['channel', 1]] },
  { name: 'bot_score', fields: [['botId', 1], ['score', 1]] },
  { name: 'bot_odd', fields: [['botId', 1], ['odd', 1]] },
];

const N = 2000;
const pad = (i: number) => String(i).padStart(5, '0');

/** 2,000 users of bot b1 and 500 of b2; tag `rare` on every 100th user of b1, `common` on every other one. */
function user(i: number, bot = 'b1'): Doc {
  const tags = [...(i % 100 === 0 ? ['rare'] : []), ...(i % 2 === 0 ? ['common'] : [])];
  return {
    id: `${bot}-${pad(i)}`,
    botId: bot,
    last: `2026-01-01T00:${pad(i)}`,
    name: `n${pad((i * 7919) % N)}`,
    tags,
    status: i % 10 === 0 ? 'unsubscribed' : 'subscribed',
    channel: i % 3 === 0 ? 'sms' : 'messenger',
    score: i % 1000,
    odd: i % 7 === 0 ? [i, i + 1] : i,
    note: i % 250 === 0 ? 'needle' : 'hay',
  };
}

/**
 * Without sort columns: these specs pin the walk's and the sets' own strategies (`sort-columns.unit.spec.ts` has the
 * pages selected through columns).
 */
const NO_COLUMNS = { ...DEFAULT_COLLECTION_SETTINGS, sortColumns: false };

async function collection(indexed = true): Promise<EmbeddedCollection<Doc>> {
  const users = new EmbeddedCollection<Doc>('users', NO_COLUMNS);
  if (indexed) await users.ensureIndexes(INDEXES);
  let position = 0n;
  for (let i = 0; i < N; i++) await users.upsert(user(i), ++position);
  for (let i = 0; i < 500; i++) await users.upsert(user(i, 'b2'), ++position);
  return users;
}

const bot: DocFilter = { field: 'botId', op: 'eq', value: 'b1' };
const and = (...filters: DocFilter[]): DocFilter => ({ and: [bot, ...filters] });

describe('the embedded planner', () => {
  let users: EmbeddedCollection<Doc>;
  let plain: EmbeddedCollection<Doc>;

  beforeAll(async () => {
    users = await collection();
    plain = await collection(false);
  });

  it('walks the sort index and stops after limit + 1 matches', () => {
    const { page, stats } = users.explainFind({ filter: bot, sort: { field: 'last', order: 'desc' }, limit: 50 });
    expect(stats.strategy).toBe('walk');
    expect(stats.examined).toBe(51);
    expect(page.items[0]!.id).toBe(`b1-${pad(N - 1)}`);
  });

  it('starts a later page right after the keyset, from a cursor or an explicit after', () => {
    const sort = { field: 'name', order: 'asc' } as const;
    const first = users.explainFind({ filter: bot, sort, limit: 50 }).page;
    const last = first.items[49]!;
    const viaCursor = users.explainFind({ filter: bot, sort, limit: 50, cursor: first.nextCursor! });
    const viaAfter = users.explainFind({ filter: bot, sort, limit: 50, after: { value: last.name as string, id: last.id } });
    expect(viaCursor.stats.examined).toBe(51);
    expect(viaAfter.stats.examined).toBe(51);
    expect(viaAfter.page.items).toEqual(viaCursor.page.items);
    expect(viaCursor.page.items).toEqual(plain.explainFind({ filter: bot, sort, limit: 50, cursor: first.nextCursor! }).page.items);
  });

  it('takes a small set over a long walk, at a cost bounded by a multiple of the set', () => {
    const filter = and({ field: 'tags', op: 'eq', value: 'rare' }, { field: 'note', op: 'eq', value: 'needle' });
    const { page, stats } = users.explainFind({ filter, sort: { field: 'last', order: 'asc' }, limit: 50 });
    expect(stats.strategy).toBe('walk, then sets');
    expect(stats.source).toBe('sets of ["tags"] in "b1"');
    // 20 rare users: at most the first cap of the walk, then the set itself.
    expect(stats.examined).toBeLessThanOrEqual(256 + 20);
    expect(page.items).toEqual(plain.explainFind({ filter, sort: { field: 'last', order: 'asc' }, limit: 50 }).page.items);
  });

  it('keeps walking when matches are frequent, even though a candidate set exists', () => {
    const filter = and({ field: 'tags', op: 'eq', value: 'common' });
    const { stats } = users.explainFind({ filter, sort: { field: 'last', order: 'desc' }, limit: 20 });
    expect(stats.strategy).toBe('walk');
    expect(stats.examined).toBeLessThanOrEqual(42);
  });

  it('bounds a walk by a range on the sort field', () => {
    const filter = and({ field: 'last', op: 'gte', value: `2026-01-01T00:${pad(N - 5)}` });
    const { page, stats } = users.explainFind({ filter, sort: { field: 'last', order: 'desc' }, limit: 50 });
    expect(idsOf(page.items)).toEqual([4, 3, 2, 1, 0].map((k) => `b1-${pad(N - 5 + k)}`));
    expect(stats.examined).toBe(5);
    const ascending = users.explainFind({ filter, sort: { field: 'last', order: 'asc' }, limit: 50 });
    expect(ascending.stats.examined).toBe(5);
    // A keyset before the range starts nothing: the walk still starts at the range.
    const early = users.explainFind({ filter, sort: { field: 'last', order: 'asc' }, limit: 50, after: { value: '2026-01-01T00:00000', id: 'b1-00000' } });
    expect(idsOf(early.page.items)).toEqual(idsOf(ascending.page.items));
    expect(early.stats.examined).toBe(5);
  });

  it('uses compound prefixes and ranges for candidates: status pinned, then channel', () => {
    const filter = and({ field: 'status', op: 'eq', value: 'unsubscribed' }, { field: 'channel', op: 'eq', value: 'sms' });
    const { count, stats } = users.explainCount(filter);
    expect(count).toBe(plain.explainCount(filter).count);
    expect(stats.examined).toBe(0);
    expect(stats.source).toContain('"status","channel"');
  });

  it('counts exactly from the index when the filter is what the ranges hold', () => {
    for (const filter of [
      bot,
      and({ field: 'tags', op: 'in', value: ['rare', 'common'] }),
      and({ field: 'score', op: 'gt', value: 500 }, { field: 'score', op: 'lte', value: 700 }),
      and({ field: 'status', op: 'eq', value: 'subscribed' }),
    ]) {
      const { count, stats } = users.explainCount(filter);
      expect({ filter, count }).toEqual({ filter, count: plain.explainCount(filter).count });
      expect(stats.examined).toBe(0);
    }
  });

  it('evaluates the predicate on the smallest candidate set only when more conditions remain', () => {
    const filter = and({ field: 'tags', op: 'eq', value: 'rare' }, { field: 'note', op: 'eq', value: 'needle' });
    const { count, stats } = users.explainCount(filter);
    expect(count).toBe(plain.explainCount(filter).count);
    expect(stats.examined).toBe(N / 100);
  });

  it('scans in storage order when the best source is most of the collection', () => {
    const filter = and({ field: 'note', op: 'eq', value: 'needle' });
    expect(users.explainCount(filter).stats.examined).toBe(N + 500);
    expect(users.explainCount(filter).count).toBe(plain.explainCount(filter).count);
  });

  it('counts from sets: complements for negative operators (users without a value included), unions for `or`', () => {
    for (const filter of [
      and({ not: { field: 'tags', op: 'eq', value: 'common' } }),
      and({ or: [{ field: 'tags', op: 'eq', value: 'rare' }, { field: 'score', op: 'gt', value: 990 }] }),
      and({ field: 'tags', op: 'in', value: ['rare'] }, { not: { field: 'status', op: 'eq', value: 'unsubscribed' } }),
      and({ not: { or: [{ field: 'tags', op: 'all', value: ['rare', 'common'] }, { field: 'status', op: 'eq', value: 'unsubscribed' }] } }),
    ]) {
      const { count, stats } = users.explainCount(filter);
      expect({ filter, count }).toEqual({ filter, count: plain.explainCount(filter).count });
      expect({ filter, strategy: stats.strategy, examined: stats.examined }).toEqual({ filter, strategy: 'sets', examined: 0 });
    }
  });

  it('counts a text condition from the values of an index, exactly, when that spares a scan', () => {
    // Names are unique values of `bot_name`: `contains` tests each value, never a document.
    for (const filter of [
      and({ not: { field: 'name', op: 'contains', value: '7' } }),
      and({ field: 'name', op: 'startsWith', value: 'N01' }, { not: { field: 'tags', op: 'eq', value: 'common' } }),
    ]) {
      const { count, stats } = users.explainCount(filter);
      expect({ filter, count }).toEqual({ filter, count: plain.explainCount(filter).count });
      expect({ filter, strategy: stats.strategy, examined: stats.examined }).toEqual({ filter, strategy: 'sets', examined: 0 });
    }
    // Beside a condition no index holds, such sets would not spare the scan.
    const mixed = and({ not: { field: 'name', op: 'contains', value: '7' } }, { field: 'note', op: 'eq', value: 'needle' });
    expect(users.explainCount(mixed)).toEqual({ count: plain.explainCount(mixed).count, stats: expect.objectContaining({ strategy: 'scan' }) });
  });

  it('evaluates the predicate of a count only on what the sets leave undecided', () => {
    // Even users with score < 10 match for sure; the other even users need the predicate (`note` has no index).
    const filter = and({ field: 'tags', op: 'eq', value: 'common' }, { or: [{ field: 'score', op: 'lt', value: 10 }, { field: 'note', op: 'eq', value: 'needle' }] });
    const { count, stats } = users.explainCount(filter);
    expect(count).toBe(plain.explainCount(filter).count);
    expect(stats).toEqual(expect.objectContaining({ strategy: 'sets', examined: N / 2 - 10, source: 'sets of ["tags","score"] in "b1"' }));
  });

  it('builds no sets for a count they would leave a complement to scan', () => {
    // `note` has no index: the `or` may hold almost anyone, so its sets would decide little.
    const filter = and({ or: [{ field: 'tags', op: 'eq', value: 'rare' }, { field: 'note', op: 'eq', value: 'needle' }] });
    const { count, stats } = users.explainCount(filter);
    expect(count).toBe(plain.explainCount(filter).count);
    expect(stats.strategy).toBe('scan');
  });

  it('walks on filtered by the sets when they are large, reading only the documents they leave undecided', () => {
    // Walking down from the newest: odd users are outside the sets, even ones from 1499 down match for sure.
    const filter = and({ field: 'tags', op: 'eq', value: 'common' }, { or: [{ field: 'note', op: 'eq', value: 'needle' }, { field: 'score', op: 'lt', value: 500 }] });
    const sort = { field: 'last', order: 'desc' } as const;
    const { page, stats } = users.explainFind({ filter, sort, limit: 50 });
    expect(stats.strategy).toBe('walk, filtered by sets');
    expect(stats.examined).toBeLessThan(256 + 250 / 2);
    expect(stats.decided).toBeGreaterThan(0);
    expect(page).toEqual(plain.explainFind({ filter, sort, limit: 50 }).page);
    const next = users.explainFind({ filter, sort, limit: 50, cursor: page.nextCursor! });
    expect(next.page).toEqual(plain.explainFind({ filter, sort, limit: 50, cursor: page.nextCursor! }).page);
  });

  it('builds no set beside a small exactly held conjunct that costs more than evaluating its members', () => {
    // Four users score above 997; the 200 `unsubscribed` users (a bucket too small to keep bits) cost more to put in
    // a set than evaluating the four.
    const filter = and({ field: 'score', op: 'gt', value: 997 }, { not: { field: 'status', op: 'eq', value: 'unsubscribed' } });
    const sort = { field: 'note', order: 'asc' } as const; // no index: no walk
    const { page, stats } = users.explainFind({ filter, sort, limit: 50 });
    expect(stats).toEqual(expect.objectContaining({ strategy: 'sets', examined: 4, source: 'sets of ["score"] in "b1"' }));
    expect(page).toEqual(plain.explainFind({ filter, sort, limit: 50 }).page);
    // Without a match in the small conjunct, nothing else is built or read (the search's movers, most of the time).
    const none = and({ field: 'score', op: 'gt', value: 5000 }, { field: 'status', op: 'eq', value: 'unsubscribed' });
    expect(users.explainFind({ filter: none, sort, limit: 50 }).stats).toEqual(expect.objectContaining({ strategy: 'sets', examined: 0, source: 'sets of ["score"] in "b1"' }));
  });

  it('selects a page from the sets when no walk serves the sort', () => {
    const filter = and({ field: 'tags', op: 'eq', value: 'rare' }, { not: { field: 'status', op: 'eq', value: 'unsubscribed' } });
    const sort = { field: 'note', order: 'asc' } as const;
    const { page, stats } = users.explainFind({ filter, sort, limit: 5 });
    expect(stats).toEqual(expect.objectContaining({ strategy: 'sets', examined: 0 }));
    expect(page).toEqual(plain.explainFind({ filter, sort, limit: 5 }).page);
  });

  it('gives a walk through rare matches without a candidate set up for a scan once it has cost as much', () => {
    const filter = and({ field: 'note', op: 'eq', value: 'nowhere' });
    const { page, stats } = users.explainFind({ filter, sort: { field: 'last', order: 'desc' }, limit: 50 });
    expect(page.items).toEqual([]);
    expect(stats.strategy).toBe('walk, then scan');
    // Walked at most an eighth of the collection (rounded up to the cap), then scanned it once.
    expect(stats.examined).toBeLessThanOrEqual(512 + N + 500);
  });

  it('answers `in []` on an indexed field without looking', () => {
    const { page, stats } = users.explainFind({ filter: { field: 'botId', op: 'in', value: [] }, limit: 5 });
    expect(page.items).toEqual([]);
    expect(stats.strategy).toBe('empty');
  });

  it('does not walk a field where some document holds an array (its sort value differs from its keys)', () => {
    const sort = { field: 'odd', order: 'asc' } as const;
    const indexed = users.explainFind({ filter: bot, sort, limit: 30 });
    expect(indexed.stats.strategy).not.toBe('walk');
    expect(indexed.page.items).toEqual(plain.explainFind({ filter: bot, sort, limit: 30 }).page.items);
  });

  it('never intersects two bounds on a field holding arrays: each may be met by another element, as in MongoDB', async () => {
    const small = new EmbeddedCollection<Doc>('small');
    await small.ensureIndexes([{ name: 'v', fields: [['botId', 1], ['v', 1]] }]);
    await small.upsert({ id: 'spread', botId: 'b1', v: [1, 5] }, 1n);
    await small.upsert({ id: 'inside', botId: 'b1', v: 2.5 }, 2n);
    await small.upsert({ id: 'outside', botId: 'b1', v: 9 }, 3n);
    const filter = and({ field: 'v', op: 'gt', value: 2 }, { field: 'v', op: 'lt', value: 3 });
    expect(idsOf((await small.find({ filter, limit: 10 })).items)).toEqual(['inside', 'spread']);
    expect(await small.count(filter)).toBe(2);
  });

  it('re-keys an updated document in the indexes whose fields changed, and rebuilds indexes on load', async () => {
    const moved = { ...user(7), last: '2027-01-01T00:00:00', tags: ['rare'] };
    await users.upsert(moved, 10_000n);
    await plain.upsert(moved, 10_000n);
    const sort = { field: 'last', order: 'desc' } as const;
    expect(users.explainFind({ filter: bot, sort, limit: 1 }).page.items[0]!.id).toBe('b1-00007');
    const restored = new EmbeddedCollection<Doc>('restored');
    await restored.ensureIndexes(INDEXES);
    restored.load(users.dump());
    const filter = and({ field: 'tags', op: 'eq', value: 'rare' });
    const fromRestored = restored.explainFind({ filter, sort, limit: 100 });
    expect(fromRestored.page.items).toEqual(plain.explainFind({ filter, sort, limit: 100 }).page.items);
    expect(restored.explainCount(filter)).toEqual({ count: N / 100 + 1, stats: expect.objectContaining({ examined: 0 }) });
  });
});

function idsOf(docs: readonly Doc[]): string[] {
  return docs.map((doc) => doc.id);
}

describe('a walk filtered by sets that decide nothing', () => {
  it('plans its sets again when its cap grows, and decides by the range it could not afford at first', async () => {
    // 20,000 users of one bot, newest `s` first; the newest 2,100 are `recent` (t ≥ 17,900), which the filter excludes.
    // At the first cap the sets' budget buys the bucket every user is in (its bits: cheap, and it excludes nobody),
    // not the range of the recent ones (2,100 keys of a range over values: just over it).
    const n = 20_000;
    const users = new EmbeddedCollection<Doc>('users', NO_COLUMNS);
    await users.ensureIndexes([
      { name: 'bot_s', fields: [['botId', 1], ['s', -1], ['id', -1]] },
      { name: 'bot_kind', fields: [['botId', 1], ['kind', 1]] },
      { name: 'bot_t', fields: [['botId', 1], ['t', 1]] },
    ]);
    for (let i = 0; i < n; i++) await users.upsert({ id: `u${pad(i)}`, botId: 'b1', s: i, t: i, kind: 'user' }, BigInt(i + 1));
    const filter: DocFilter = { and: [bot, { field: 'kind', op: 'eq', value: 'user' }, { not: { field: 't', op: 'gte', value: n - 2100 } }] };
    const { page, stats } = users.explainFind({ filter, sort: { field: 's', order: 'desc' }, limit: 50 });
    expect(page.items.map((item) => item.id)).toEqual(Array.from({ length: 50 }, (_, k) => `u${pad(n - 2101 - k)}`));
    // Walked with the predicate only until the second cap (512), then the new sets decided the rest of the recent ones.
    expect(stats).toEqual(expect.objectContaining({ strategy: 'walk, filtered by sets', source: expect.stringContaining('sets of ["kind","t"]') }));
    expect(stats.examined).toBeLessThan(600);
    expect(stats.decided).toBeGreaterThan(1500);
  });
});

describe('a walk past many documents that a kept set would decide', () => {
  it('builds the set once it has spent a share of its cost, and the next walk moves its kept bits', async () => {
    // 20,000 users of one bot, newest `s` first; the newest 1,300 and 60 % of the others are `recent` (t ≥ 100,000),
    // which the filter excludes: 12,520 keys of a range over values, a set the index keeps once made. Its whole cost
    // (~50k units) is what the walk's budget reaches only at its fourth cap (2,048), past the 1,300 recent users it
    // must examine first; at a quarter of it (`KEPT_SET_WORTH`) it is affordable at the second (512).
    const n = 20_000;
    const users = new EmbeddedCollection<Doc>('users', NO_COLUMNS);
    await users.ensureIndexes([
      { name: 'bot_s', fields: [['botId', 1], ['s', -1], ['id', -1]] },
      { name: 'bot_t', fields: [['botId', 1], ['t', 1]] },
    ]);
    const recent = (i: number) => i >= n - 1300 || i % 5 < 3;
    for (let i = 0; i < n; i++) await users.upsert({ id: `u${pad(i)}`, botId: 'b1', s: i, t: recent(i) ? 100_000 + i : i }, BigInt(i + 1));
    const before = (value: number): DocFilter => ({ and: [bot, { not: { field: 't', op: 'gte', value } }] });
    const query = { filter: before(100_000), sort: { field: 's', order: 'desc' as const }, limit: 50 };
    const expected = Array.from({ length: n }, (_, i) => n - 1 - i)
      .filter((i) => !recent(i))
      .slice(0, 51)
      .map((i) => `u${pad(i)}`);

    const first = users.explainFind(query);
    expect(first.page.items.map((item) => item.id)).toEqual(expected.slice(0, 50));
    expect(first.stats).toEqual(expect.objectContaining({ strategy: 'walk, filtered by sets', source: expect.stringContaining('sets of ["t"]') }));
    expect(first.stats.examined).toBeLessThan(700);
    expect(first.stats.decided).toBeGreaterThan(600);

    // The range's bits are kept: the next request (its bound a little further on) moves them, at its first cap.
    const next = users.explainFind({ ...query, filter: before(100_001) });
    expect(next.page.items.map((item) => item.id)).toEqual(expected.slice(0, 50));
    expect(next.stats.examined).toBeLessThan(300);
  });
});

/**
 * Every index of a user list begins with the bot, so a query pinned to a bot found the bot's whole partition once per
 * index: the same candidate set each time, with its description built (at 1M, a quarter of what the queries
 * allocated under load). A plan keeps one per pin, one whose documents are keyed once where an index has it.
 */
describe('candidate sources of a pinned query', () => {
  const indexes = () => {
    const made = [new OrderedIndex<Doc>(['bot', 'tags']), new OrderedIndex<Doc>(['bot', 't']), new OrderedIndex<Doc>(['bot', 's'])];
    for (let seq = 0; seq < 100; seq++) {
      const entry = { doc: { id: `d${pad(seq)}`, bot: 'b1', t: seq, s: -seq, tags: seq % 2 ? ['a', 'b'] : ['a'] } as Doc, position: 1n, seq } as Entry<Doc>;
      made.forEach((index) => index.add(entry));
    }
    return made;
  };
  const bot: DocFilter = { field: 'bot', op: 'eq', value: 'b1' };

  it('are one whole partition per pin, keyed once, however many indexes begin with the pinned field', () => {
    for (const ordered of [indexes(), indexes().reverse()]) {
      const whole = planQuery(ordered, bot).sources;
      expect(whole).toHaveLength(1);
      expect(whole[0]).toEqual(expect.objectContaining({ whole: true, distinct: true }));
      expect(whole[0]!.index.fields).not.toContain('tags');
      expect(whole[0]!.description).toMatch(/^ranges of \["bot","[ts]"\]: bot in \["b1"\]$/);
      const narrowed = planQuery(ordered, { and: [bot, { field: 'tags', op: 'eq', value: 'b' }, { field: 't', op: 'gte', value: 90 }] }).sources;
      expect(narrowed.map((source) => source.whole)).toEqual([false, false, true]);
      expect(narrowed.filter((source) => !source.whole).map((source) => source.description).sort()).toEqual([
        'ranges of ["bot","t"]: bot in ["b1"], range on t',
        'ranges of ["bot","tags"]: bot in ["b1"], ["tags"] in [["b"]]',
      ]);
    }
  });

  it('keep a whole partition of a multikey index where no other index has one', () => {
    const [tags] = indexes();
    const sources = planQuery([tags!], bot).sources;
    expect(sources).toEqual([expect.objectContaining({ whole: true, distinct: false })]);
  });
});
