import fc from 'fast-check';
import { compareSortValues, compareStrings, toSortValue } from '../filter/compare';
import type { Doc, DocFilter, SortSpec } from '../port';
import { DEFAULT_COLLECTION_SETTINGS, EmbeddedCollection } from './embedded-collection';
import type { Entry } from './entry';
import { SortColumn, textKey, timeKey } from './sort-columns';

/**
 * Sort columns (`sort-columns.ts`) hold a number per document that orders as its sort value does, never the other way
 * round (a prefix: ties allowed); finds that select a page from sets pass over members by it. Checked: the encodings
 * against the keyset order, the column's moves between encodings, and pages through columns against plain scans
 * while documents change, are deleted and are created after the column was made.
 */

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
/** A prefix of the order: a strict order of numbers is the values' order; the values' order never reverses them. */
const agrees = (byValue: number, byKey: number) => (byKey === 0 ? true : sign(byValue) === sign(byKey));

const time = fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());

describe('timeKey', () => {
  it('is the time in milliseconds of what toISOString writes', () => {
    fc.assert(fc.property(time, (iso) => timeKey(iso) === Date.parse(iso)));
  });

  it('orders times as their strings order, and the empty string first', () => {
    fc.assert(fc.property(time, time, (a, b) => sign(compareStrings(a, b)) === sign(timeKey(a) - timeKey(b))));
    fc.assert(fc.property(time, (a) => timeKey('') < timeKey(a)));
  });

  it('refuses impossible dates that Date.parse would move, and other forms', () => {
    for (const value of ['2026-02-30T00:00:00.000Z', '2025-02-29T00:00:00.000Z', '2026-01-01T24:00:00.000Z', '2026-13-01T00:00:00.000Z', '2026-01-01T00:60:00.000Z', '2026-01-01T00:00:00Z', '2026-01-01 00:00:00.000Z', 'Ann']) {
      expect(timeKey(value)).toBeNaN();
    }
    expect(timeKey('2024-02-29T23:59:59.999Z')).toBe(Date.parse('2024-02-29T23:59:59.999Z'));
  });
});

describe('textKey', () => {
  it('is a prefix of the code point order, surrogates and U+E000–U+FFFF included', () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'b', 'é', '\uE000', '\uFFFF', '\uD83D\uDE00', '\uD800'), fc.string({ unit: 'binary', maxLength: 2 })), maxLength: 6 });
    fc.assert(fc.property(text, text, (a, b) => agrees(compareStrings(a, b), textKey(a) - textKey(b))));
  });
});

/** A column over documents `{ id, v }` by seq, as a collection's entries are. */
function columnOver(values: unknown[]): { column: SortColumn<Doc>; bySeq: Entry<Doc>[] } {
  const bySeq = values.map((v, seq) => ({ doc: { id: `d${seq}`, v } as Doc, position: BigInt(seq + 1), seq }));
  const column = new SortColumn<Doc>('v', bySeq);
  expect(column.fillUpTo(() => false)).toBe(true);
  return { column, bySeq };
}

