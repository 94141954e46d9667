import type BTree from 'sorted-btree';
import { Cases, randomWalks } from '../conformance/index-equivalence';
import type { Collection, CountOptions, Doc, DocFilter, FindQuery, IndexSpec, Page } from '../port';
import { DEFAULT_COLLECTION_SETTINGS, EmbeddedCollection } from './embedded-collection';
import type { Entry } from './entry';
import { OrderedIndex } from './ordered-index';
import { MEMBER_COST, newPlanMemo, planSets, RANGE_KEY_COST, type PlanMemo } from './set-plan';
import { SeqSet } from './seq-set';

/**
 * Set plans (`set-plan.ts`) answer as plain scans do: the conformance suite's random documents, filters (with `or`
 * and `not`), sorts and walks with changes between pages, at a size where walks run long enough to build sets, with
 * every filter pinned to one bot. The plans that ran are recorded, so that the test fails if none of them was a set
 * plan of each kind.
 */
class Recording implements Collection<Doc> {
  readonly plans = new Map<string, number>();

  constructor(private readonly inner: EmbeddedCollection<Doc>) {}

  get name() {
    return this.inner.name;
  }

  private record(plan: string): void {
    this.plans.set(plan, (this.plans.get(plan) ?? 0) + 1);
  }

  ensureIndexes(indexes: readonly IndexSpec[]): Promise<void> {
    return this.inner.ensureIndexes(indexes);
  }

  get(id: string): Promise<Doc | undefined> {
    return this.inner.get(id);
  }

  getForUpdate(id: string): Promise<Readonly<Doc> | undefined> {
    return this.inner.getForUpdate(id);
  }

  positionOf(id: string): Promise<bigint | undefined> {
    return this.inner.positionOf(id);
  }

  upsert(doc: Doc, position: bigint): Promise<boolean> {
    return this.inner.upsert(doc, position);
  }

  exists(filter: DocFilter): Promise<boolean> {
    return this.inner.exists(filter);
  }

  delete(id: string, position?: bigint): Promise<void> {
    return this.inner.delete(id, position);
  }

  async find(query: FindQuery): Promise<Page<Doc>> {
    const { page, stats } = this.inner.explainFind(query);
    this.record(`find: ${stats.strategy}`);
    return page;
  }

  async count(filter?: DocFilter, options?: CountOptions): Promise<number> {
    const { count, stats } = this.inner.explainCount(filter);
    this.record(`count: ${stats.strategy}`);
    expect(await this.inner.count(filter, options)).toBe(count);
    return count;
  }

  clear(): Promise<void> {
    return this.inner.clear();
  }
}

/** A random tree of `and`, `or` and `not` over the suite's conditions (indexed or not, negative or not). */
function tree(cases: Cases, depth: number): DocFilter {
  if (depth === 0 || cases.chance(0.3)) return cases.condition();
  if (cases.chance(0.25)) return { not: tree(cases, depth - 1) };
  const children = Array.from({ length: 2 + Math.floor(cases.chance(0.5) ? 1 : 0) }, () => tree(cases, depth - 1));
  return cases.chance(0.5) ? { and: children } : { or: children };
}

describe('set plans', () => {
  it.each([
    ['without sort columns', false, ['count: sets', 'find: sets', 'find: walk, then sets', 'find: walk, filtered by sets, then sets']],
    ['with sort columns', true, ['count: sets', 'find: sets by column', 'find: walk, then sets by column']],
  ])('answer random filters, sorts and walks with changes between pages as plain scans do (%s)', async (_name, sortColumns, expected) => {
    const plans = new Set<string>();
    for (const seed of [1, 2, 3]) {
      const users = new Recording(new EmbeddedCollection<Doc>('users', { ...DEFAULT_COLLECTION_SETTINGS, sortColumns }));
      const trees = new Cases(seed + 1000);
      const pinned = (filter: DocFilter | undefined): DocFilter => ({
        and: [{ field: 'botId', op: 'eq', value: 'b1' }, ...(filter ? [filter] : []), ...(trees.chance(0.7) ? [tree(trees, 3)] : [])],
      });
      await randomWalks(users, seed, { documents: 800, queries: 25, limits: [25, 50], within: pinned });
      for (const plan of users.plans.keys()) plans.add(plan);
    }
    for (const plan of expected) expect([...plans]).toContain(plan);
  }, 120_000);
});

/**
 * The planner bounds how far kept bits are looked for by what the set is worth: a small conjunct (a rare value) makes
 * every other set worth little, so the distance from a range to bits kept for another range is counted no further
 * than that — not up to 1/64 of the bot for each kept range (which, for a search's movers beside bits kept for other
 * pages, took a tenth of the segmentation thread and grew as users moved).
 */
