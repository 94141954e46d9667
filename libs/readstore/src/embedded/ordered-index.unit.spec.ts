import fc from 'fast-check';
import type { Doc } from '../port';
import type { Entry } from './entry';
import { OrderedIndex, type Bound } from './ordered-index';

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
 * `addSeqs` makes a range's set from large buckets' bits (kept once made) and other entries one by one: after any
 * mix of adds, removes and re-keyed documents, before and after the bits were first made, it is the set of the seqs
 * that a scan of the range visits. Seeded random runs (a failure names its seed and step), buckets of 300–900
 * entries, so that the bits are made and then kept up to date.
 */
describe('OrderedIndex.addSeqs', () => {
  const random = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  it.each([1, 2, 3, 4, 5])('is the set of the seqs a scan visits, across adds, removes and re-keyed documents (seed %i)', (seed) => {
    const next = random(seed);
    const index = new OrderedIndex<Doc>(['bot', 'tag']);
    const live = new Map<number, Entry<Doc>>();
    let nextSeq = 0;
    const setOf = (tag: number, partition: NonNullable<ReturnType<typeof index.partitions.get>>) => {
      const members: number[] = [];
      index.addSeqs({ partition, prefix: [tag] }, nextSeq, (seq) => void members.push(seq), (words) =>
        words.forEach((word, i) => {
          for (let bit = 0; bit < 32; bit++) if (word & (1 << bit)) members.push(i * 32 + bit);
        }),
      );
      return members.sort((a, b) => a - b);
    };
    for (let step = 0; step < 6000; step++) {
      const id = Math.floor(next() * 1500);
      const entry = live.get(id);
      if (next() < 0.2) {
        if (!entry) continue;
        index.remove(entry);
        entry.seq = -1;
        live.delete(id);
      } else {
        const doc: Doc = { id: `d${String(id).padStart(4, '0')}`, bot: 'b1', tag: Math.floor(next() * 2) };
        if (entry) {
          index.remove(entry);
          entry.doc = doc;
          index.add(entry);
        } else {
          const created = { doc, position: 1n, seq: nextSeq++ } as Entry<Doc>;
          live.set(id, created);
          index.add(created);
        }
      }
      if (step % 250 !== 249) continue;
      const partition = index.partitions.get('b1')!;
      for (const tag of [0, 1]) {
        const scanned: number[] = [];
        index.scan({ partition, prefix: [tag] }, (e) => void scanned.push(e.seq));
        expect({ step, tag, members: setOf(tag, partition) }).toEqual({ step, tag, members: scanned.sort((a, b) => a - b) });
      }
    }
  });
});