describe('a sort column', () => {
  const value = fc.oneof(fc.constant(null), fc.constant(undefined), fc.double(), fc.integer(), time, fc.constant(''), fc.string({ maxLength: 4 }), fc.boolean());

  it('orders every mix of values as the keyset order does (null < numbers < strings), whatever its encoding', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 2, maxLength: 30 }), (values) => {
        const { column } = columnOver(values);
        for (let i = 0; i < values.length; i++) {
          for (let j = 0; j < values.length; j++) {
            const byValue = compareSortValues(toSortValue(values[i]), toSortValue(values[j]));
            if (!agrees(byValue, column.keyAt(i) - column.keyAt(j)) && !(column.keyAt(i) === column.keyAt(j))) return false;
          }
        }
        return true;
      }),
    );
  });

  it('moves from numbers to times to texts as values come, and makes every number again', () => {
    const { column, bySeq } = columnOver([3, null, 1.5]);
    expect([column.keyAt(0), column.keyAt(1), column.keyAt(2)]).toEqual([3, Number.NEGATIVE_INFINITY, 1.5]);
    expect(column.exact).toBe(true);
    // A time: numbers now sort before every string, all alike.
    bySeq[1]!.doc = { id: 'd1', v: '2026-01-01T00:00:00.000Z' };
    column.update(bySeq[1]!);
    expect(column.ready).toBe(false);
    expect(column.fillUpTo(() => false)).toBe(true);
    expect(column.keyAt(1)).toBe(Date.parse('2026-01-01T00:00:00.000Z'));
    expect(column.exact).toBe(true); // times: equal numbers only for equal times (bins price a walk's tries)
    expect(column.keyAt(0)).toBe(column.keyAt(2));
    expect(column.keyAt(0)).toBeLessThan(column.keyAt(1));
    // A text that is not a time: every string by its first units.
    bySeq[2]!.doc = { id: 'd2', v: 'zoe' };
    column.update(bySeq[2]!);
    expect(column.fillUpTo(() => false)).toBe(true);
    expect(column.keyAt(2)).toBeGreaterThan(column.keyAt(1));
    expect(column.keyAt(1)).toBe(textKey('2026-01-01T00:00:00.000Z'));
    expect(column.exact).toBe(false); // a text's first three units: ties between different values
  });

  it('bins its numbers never against their order, through changes, deletes and the top bin filling up', () => {
    /** Seqs of deleted entries (as the collection does: the entry gone from `bySeq`, then its number forgotten). */
    const gone = new Set<number>();
    const live = (seq: number) => !gone.has(seq);
    /** Every pair of seqs: a larger number never has a smaller bin. */
    const monotone = (column: SortColumn<Doc>, seqs: number) => {
      const bins = column.coarseBytes()!;
      const order = [...Array(seqs).keys()].sort((a, b) => (column.keyAt(a) < column.keyAt(b) ? -1 : column.keyAt(a) > column.keyAt(b) ? 1 : 0));
      for (let i = 1; i < order.length; i++) if (bins[order[i]!]! < bins[order[i - 1]!]!) return false;
      if (!order.every((seq) => bins[seq] === column.coarseOf(column.keyAt(seq)))) return false;
      // Each live seq listed once, in its bin's list (a deleted one in none).
      const lists = column.binLists()!;
      const listed = new Map<number, number>();
      lists.sizes.forEach((size, bin) => lists.seqs[bin]!.subarray(0, size).forEach((seq) => void listed.set(seq, listed.has(seq) ? -1 : bin)));
      return order.every((seq) => listed.get(seq) === (live(seq) ? bins[seq] : undefined)) && listed.size === order.filter(live).length;
    };
    fc.assert(
      fc.property(fc.array(value, { minLength: 2, maxLength: 40 }), (values) => {
        const { column } = columnOver(values);
        return column.coarseBytes() === undefined || monotone(column, values.length);
      }),
      // A span of one subnormal step (its scale overflowed: CI found it) and one too wide to measure.
      { examples: [[[0, -5e-324, null]], [[-Number.MAX_VALUE, 0, Number.MAX_VALUE]]] },
    );
    const n = 5000;
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
    const { column, bySeq } = columnOver(Array.from({ length: n }, (_, i) => at(i)));
    expect(column.coarseBytes()).toBeDefined();
    expect(column.coarseOf(column.keyAt(n - 1))).toBeLessThan(255); // room above the largest value
    // Interactions after the fill: each user in turn moves past every value there was, into the top bin, until it
    // holds four times its share and the bins are made again.
    const topBins: number[] = [];
    for (let i = 0; i < n; i++) {
      if (gone.has(i)) continue;
      bySeq[i]!.doc = { id: `d${i}`, v: at(2 * n + i) };
      column.update(bySeq[i]!);
      if (i % 50 === 0) {
        const deleted = (i * 7 + 3) % n;
        (bySeq as (Entry<Doc> | undefined)[])[deleted] = undefined;
        column.forget(deleted);
        gone.add(deleted);
      }
      topBins.push(column.coarseOf(column.keyAt(i)));
      if (i % 500 === 0) expect(monotone(column, n)).toBe(true);
    }
    expect(topBins).toContain(255);
    expect(monotone(column, n)).toBe(true);
    // Made again whenever the top bin held 1,024 (the least it waits for): it never holds more.
    expect(column.coarseBytes()!.subarray(0, n).filter((bin) => bin === 255).length).toBeLessThanOrEqual(1024);
    expect(topBins.filter((bin) => bin < 255).length).toBeGreaterThan(n / 3);
    // Created after the fill: binned as it comes.
    const created = { doc: { id: 'new', v: at(0) } as Doc, position: 1n, seq: n };
    bySeq.push(created);
    column.update(created);
    expect(column.coarseBytes()![n]).toBe(column.coarseOf(column.keyAt(n)));
  });

  it('wipes the number of a deleted document', () => {
    const { column } = columnOver(['ann', 'bob']);
    expect(column.keyAt(0)).toBe(textKey('ann'));
    column.forget(0);
    expect(column.keyAt(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(column.keyAt(1)).toBe(textKey('bob'));
  });

  it('takes documents created after it was filled, and stops a fill where asked', () => {
    const { column, bySeq } = columnOver(['2026-01-02T00:00:00.000Z']);
    const created = { doc: { id: 'd1', v: '2026-01-01T00:00:00.000Z' } as Doc, position: 2n, seq: 1 };
    bySeq.push(created);
    column.update(created);
    expect(column.ready).toBe(true);
    expect(column.keyAt(1)).toBeLessThan(column.keyAt(0));
    const many = Array.from({ length: 5000 }, (_, i) => i);
    const big = new SortColumn<Doc>('v', many.map((v, seq) => ({ doc: { id: `d${seq}`, v } as Doc, position: 1n, seq })));
    expect(big.fillUpTo(() => true)).toBe(false); // stopped after the first 1,024
    expect(big.fillUpTo(() => false)).toBe(true);
    expect(big.keyAt(4999)).toBe(4999);
  });
});