describe('set plans and kept ranges', () => {
  it('count the distance to kept bits no further than the set is worth', () => {
    const times = new OrderedIndex<Doc>(['bot', 't']);
    const tags = new OrderedIndex<Doc>(['bot', 'tag']);
    const n = 100_000;
    for (let seq = 0; seq < n; seq++) {
      const entry = { doc: { id: `d${String(seq).padStart(6, '0')}`, bot: 'b1', t: seq, tag: seq % 5000 === 0 ? 'rare' : 'common' } as Doc, position: 1n, seq } as Entry<Doc>;
      times.add(entry);
      tags.add(entry);
    }
    // Bits kept for t ≥ 5000 (another request's range: a large share of the bot), made by a plan that could afford it.
    const bot: DocFilter = { field: 'bot', op: 'eq', value: 'b1' };
    const since = (t: number): DocFilter => ({ field: 't', op: 'gte', value: t });
    expect(planSets([times, tags], [bot, since(5000)], n, 10 * n)?.fields).toEqual(['t']);

    // The values of `t` that counts walk (a range of the last level is counted from two ranks: none).
    let counting = false;
    let walked = 0;
    const level = times.partitions.get('b1')!.root as unknown as BTree<number, unknown>;
    const forRange = level.forRange.bind(level);
    jest.spyOn(level, 'forRange').mockImplementation((low, high, includeHigh, onFound, counter) =>
      forRange(low, high, includeHigh, onFound && ((k, v, c) => (counting && walked++, onFound(k, v, c))), counter),
    );
    const countUpTo = times.countUpTo.bind(times);
    jest.spyOn(times, 'countUpTo').mockImplementation((range, cap) => {
      counting = true;
      try {
        return countUpTo(range, cap);
      } finally {
        counting = false;
      }
    });
    const plan = planSets([times, tags], [bot, { field: 'tag', op: 'eq', value: 'rare' }, since(60_000)], n, n);
    // 20 rare documents: nothing is worth more than evaluating them (20 × (1 + MEMBER_COST) units, a quarter of that in
    // keys of a range). Counting the ranges walks no more than that: the conjuncts' first round of counting went to
    // 256 keys, and the kept bits 55,000 keys away were once counted up to the kept share (1,562).
    expect(walked).toBeLessThanOrEqual(Math.max(256, Math.ceil((20 * (1 + MEMBER_COST)) / RANGE_KEY_COST)));
    const seqs = [...Array(n).keys()];
    const rare = seqs.filter((seq) => seq % 5000 === 0);
    expect(seqs.filter((seq) => plan!.upper.has(seq)).every((seq) => rare.includes(seq))).toBe(true);
    expect(rare.filter((seq) => seq >= 60_000).every((seq) => plan!.upper.has(seq))).toBe(true);
    expect(seqs.filter((seq) => plan!.lower.has(seq)).every((seq) => seq % 5000 === 0 && seq >= 60_000)).toBe(true);
  });

  it('count a range no further than moving kept bits onto it costs (a relative time moved by a few keys)', () => {
    const times = new OrderedIndex<Doc>(['bot', 't']);
    const n = 100_000;
    for (let seq = 0; seq < n; seq++) times.add({ doc: { id: `d${String(seq).padStart(6, '0')}`, bot: 'b1', t: seq } as Doc, position: 1n, seq } as Entry<Doc>);
    const bot: DocFilter = { field: 'bot', op: 'eq', value: 'b1' };
    const since = (t: number): DocFilter => ({ field: 't', op: 'gte', value: t });
    // The first request keeps the bits of t ≥ 5000 (95,000 keys); the next asks for what is not within the window
    // that has moved on by ten keys, as `notWithinLast` does.
    expect(planSets([times], [bot, { not: since(5000) }], n, 10 * n)?.fields).toEqual(['t']);
    const counted: number[] = [];
    const countUpTo = times.countUpTo.bind(times);
    jest.spyOn(times, 'countUpTo').mockImplementation((range, cap) => {
      const keys = countUpTo(range, cap);
      counted.push(Math.min(keys, cap + 1));
      return keys;
    });
    const plan = planSets([times], [bot, { not: since(5010) }], n, n);
    // Moving costs the copy of the words (98 units) and the ten keys between: the range was counted up to 25,000.
    expect(Math.max(...counted)).toBeLessThanOrEqual(Math.ceil((Math.ceil(n / 1024) + 10 * RANGE_KEY_COST) / RANGE_KEY_COST) + 1);
    const seqs = [...Array(n).keys()];
    expect(seqs.filter((seq) => plan!.lower.has(seq))).toEqual(seqs.filter((seq) => seq < 5010));
    expect(seqs.filter((seq) => plan!.upper.has(seq))).toEqual(seqs.filter((seq) => seq < 5010));
  });
});

