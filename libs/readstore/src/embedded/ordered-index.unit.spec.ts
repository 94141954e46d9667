import fc from 'fast-check';
import type { Doc } from '../port';
import type { Entry } from './entry';
import { Edge } from './index-values';
import { OrderedIndex, type Bound, type Range } from './ordered-index';
import { prng } from '../conformance/index-equivalence';

/** The seqs `addSeqs` puts into a set of the range, ascending; `oneByOne` receives those not given as words. */
function setOf(index: OrderedIndex<Doc>, range: Range<Doc>, size: number, oneByOne?: (seq: number) => void, moveUpTo?: number): number[] {
  const members: number[] = [];
  index.addSeqs(
    range,
    size,
    oneByOne ?? ((seq) => void members.push(seq)),
    (words) =>
      words.forEach((word, i) => {
        for (let bit = 0; bit < 32; bit++) if (word & (1 << bit)) members.push(i * 32 + bit);
      }),
    moveUpTo,
  );
  return members.sort((a, b) => a - b);
}

/** One bot's documents as a collection changes them in an index: created (the next seq), replaced, deleted. */
class Churn {
  readonly live = new Map<number, Entry<Doc>>();
  seqs = 0;

  constructor(private readonly index: OrderedIndex<Doc>) {}

  put(id: number, fields: Record<string, unknown>): void {
    const doc = { id: `d${String(id).padStart(4, '0')}`, bot: 'b1', ...fields } as Doc;
    const entry = this.live.get(id);
    if (entry) {
      this.index.remove(entry);
      entry.doc = doc;
      this.index.add(entry);
      return;
    }
    const created = { doc, position: 1n, seq: this.seqs++ } as Entry<Doc>;
    this.live.set(id, created);
    this.index.add(created);
  }

  /** False when there is no such document. */
  drop(id: number): boolean {
    const entry = this.live.get(id);
    if (!entry) return false;
    this.index.remove(entry);
    entry.seq = -1;
    this.live.delete(id);
    return true;
  }
}

/**
 * `countUpTo` answers a range's key count when it is at most the cap, else any number above the cap — whether it
 * counted values alone (more values than the cap) or the keys of their buckets (values repeated by several documents,
 * arrays keyed once per element).
 */
