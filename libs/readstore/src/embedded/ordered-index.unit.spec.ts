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