/**
 * A walk's page asks for the documents unchanged since its snapshot (`sortStamp <= S`, search.service.ts): at a first
 * page S is the list's position, so the range holds every document of the bot. Its set is the universe itself —
 * copying the bits of a million documents and intersecting with them cost ~1 ms of such a page at 1M (bench/readstore
 * under load, 2026-12-06) and changed nothing. Only when every document is keyed exactly once: one without a value,
 * or keyed twice, makes the range's keys something else than the universe.
 */
/** `n` documents of bot b1 in two indexes: by `stamp` (`stampOf` each seq) and by `tag` (`rare` on one in 100). */
function stampsAndTags(n: number, stampOf: (seq: number) => unknown) {
  const stamps = new OrderedIndex<Doc>(['bot', 'stamp']);
  const tags = new OrderedIndex<Doc>(['bot', 'tag']);
  for (let seq = 0; seq < n; seq++) {
    const entry = { doc: { id: `d${String(seq).padStart(6, '0')}`, bot: 'b1', stamp: stampOf(seq), tag: seq % 100 === 0 ? 'rare' : 'common' } as Doc, position: 1n, seq } as Entry<Doc>;
    stamps.add(entry);
    tags.add(entry);
  }
  return { stamps, tags };
}

describe('set plans of a range holding the whole universe', () => {
  const n = 20_000;
  const plan = (stampOf: (seq: number) => unknown) => {
    const { stamps, tags } = stampsAndTags(n, stampOf);
    const read = jest.spyOn(stamps, 'addSeqs');
    const conjuncts: DocFilter[] = [
      { field: 'bot', op: 'eq', value: 'b1' },
      { field: 'tag', op: 'eq', value: 'rare' },
      { field: 'stamp', op: 'lte', value: n },
    ];
    const sets = planSets([stamps, tags], conjuncts, n, 10 * n)!;
    const seqs = [...Array(n).keys()];
    return { sets, read, lower: seqs.filter((seq) => sets.lower.has(seq)), upper: seqs.filter((seq) => sets.upper.has(seq)) };
  };
  const rare = [...Array(n).keys()].filter((seq) => seq % 100 === 0);

  it('is the universe, read from nothing, when every document is keyed once within it', () => {
    const { sets, read, lower, upper } = plan((seq) => seq);
    expect(read).not.toHaveBeenCalled();
    expect(sets.fields).toEqual(expect.arrayContaining(['tag', 'stamp']));
    expect(lower).toEqual(rare);
    expect(upper).toEqual(rare);
  });

  it('is read from the index when a document has no value there, or two', () => {
    const missing = plan((seq) => (seq === 200 ? undefined : seq));
    expect(missing.read).toHaveBeenCalled();
    expect(missing.upper).toEqual(rare.filter((seq) => seq !== 200));
    const twice = plan((seq) => (seq === 300 ? [seq, seq + 0.5] : seq));
    expect(twice.read).toHaveBeenCalled();
    expect(twice.upper).toEqual(rare);
  });
});

describe('set plans of an exact filter', () => {
  const n = 20_000;
  const { stamps, tags } = stampsAndTags(n, (seq) => seq);
  const seqs = [...Array(n).keys()];

  it('are one set for both bounds, each intersection made once', () => {
    const ands = jest.spyOn(SeqSet.prototype, 'and');
    const conjuncts: DocFilter[] = [
      { field: 'bot', op: 'eq', value: 'b1' },
      { not: { field: 'tag', op: 'eq', value: 'common' } },
      { field: 'stamp', op: 'lte', value: n / 2 },
    ];
    const sets = SeqSet.pooled(() => {
      const planned = planSets([stamps, tags], conjuncts, n, 10 * n)!;
      return { same: planned.lower === planned.upper, members: seqs.filter((seq) => planned.upper.has(seq)) };
    });
    expect(sets.same).toBe(true);
    expect(sets.members).toEqual(seqs.filter((seq) => seq % 100 === 0 && seq <= n / 2));
    // The dry pass's stand-ins and the real pass: three conjuncts each, not six.
    expect(ands).toHaveBeenCalledTimes(6);
    ands.mockRestore();
  });
});