describe('OrderedIndex.countUpTo', () => {
  const value = fc.integer({ min: 0, max: 30 });
  const doc = (id: number) =>
    fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 })).map((v): Doc => ({ id: `d${String(id).padStart(3, '0')}`, bot: 'b1', v }));
  const bound = fc.option(fc.record({ value, inclusive: fc.boolean() }), { nil: undefined });

  it('is exact up to the cap and above it past the cap, over a level of repeated values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 200 }), { maxLength: 200 }).chain((ids) => fc.tuple(...[...new Set(ids)].map(doc))),
        bound,
        bound,
        fc.nat({ max: 60 }),
        (docs, low: Bound | undefined, high: Bound | undefined, cap) => {
          const index = new OrderedIndex<Doc>(['bot', 'v']);
          docs.forEach((d, seq) => index.add({ doc: d, position: BigInt(seq + 1), seq } as Entry<Doc>));
          const partition = index.partitions.get('b1');
          if (!partition) return;
          const within = (v: number) =>
            (!low || v > (low.value as number) || (low.inclusive && v === low.value)) && (!high || v < (high.value as number) || (high.inclusive && v === high.value));
          // A document is keyed once per distinct value.
          const keys = docs.reduce((n, d) => n + [...new Set([d.v].flat() as number[])].filter(within).length, 0);
          const counted = index.countUpTo({ partition, prefix: [], low, high }, cap);
          if (keys <= cap) expect(counted).toBe(keys);
          else expect(counted).toBeGreaterThan(cap);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/**
 * A range over the last level of values is counted from two ranks and the buckets of several keys (`keysWithin`),
 * which every add and remove keeps up to date: across adds, removes, documents re-keyed from one value to several
 * and back (buckets growing into trees and back to single entries), a bulk build and an adoption of the index's own
 * order, the count of every range — at one level (`['bot', 'v']`) and below a prefix (`['bot', 's', 'v']`) — is the
 * number of keys a scan of it visits: exact up to the cap, above the cap past it. Seeded; a failure names its step.
 */
describe('OrderedIndex.countUpTo across changes', () => {
  const edges = [Edge.BEFORE_ALL, Edge.AFTER_NULL, Edge.AFTER_NUMBERS, Edge.AFTER_STRINGS, Edge.AFTER_ALL];
  /** No bound, a number, a string, or the edge of a type bracket (`exists`, a type's range). */
  const bounds = (next: () => number): Bound | undefined => {
    const r = next();
    if (r < 0.15) return undefined;
    const value = r < 0.3 ? edges[Math.floor(next() * edges.length)]! : r < 0.45 ? `s${Math.floor(next() * 12)}` : Math.floor(next() * 70) - 5;
    return { value, inclusive: next() < 0.5 };
  };

  it.each([1, 2, 3, 4])('counts what a scan visits, one level and below a prefix (seed %i)', async (seed) => {
    const next = prng(seed);
    let flat = new OrderedIndex<Doc>(['bot', 'v']);
    let nested = new OrderedIndex<Doc>(['bot', 's', 'v']);
    const live = new Map<number, Entry<Doc>>();
    let seqs = 0;
    const scalar = () => (next() < 0.15 ? `s${Math.floor(next() * 10)}` : Math.floor(next() * 60));
    const value = () => (next() < 0.3 ? [scalar(), scalar()] : next() < 0.05 ? null : scalar());
    for (let step = 0; step < 4000; step++) {
      const id = Math.floor(next() * 400);
      const entry = live.get(id);
      if (entry) {
        flat.remove(entry);
        nested.remove(entry);
      }
      if (entry && next() < 0.2) {
        entry.seq = -1;
        live.delete(id);
      } else {
        const doc = { id: `d${String(id).padStart(3, '0')}`, bot: 'b1', s: Math.floor(next() * 3), v: value() } as Doc;
        const put = entry ?? ({ doc, position: 1n, seq: seqs++ } as Entry<Doc>);
        put.doc = doc;
        live.set(id, put);
        flat.add(put);
        nested.add(put);
      }
      if (step === 1500) {
        // A bulk build: levels made at once.
        flat = new OrderedIndex<Doc>(['bot', 'v']);
        flat.build([...live.values()]);
        nested = new OrderedIndex<Doc>(['bot', 's', 'v']);
        nested.build([...live.values()]);
      }
      if (step === 2500) {
        // An adoption of the index's own order (as a snapshot keeps it): levels loaded run by run.
        const entries = [...live.values()];
        const positions = new Map(entries.map((e, i) => [e, i]));
        for (const [fields, old] of [[['bot', 'v'], flat], [['bot', 's', 'v'], nested]] as const) {
          const adopted = new OrderedIndex<Doc>(fields);
          const orders = old.order((e) => positions.get(e)!)!;
          expect(await adopted.adopt(orders, entries, (e) => e.doc, async () => false)).toBe(true);
          if (fields.length === 2) flat = adopted;
          else nested = adopted;
        }
      }
      if (step % 40 !== 39) continue;
      for (let probe = 0; probe < 10; probe++) {
        const low = bounds(next);
        const high = bounds(next);
        const cap = next() < 0.5 ? Number.POSITIVE_INFINITY : Math.floor(next() * 150);
        for (const [index, prefix] of [[flat, []], [nested, [Math.floor(next() * 3)]]] as const) {
          const partition = index.partitions.get('b1');
          if (!partition) continue;
          const range: Range<Doc> = { partition, prefix, low, high };
          let scanned = 0;
          index.scan(range, () => void scanned++);
          const counted = index.countUpTo(range, cap);
          const fine = scanned <= cap ? counted === scanned : counted > cap;
          expect({ step, prefix, low, high, cap, scanned, fine }).toEqual({ step, prefix, low, high, cap, scanned, fine: true });
        }
      }
    }
  });
});

/**
 * `addSeqs` makes a range's set from large buckets' bits (kept once made) and other entries one by one: after any
 * mix of adds, removes and re-keyed documents, before and after the bits were first made, it is the set of the seqs
 * that a scan of the range visits. Seeded random runs (a failure names its seed and step), buckets of 300–900
 * entries, so that the bits are made and then kept up to date.
 */
describe('OrderedIndex.addSeqs', () => {
  it.each([1, 2, 3, 4, 5])('is the set of the seqs a scan visits, across adds, removes and re-keyed documents (seed %i)', (seed) => {
    const next = prng(seed);
    const index = new OrderedIndex<Doc>(['bot', 'tag']);
    const docs = new Churn(index);
    for (let step = 0; step < 6000; step++) {
      const id = Math.floor(next() * 1500);
      if (next() < 0.2) {
        if (!docs.drop(id)) continue;
      } else docs.put(id, { tag: Math.floor(next() * 2) });
      if (step % 250 !== 249) continue;
      const partition = index.partitions.get('b1')!;
      for (const tag of [0, 1]) {
        const scanned: number[] = [];
        index.scan({ partition, prefix: [tag] }, (e) => void scanned.push(e.seq));
        expect({ step, tag, members: setOf(index, { partition, prefix: [tag] }, docs.seqs) }).toEqual({ step, tag, members: scanned.sort((a, b) => a - b) });
      }
    }
  });
});

/**
 * A range holding a partition's whole tree (`exists: true` over one field, whose documents without a value are left
 * out of the tree) makes its set from the bits of the tree's documents, kept up to date once made: across adds,
 * removes, documents losing and gaining a value and a rebuild, the set is what a scan of the range visits. So do the
 * bits of the documents whose value passes a test (`where`, a text condition), kept once made.
 */
describe('OrderedIndex tree bits and tested values', () => {
  const present = (partition: Range<Doc>['partition']): Range<Doc> => ({
    partition,
    prefix: [],
    low: { value: Edge.AFTER_NULL, inclusive: false },
    high: { value: Edge.AFTER_ALL, inclusive: false },
  });

  it.each([1, 2, 3])('is the set of the seqs a scan visits, as documents gain and lose a value (seed %i)', (seed) => {
    const next = prng(seed);
    const index = new OrderedIndex<Doc>(['bot', 'email']);
    const docs = new Churn(index);
    let fromBits = 0;
    let testMade = false;
    for (let step = 0; step < 5000; step++) {
      const id = Math.floor(next() * 1200);
      if (next() < 0.15) {
        if (!docs.drop(id)) continue;
      } else docs.put(id, { email: next() < 0.7 ? `u${Math.floor(next() * 5000)}@example.com` : null });
      if (step === 3000) {
        // A bulk build gives the partition a tree made at once: bits of the old one must not survive it.
        index.clear();
        index.build([...docs.live.values()]);
        testMade = false;
      }
      if (step % 200 !== 199) continue;
      const range = present(index.partitions.get('b1')!);
      const scanned: number[] = [];
      index.scan(range, (e) => void scanned.push(e.seq));
      expect(index.holdsAll(range)).toBe(true);
      expect(index.countUpTo(range, 0)).toBe(scanned.length);
      if (index.setFromBits(range)) fromBits++;
      expect({ step, members: setOf(index, range, docs.seqs) }).toEqual({ step, members: scanned.sort((a, b) => a - b) });
      // A test of the values (a text condition): its bits, kept once made, against a scan of the documents.
      const tested: Range<Doc> = { partition: range.partition, prefix: [], where: { key: 'has 7', test: (v) => typeof v === 'string' && v.includes('7') } };
      const kept = index.keepsTest(tested);
      const passed = setOf(index, tested, docs.seqs, () => {
        throw new Error('a test makes its set as bits');
      });
      const expected = [...docs.live.values()].filter((e) => typeof e.doc.email === 'string' && e.doc.email.includes('7')).map((e) => e.seq);
      expect({ step, kept, passed }).toEqual({ step, kept: testMade, passed: expected.sort((a, b) => a - b) });
      testMade = true;
      expect(index.countUpTo(tested, Number.POSITIVE_INFINITY)).toBe(expected.length);
    }
    expect(fromBits).toBeGreaterThan(10);
  });

  it('holds all only when the bounds hold the first and the last value', () => {
    const index = new OrderedIndex<Doc>(['bot', 'n']);
    [5, 7, 9].forEach((n, seq) => index.add({ doc: { id: `d${n}`, bot: 'b1', n }, position: 1n, seq } as Entry<Doc>));
    const partition = index.partitions.get('b1')!;
    const range = (low?: Bound, high?: Bound): Range<Doc> => ({ partition, prefix: [], low, high });
    expect(index.holdsAll(range({ value: 5, inclusive: true }, { value: 9, inclusive: true }))).toBe(true);
    expect(index.holdsAll(range({ value: 5, inclusive: false }))).toBe(false);
    expect(index.holdsAll(range(undefined, { value: 9, inclusive: false }))).toBe(false);
    expect(index.holdsAll(range({ value: 4, inclusive: false }, { value: 10, inclusive: false }))).toBe(true);
    expect(index.holdsAll({ partition, prefix: [7] })).toBe(false);
    expect(index.countUpTo(range({ value: 5, inclusive: false }), 10)).toBe(2);
  });
});

/**
 * A bounded range holding a large share of its partition keeps its bits, and a later range sharing one of its bounds
 * moves them by the keys between the other two (a relative time's bound, moving a little between requests): across
 * bounds moving both ways, other bounds, adds, removes and re-keyed documents, each set is what a scan visits.
 */
describe('OrderedIndex kept ranges', () => {
  it.each([1, 2, 3, 4])('makes each set what a scan of its range visits (seed %i)', (seed) => {
    const next = prng(seed);
    const index = new OrderedIndex<Doc>(['bot', 't']);
    const docs = new Churn(index);
    let moved = 0;
    let low = 300;
    let high = 700;
    for (let step = 0; step < 6000; step++) {
      const id = Math.floor(next() * 1000);
      if (!(next() < 0.1 && docs.drop(id))) docs.put(id, { t: next() < 0.05 ? null : Math.floor(next() * 1000) });
      if (step % 40 !== 39) continue;
      // Mostly a low bound creeping up (or back) under a fixed high one; now and then a high bound or new bounds.
      const r = next();
      if (r < 0.6) low += Math.floor(next() * 12) - 3;
      else if (r < 0.8) high += Math.floor(next() * 12) - 6;
      else [low, high] = [Math.floor(next() * 400), 500 + Math.floor(next() * 500)];
      const partition = index.partitions.get('b1')!;
      const range: Range<Doc> = {
        partition,
        prefix: [],
        low: next() < 0.9 ? { value: low, inclusive: next() < 0.5 } : undefined,
        high: { value: high, inclusive: next() < 0.5 },
      };
      // The planner's bound on a move, now and then: any bound gives the same set.
      const upTo = next() < 0.7 ? undefined : Math.floor(next() * 40);
      if (index.keptSlice(range, upTo) !== undefined) moved++;
      const scanned: number[] = [];
      index.scan(range, (e) => void scanned.push(e.seq));
      expect({ step, members: setOf(index, range, docs.seqs, undefined, upTo) }).toEqual({ step, members: scanned.sort((a, b) => a - b) });
    }
    expect(moved).toBeGreaterThan(30);
  });

  /** The planner prices a set kept once made at a share of its cost (`KEPT_SET_WORTH`): it must be kept indeed. */
  it('says which sets are kept once made, as addSeqs keeps them', () => {
    const index = new OrderedIndex<Doc>(['bot', 't']);
    const docs = new Churn(index);
    for (let id = 0; id < 20_000; id++) docs.put(id, { t: id });
    const partition = index.partitions.get('b1')!;
    const from = (low: number): Range<Doc> => ({ partition, prefix: [], low: { value: low, inclusive: true } });
    const count = (range: Range<Doc>) => index.countUpTo(range, Number.POSITIVE_INFINITY);
    // 20,000 documents: a range is kept from 313 keys on (1/64 of the partition).
    const [large, small] = [from(15_000), from(19_900)];
    expect([index.keptOnceMade(large, count(large)), index.keptOnceMade(small, count(small))]).toEqual([true, false]);
    setOf(index, large, docs.seqs);
    setOf(index, small, docs.seqs);
    expect([index.keptSlice(large, 0), index.keptSlice(small, 0)]).toEqual([0, undefined]);
    // A range holding the whole tree copies its bits (nothing to keep); one under a prefix is not kept.
    expect(index.keptOnceMade({ partition, prefix: [] }, count({ partition, prefix: [] }))).toBe(false);
    expect(index.keptOnceMade({ partition, prefix: [15_000] }, 1)).toBe(false);
    // A test of the top level's values is kept whatever it passes.
    const odd: Range<Doc> = { partition, prefix: [], where: { key: 'odd', test: (value) => Number(value) % 2 === 1 } };
    expect([index.keptOnceMade(odd, 0), index.keepsTest(odd)]).toEqual([true, false]);
    setOf(index, odd, docs.seqs);
    expect(index.keepsTest(odd)).toBe(true);
  });

  it('keeps a smaller range once it is asked again with the same bounds and keys, never on its first ask', () => {
    const fresh = () => {
      const index = new OrderedIndex<Doc>(['bot', 't']);
      const docs = new Churn(index);
      for (let id = 0; id < 20_000; id++) docs.put(id, { t: id });
      const partition = index.partitions.get('b1')!;
      const from = (low: number): Range<Doc> => ({ partition, prefix: [], low: { value: low, inclusive: true } });
      const set = (range: Range<Doc>) => setOf(index, range, docs.seqs).sort((a, b) => a - b);
      return { index, docs, from, set, count: (range: Range<Doc>) => index.countUpTo(range, Number.POSITIVE_INFINITY) };
    };
    // 20,000 documents: 280 keys are under a kept range's 313 (1/64), over a bucket's 256.
    const { index, from, set, count } = fresh();
    const asked = from(19_720);
    expect(index.keptOnceMade(asked, count(asked))).toBe(false);
    const first = set(asked);
    expect(first).toHaveLength(280);
    expect(index.keptSlice(asked, 0)).toBeUndefined(); // read key by key, its bounds remembered
    expect(index.keptOnceMade(asked, count(asked))).toBe(true);
    expect(set(asked)).toEqual(first);
    expect(index.keptSlice(asked, 0)).toBe(0); // kept: the next set copies its bits
    expect(set(asked)).toEqual(first);
    // Fewer keys than a bucket's share are never kept.
    const small = fresh();
    small.set(small.from(19_900));
    small.set(small.from(19_900));
    expect(small.index.keptSlice(small.from(19_900), 0)).toBeUndefined();
    // A range asked once among many others is forgotten.
    const busy = fresh();
    busy.set(busy.from(19_700));
    for (let low = 19_000; low < 19_040; low += 1) busy.set({ ...busy.from(low), high: { value: low + 300, inclusive: false } });
    busy.set(busy.from(19_700));
    expect(busy.index.keptSlice(busy.from(19_700), 0)).toBeUndefined();
    // A range that changed between its asks (as a walk's `sortStamp > S` does: every change since S joins it) is not
    // kept: it would be tested on every change only to be evicted.
    const growing = fresh();
    const open = growing.from(19_720);
    growing.set(open);
    growing.docs.put(20_000, { t: 20_000 });
    expect(growing.index.keptOnceMade(open, growing.count(open))).toBe(false);
    expect(growing.set(open)).toHaveLength(281);
    expect(growing.index.keptSlice(open, 0)).toBeUndefined();
    // Asked again unchanged, it is.
    expect(growing.set(open)).toHaveLength(281);
    expect(growing.index.keptSlice(open, 0)).toBe(0);
  });

  /**
   * A caller that knows its range is small bounds how far kept bits are looked for: each kept range far from it costs
   * at most that many keys counted, not 1/64 of the partition (the search's movers between two sort keys, beside
   * bits kept for other pages: 11 % of the segmentation thread at 200k users, growing as users moved).
   */
  it('counts the keys between kept bits and a range no further than the caller bounds them', () => {
    const index = new OrderedIndex<Doc>(['bot', 't']);
    const docs = new Churn(index);
    for (let id = 0; id < 20_000; id++) docs.put(id, { t: id });
    const partition = index.partitions.get('b1')!;
    const from = (low: number, high = 20_000): Range<Doc> => ({ partition, prefix: [], low: { value: low, inclusive: true }, high: { value: high, inclusive: false } });
    // Bits kept for [5000, 20000); a range 200 keys above shares their high bound.
    setOf(index, from(5000), docs.seqs);
    expect(index.keptSlice(from(5200))).toBe(200);
    const caps: number[] = [];
    const countUpTo = index.countUpTo.bind(index);
    const spy = jest.spyOn(index, 'countUpTo').mockImplementation((range, cap) => {
      caps.push(cap);
      return countUpTo(range, cap);
    });
    expect(index.keptSlice(from(5200), 50)).toBeUndefined();
    expect(Math.max(...caps)).toBeLessThanOrEqual(50);
    expect(index.keptSlice(from(5020), 50)).toBe(20);
    caps.length = 0;
    // Building a set under a bound: the kept bits too far are not moved (nor counted past the bound); the set is right.
    // (Whether the range itself is large enough to keep its own bits is counted up to the kept share, 1/64: 313.)
    const members = setOf(index, from(19_990), docs.seqs, undefined, 12);
    expect(members).toHaveLength(10);
    expect(caps.filter((cap) => cap !== 312)).not.toHaveLength(0);
    expect(Math.max(...caps.filter((cap) => cap !== 312))).toBeLessThanOrEqual(12);
    spy.mockRestore();
    expect(index.keptSlice(from(5000))).toBe(0);
  });
});