const INDEXES = [
  { name: 'bot_last', fields: [['botId', 1], ['last', -1], ['id', -1]] as [string, 1 | -1][] },
  { name: 'bot_tags', fields: [['botId', 1], ['tags', 1]] as [string, 1 | -1][] },
];

/** `n` users of bot b1 (and some of b2), `rare` on one in 50, interacting over a year; names repeat their first letters. */
function user(i: number, bot = 'b1'): Doc {
  return {
    id: `${bot}-${String(i).padStart(6, '0')}`,
    botId: bot,
    last: new Date(Date.UTC(2026, 0, 1) + ((i * 7919) % 365) * 86_400_000 + i).toISOString(),
    name: `${['ann', 'bob', 'zoë', '😀x'][i % 4]}${(i * 31) % 97}`,
    tags: i % 50 === 0 ? ['rare'] : i % 2 === 0 ? ['common'] : [],
    n: i % 7,
    score: (i * 7919) % 100_003, // distinct, in no index, unrelated to the seq order
  };
}

async function users(n: number, settings = DEFAULT_COLLECTION_SETTINGS): Promise<EmbeddedCollection<Doc>> {
  const collection = new EmbeddedCollection<Doc>('users', settings);
  await collection.ensureIndexes(INDEXES);
  let position = 0n;
  for (let i = 0; i < n; i++) await collection.upsert(user(i), ++position);
  for (let i = 0; i < 100; i++) await collection.upsert(user(i, 'b2'), ++position);
  return collection;
}

const inBot = (...filters: DocFilter[]): DocFilter => ({ and: [{ field: 'botId', op: 'eq', value: 'b1' }, ...filters] });