/**
 * A walk plans its sets again at each doubling of its cap (executor.ts `runFind`); the plans of one query share a
 * memo (`PlanMemo`), so a range counted exactly, or past a cap, is not counted again — at 1M, shape 18's re-plans
 * recounted their ranges from scratch (30 % of its window).
 */
describe('set plans of one query', () => {
  it('count each range once across plans that share a memo, and plan as they would alone', () => {
    const n = 50_000;
    // Two copies: building a set may keep its bits in the index, which later plans see — the same in both.
    const indexes = () => {
      const times = new OrderedIndex<Doc>(['bot', 't']);
      const tags = new OrderedIndex<Doc>(['bot', 'tag']);
      for (let seq = 0; seq < n; seq++) {
        const entry = { doc: { id: `d${String(seq).padStart(6, '0')}`, bot: 'b1', t: seq, tag: seq % 3 === 0 ? 'a' : 'b' } as Doc, position: 1n, seq } as Entry<Doc>;
        times.add(entry);
        tags.add(entry);
      }
      return [times, tags] as const;
    };
    const conjuncts: DocFilter[] = [
      { field: 'bot', op: 'eq', value: 'b1' },
      { field: 'tag', op: 'eq', value: 'a' },
      { field: 't', op: 'lt', value: 3000 },
    ];
    /** Per plan: the caps the range was counted under, and whether a count covered it. */
    let counts: { cap: number; exact: boolean }[] = [];
    const budgets = [512, 1024, 2048, 4096, 8192, 16_384, 32_768];
    const planAll = (memo?: PlanMemo) => {
      const [times, tags] = indexes();
      const countUpTo = times.countUpTo.bind(times);
      jest.spyOn(times, 'countUpTo').mockImplementation((range, cap) => {
        const keys = countUpTo(range, cap);
        counts.push({ cap, exact: keys <= cap });
        return keys;
      });
      return budgets.map((budget) => {
        counts = [];
        const plan = planSets([times, tags], conjuncts, n, budget, undefined, undefined, memo);
        return { plan, counts };
      });
    };
    const shared = planAll(newPlanMemo());
    const alone = planAll();
    // The range holds 3,000 keys: with a memo each plan counts it first under a cap no earlier plan reached, and never
    // again once a count covered it (building its set may count it once more, to decide whether to keep its bits);
    // alone, each plan counts it from its first cap.
    const covered = shared.findIndex(({ counts }) => counts.some(({ exact }) => exact));
    expect(covered).toBeGreaterThan(0);
    shared.slice(covered + 1).forEach(({ counts }) => expect(counts).toEqual([]));
    shared.slice(1, covered + 1).forEach(({ counts }, k) => expect(counts[0]!.cap).toBeGreaterThan(shared[k]!.counts[0]!.cap));
    expect(alone.slice(covered + 1).every(({ counts }) => counts.length > 0)).toBe(true);
    const seqs = [...Array(n).keys()];
    const members = (set: SeqSet | undefined) => seqs.filter((seq) => set?.has(seq));
    shared.forEach(({ plan }, k) => {
      const other = alone[k]!.plan;
      expect(plan?.fields).toEqual(other?.fields);
      expect(members(plan?.lower)).toEqual(members(other?.lower));
      expect(members(plan?.upper)).toEqual(members(other?.upper));
    });
    expect(shared.at(-1)?.plan?.fields).toEqual(expect.arrayContaining(['t']));
  });
});

/**
 * A count whose cheap sets leave many documents to evaluate builds the sets that answer it alone when evaluating
 * would cost more (`MEMBER_COST` a document): shape 16 of bench/search (`subscribedAt withinLast P180D` in an `any`,
 * half the bot, over the count's first budget) evaluated 187k documents at 1M (~600 ms) for want of a range's set.
 */
describe('counts from sets', () => {
  it('build a large range that answers the count alone rather than evaluate what cheaper sets leave', async () => {
    const users = new EmbeddedCollection<Doc>('users');
    const n = 8000;
    for (let i = 0; i < n; i++) {
      await users.upsert({ id: `u${String(i).padStart(5, '0')}`, bot: 'b1', g: i % 4, p: i % 10 === 0 ? 'x' : 'y', t: (i * 7919) % n }, BigInt(i + 1));
    }
    await users.ensureIndexes([
      { name: 'g', fields: [['bot', 1], ['g', 1]] },
      { name: 'p', fields: [['bot', 1], ['p', 1]] },
      { name: 't', fields: [['bot', 1], ['t', 1]] },
    ]);
    // g = 0: a quarter; p = x: a tenth; t ≥ n/2: half, whose range costs twice the count's first budget.
    const filter: DocFilter = {
      and: [
        { field: 'bot', op: 'eq', value: 'b1' },
        { field: 'g', op: 'eq', value: 0 },
        { or: [{ field: 'p', op: 'eq', value: 'x' }, { field: 't', op: 'gte', value: n / 2 }] },
      ],
    };
    const expected = [...Array(n).keys()].filter((i) => i % 4 === 0 && (i % 10 === 0 || (i * 7919) % n >= n / 2)).length;
    const { count, stats } = users.explainCount(filter);
    expect(count).toBe(expected);
    expect(stats).toMatchObject({ strategy: 'sets', examined: 0 });
    expect(stats.source).toContain('"t"');
    expect(await users.count(filter)).toBe(expected);
  });
});

/**
 * A walk through a sparse filter plans its sets with the budget of the walk it expects (the smallest candidate
 * source's keys bound the matches) at its first re-planning, not once it has walked that far: bench/search's shape 3
 * (1.2 % of a bot) examined 2,048 documents before its sets were affordable.
 */
describe('walks through sparse filters', () => {
  it('plan their sets at the first re-planning when the matches are few', async () => {
    const users = new EmbeddedCollection<Doc>('users', { ...DEFAULT_COLLECTION_SETTINGS, sortColumns: false });
    const n = 50_000;
    for (let i = 0; i < n; i++) await users.upsert({ id: `u${String(i).padStart(5, '0')}`, bot: 'b1', s: i, r: (i * 7919) % n }, BigInt(i + 1));
    await users.ensureIndexes([
      { name: 's', fields: [['bot', 1], ['s', 1]] },
      { name: 'r', fields: [['bot', 1], ['r', 1]] },
    ]);
    // 5 % match, spread evenly along `s`: 2,500 keys of a range (over the first re-planning's budget of 256 documents).
    const filter: DocFilter = { and: [{ field: 'bot', op: 'eq', value: 'b1' }, { field: 'r', op: 'lt', value: 2500 }] };
    const { page, stats } = users.explainFind({ filter, sort: { field: 's', order: 'asc' }, limit: 50 });
    const expected = [...Array(n).keys()].filter((i) => (i * 7919) % n < 2500).slice(0, 50).map((i) => `u${String(i).padStart(5, '0')}`);
    expect(page.items.map((doc) => doc.id)).toEqual(expected);
    expect(stats.strategy).toBe('walk, filtered by sets');
    expect(stats.examined).toBeLessThanOrEqual(256);
  });

  /**
   * A filter whose smallest candidate source holds 1 % of the bot expects ~5,000 steps of a walk for 50 matches: its
   * walk is checked first at 64 documents, not 256 (under load at 1M, ~1.4 ms of a rare tag's ~5 ms page went into
   * 256 documents that held ~2 matches, before the page came from the sets). Matches gathered at the start of the
   * walk's order are still found by the walk alone.
   */
  it('check a walk expected to be long at a quarter of the first cap', async () => {
    const n = 50_000;
    const ask = async (r: (i: number) => number) => {
      const users = new EmbeddedCollection<Doc>('users', { ...DEFAULT_COLLECTION_SETTINGS, sortColumns: false });
      for (let i = 0; i < n; i++) await users.upsert({ id: `u${String(i).padStart(5, '0')}`, bot: 'b1', s: i, r: r(i) }, BigInt(i + 1));
      await users.ensureIndexes([
        { name: 's', fields: [['bot', 1], ['s', 1]] },
        { name: 'r', fields: [['bot', 1], ['r', 1]] },
      ]);
      const filter: DocFilter = { and: [{ field: 'bot', op: 'eq', value: 'b1' }, { field: 'r', op: 'lt', value: 500 }] };
      const { page, stats } = users.explainFind({ filter, sort: { field: 's', order: 'asc' }, limit: 50 });
      const expected = [...Array(n).keys()].filter((i) => r(i) < 500).slice(0, 50).map((i) => `u${String(i).padStart(5, '0')}`);
      expect(page.items.map((doc) => doc.id)).toEqual(expected);
      return stats;
    };
    // Spread evenly: the page comes from the 500 members of the set, after 64 documents walked (256 before).
    const spread = await ask((i) => (i * 7919) % n);
    expect(spread.strategy).toBe('walk, then sets');
    expect(spread.examined).toBeGreaterThan(500);
    expect(spread.examined).toBeLessThanOrEqual(500 + 64);
    // Gathered at the start of the order: the walk finds the page (and the 51st, which says a next page exists) in
    // its first 51 documents.
    const gathered = await ask((i) => i);
    expect(gathered.strategy).toBe('walk');
    expect(gathered.examined).toBe(51);
  });
});