/** Every page of a walk, as ids, with the strategies that answered. */
function walk(collection: EmbeddedCollection<Doc>, filter: DocFilter, sort: SortSpec): { ids: string[]; strategies: Set<string> } {
  const ids: string[] = [];
  const strategies = new Set<string>();
  let cursor: string | undefined;
  do {
    const { page, stats } = collection.explainFind({ filter, sort, limit: 25, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((doc) => doc.id));
    strategies.add(stats.strategy);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { ids, strategies };
}

describe('pages selected through sort columns', () => {
  const n = 20_000;
  let indexed: EmbeddedCollection<Doc>;
  let plain: EmbeddedCollection<Doc>;

  beforeAll(async () => {
    indexed = await users(n);
    plain = await users(n, { ...DEFAULT_COLLECTION_SETTINGS, sortColumns: false });
  });

  it('answer as the walk without them does, page after page, by a time, a text and a number', () => {
    const rare = inBot({ field: 'tags', op: 'eq', value: 'rare' });
    for (const sort of [
      { field: 'last', order: 'desc' },
      { field: 'name', order: 'asc' },
      { field: 'name', order: 'desc' },
      { field: 'n', order: 'asc' },
    ] as const) {
      const through = walk(indexed, rare, sort);
      expect(through.ids).toEqual(walk(plain, rare, sort).ids);
      expect(through.ids).toHaveLength(n / 50);
    }
    // The first page by the walk's index: a few hundred documents read, not the walk to the 50th rare user.
    const { stats } = indexed.explainFind({ filter: rare, sort: { field: 'last', order: 'desc' }, limit: 50 });
    expect(stats.strategy).toBe('walk, then sets by column');
    expect(stats.examined).toBeLessThan(700);
  });

  it('keep up with documents that change, go and come after the column was made', async () => {
    const rare = inBot({ field: 'tags', op: 'eq', value: 'rare' });
    const sort = { field: 'last', order: 'desc' } as const;
    let position = 1_000_000n;
    for (const collection of [indexed, plain]) {
      let at = position;
      // The oldest rare users interact now (they move to the top); others are deleted; new rare users come.
      for (let i = 0; i < 2000; i += 50) await collection.upsert({ ...user(i), last: new Date(Date.UTC(2027, 0, 1) + i).toISOString() }, ++at);
      for (let i = 50; i < 1000; i += 100) await collection.delete(`b1-${String(i).padStart(6, '0')}`, ++at);
      for (let i = n; i < n + 500; i++) await collection.upsert(user(i), ++at);
      position = at;
    }
    const through = walk(indexed, rare, sort);
    expect(through.ids).toEqual(walk(plain, rare, sort).ids);
    expect(through.ids.slice(0, 3)).toEqual(['b1-001950', 'b1-001900', 'b1-001850']);
    expect(indexed.explainFind({ filter: rare, sort, limit: 50 }).stats.strategy).toBe('walk, then sets by column');
  });

  it('are made in the background over a large collection, the finds before answering without them', async () => {
    const collection = await users(5000, { ...DEFAULT_COLLECTION_SETTINGS, atOnceUpTo: 100, turnMs: 0 });
    const reference = await users(5000, { ...DEFAULT_COLLECTION_SETTINGS, sortColumns: false });
    const filter = inBot({ field: 'tags', op: 'eq', value: 'rare' });
    const sort = { field: 'last', order: 'asc' } as const;
    const before = collection.explainFind({ filter, sort, limit: 10 });
    expect(before.stats.strategy).not.toContain('by column');
    await collection.upsert({ ...user(0), last: '2028-01-01T00:00:00.000Z' }, 1_000_000n); // during the fill
    await reference.upsert({ ...user(0), last: '2028-01-01T00:00:00.000Z' }, 1_000_000n);
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
    const after = collection.explainFind({ filter, sort, limit: 10 });
    expect(after.stats.strategy).toContain('by column');
    expect(walk(collection, filter, sort).ids).toEqual(walk(reference, filter, sort).ids);
  });

  it('visit a dense set bin by bin, the best bins first, and answer as the walk without them does, page after page', () => {
    // Half the bot: a page's members lie in its best bins, a few hundred seqs of 20,100 (each bin ~80).
    const common = inBot({ field: 'tags', op: 'eq', value: 'common' });
    for (const sort of [
      { field: 'score', order: 'desc' },
      { field: 'score', order: 'asc' },
      { field: 'name', order: 'asc' },
      { field: 'n', order: 'desc' },
    ] as const) {
      const through = walk(indexed, common, sort);
      expect(through.ids).toEqual(walk(plain, common, sort).ids);
      expect(through.strategies).toEqual(new Set(['sets by column']));
    }
    const sort = { field: 'score', order: 'desc' } as const;
    const first = indexed.explainFind({ filter: common, sort, limit: 50 });
    const reads = jest.spyOn(SortColumn.prototype, 'keyAt');
    const deeper = indexed.explainFind({ filter: common, sort, limit: 50, cursor: first.page.nextCursor! });
    expect(deeper.page).toEqual(plain.explainFind({ filter: common, sort, limit: 50, cursor: first.page.nextCursor! }).page);
    // The members of the bins from the cursor's to the bound's (85 numbers read), not those of every member a pass
    // did not pass over by its bin (776).
    expect(reads.mock.calls.length).toBeLessThan(300);
    reads.mockRestore();
  });

  it('read a page of members, not every one that beat the page so far in seq order', () => {
    const sort = { field: 'score', order: 'desc' } as const;
    const rare = inBot({ field: 'tags', op: 'eq', value: 'rare' });
    const { page, stats } = indexed.explainFind({ filter: rare, sort, limit: 50 });
    expect(stats.strategy).toBe('sets by column');
    // The page's 50 and the one that says whether there is more: their numbers are distinct, so no tie is read.
    expect(stats.examined).toBe(51);
    expect(page).toEqual(plain.explainFind({ filter: rare, sort, limit: 50 }).page);
    // Members the sets leave undecided (`name` has no index) that fail the predicate: the page is made up from the rest.
    const named = inBot({ field: 'tags', op: 'eq', value: 'rare' }, { field: 'name', op: 'gte', value: 'b' });
    const mixed = indexed.explainFind({ filter: named, sort, limit: 50 });
    expect(mixed.stats.strategy).toBe('sets by column');
    expect(mixed.page).toEqual(plain.explainFind({ filter: named, sort, limit: 50 }).page);
    expect(walk(indexed, named, sort).ids).toEqual(walk(plain, named, sort).ids);
    expect(walk(indexed, rare, { field: 'score', order: 'asc' }).ids).toEqual(walk(plain, rare, { field: 'score', order: 'asc' }).ids);
  });

  it('read the numbers of the members their bins leave in the race, not of every member', () => {
    const rare = inBot({ field: 'tags', op: 'eq', value: 'rare' });
    const sort = { field: 'score', order: 'desc' } as const;
    indexed.explainFind({ filter: rare, sort, limit: 50 }); // the column of `score` made
    const reads = jest.spyOn(SortColumn.prototype, 'keyAt');
    const { page, stats } = indexed.explainFind({ filter: rare, sort, limit: 50 });
    expect(stats.strategy).toBe('sets by column');
    // 400 members, spread evenly over the 256 bins of `score`: the first 51 set the bound, then about those of its bin
    // and better — not all 400 (each a cache miss at 1M).
    expect(reads.mock.calls.length).toBeLessThan(250);
    reads.mockRestore();
    expect(page).toEqual(plain.explainFind({ filter: rare, sort, limit: 50 }).page);
  });

  it('leave sets that need the predicate for most members to the walk', async () => {
    // Half the bot is undecided by the sets (`name` has no index), and the walk finds its matches at once.
    const filter = inBot({ field: 'tags', op: 'eq', value: 'common' }, { field: 'name', op: 'gte', value: 'b' });
    const { page, stats } = indexed.explainFind({ filter, sort: { field: 'last', order: 'desc' }, limit: 50 });
    expect(stats.strategy).not.toContain('by column');
    expect(page).toEqual(plain.explainFind({ filter, sort: { field: 'last', order: 'desc' }, limit: 50 }).page);
  });
});

describe('a walk past a long run its sets decide', () => {
  // The newest 30 % by `last` are `hot`: a filter excluding them walks past all of them, each decided by its bits.
  const n = 20_000;
  const day = (i: number) => (i * 7919) % 365;
  const hotUser = (i: number): Doc => {
    const doc = user(i);
    return day(i) >= 255 ? { ...doc, tags: [...(doc.tags as string[]), 'hot'] } : doc;
  };
  let indexed: EmbeddedCollection<Doc>;
  let plain: EmbeddedCollection<Doc>;

  beforeAll(async () => {
    const load = async (settings: typeof DEFAULT_COLLECTION_SETTINGS) => {
      const collection = new EmbeddedCollection<Doc>('users', settings);
      await collection.ensureIndexes(INDEXES);
      let position = 0n;
      for (let i = 0; i < n; i++) await collection.upsert(hotUser(i), ++position);
      return collection;
    };
    indexed = await load(DEFAULT_COLLECTION_SETTINGS);
    plain = await load({ ...DEFAULT_COLLECTION_SETTINGS, sortColumns: false });
  });
  const sort = { field: 'last', order: 'desc' } as const;
  const hot = 0.3 * n;

  it('tries the column with what it has spent, and takes it when matches are common among the undecided', () => {
    // Three in four names are `b…` or later; `name` has no index, so every member is undecided by the sets.
    const filter = inBot({ not: { field: 'tags', op: 'eq', value: 'hot' } }, { field: 'name', op: 'gte', value: 'b' });
    indexed.explainFind({ filter, sort, limit: 50 }); // the column of `last` made
    const reads = jest.spyOn(SortColumn.prototype, 'keyAt');
    const { page, stats } = indexed.explainFind({ filter, sort, limit: 50 });
    const numbersRead = reads.mock.calls.length;
    reads.mockRestore();
    expect(page).toEqual(plain.explainFind({ filter, sort, limit: 50 }).page);
    expect(stats.strategy).toBe('walk, filtered by sets, then sets by column');
    // The members of the best bins past the hot ones, not every member's number (6,494 read in a pass over all
    // 20,000 seqs); about `need / rate` documents read, not as many as came in better than the page so far (710).
    expect(numbersRead).toBeLessThan(1000);
    expect(stats.examined).toBeLessThan(500);
    // Without the column the walk steps through every hot user first.
    const walked = plain.explainFind({ filter, sort, limit: 50 }).stats;
    expect(walked.strategy).toBe('walk, filtered by sets');
    expect(walked.decided).toBeGreaterThan(hot - 1000);
    expect(walk(indexed, filter, sort).ids).toEqual(walk(plain, filter, sort).ids);
  });

  it('gives the column up at its budget when matches are rare among the undecided, and answers the same', () => {
    // About one user in 400 is named `bob5`: the column would read nearly every member before its page fills.
    const filter = inBot({ not: { field: 'tags', op: 'eq', value: 'hot' } }, { field: 'name', op: 'eq', value: 'bob5' });
    const { page, stats } = indexed.explainFind({ filter, sort, limit: 50 });
    expect(page).toEqual(plain.explainFind({ filter, sort, limit: 50 }).page);
    expect(page.items.length).toBeGreaterThan(0);
    const walked = plain.explainFind({ filter, sort, limit: 50 }).stats;
    // One try, stopped at its budget; what it saw (matches rare) leaves the column out of the race from then on.
    expect(stats.examined - walked.examined).toBeLessThan(1000);
    expect(walk(indexed, filter, sort).ids).toEqual(walk(plain, filter, sort).ids);
  });
});

describe('a page through the column whose best undecided members fail', () => {
  // By `last`, newest first: 100 users nine in ten of whom fail (`ok: false`, read by the walk before it had sets), then 3,000 `hot`
  // (decided by the sets), then users who match. The walk has no rate of its own since its sets (a half, then); the
  // column's first round of candidates is failures only, so it goes on past them.
  const n = 8000;
  const doc = (i: number): Doc => ({
    id: `b1-${String(i).padStart(6, '0')}`,
    botId: 'b1',
    last: new Date(Date.UTC(2026, 0, 1) + (n - i) * 60_000).toISOString(),
    tags: i >= 100 && i < 3100 ? ['hot'] : [],
    ok: i >= 100 || i % 10 === 5,
  });
  const filter = inBot({ not: { field: 'tags', op: 'eq', value: 'hot' } }, { field: 'ok', op: 'eq', value: true });
  const sort = { field: 'last', order: 'desc' } as const;

  it('reads further in rounds and offers no member twice', async () => {
    const load = async (settings: typeof DEFAULT_COLLECTION_SETTINGS) => {
      const collection = new EmbeddedCollection<Doc>('users', settings);
      await collection.ensureIndexes(INDEXES);
      for (let i = 0; i < n; i++) await collection.upsert(doc(i), BigInt(i + 1));
      return collection;
    };
    const indexed = await load(DEFAULT_COLLECTION_SETTINGS);
    const plain = await load({ ...DEFAULT_COLLECTION_SETTINGS, sortColumns: false });
    indexed.explainFind({ filter, sort, limit: 10 }); // the column of `last` made
    const { page, stats } = indexed.explainFind({ filter, sort, limit: 10 });
    expect(page).toEqual(plain.explainFind({ filter, sort, limit: 10 }).page);
    // 256 read by the walk, 28 in the column's first round, 112 in its second.
    expect(stats.strategy).toBe('walk, filtered by sets, then sets by column');
    expect(stats.examined).toBe(256 + 28 + 112);
    expect(walk(indexed, filter, sort).ids).toEqual(walk(plain, filter, sort).ids);
  });
});
