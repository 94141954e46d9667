import fc from 'fast-check';
import { SeqSet } from './seq-set';

/** Sets of seqs against plain sets of numbers, in a universe of `U` seqs (some above a multiple of 32). */
const U = 70;
const universe = Array.from({ length: U }, (_, seq) => seq);

type Expr = { set: number[] } | { not: Expr } | { and: [Expr, Expr] } | { or: [Expr, Expr] } | 'all' | 'empty';

const expr: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ set: fc.array(fc.integer({ min: 0, max: U - 1 })) }),
    fc.constant<Expr>('all'),
    fc.constant<Expr>('empty'),
    fc.record({ not: tie('expr') }),
    fc.record({ and: fc.tuple(tie('expr'), tie('expr')) }),
    fc.record({ or: fc.tuple(tie('expr'), tie('expr')) }),
  ),
})).expr;

function build(e: Expr): SeqSet {
  if (e === 'all') return SeqSet.ALL;
  if (e === 'empty') return SeqSet.EMPTY;
  if ('set' in e) return SeqSet.of(U, (add) => e.set.forEach(add));
  if ('not' in e) return build(e.not).not();
  if ('and' in e) return build(e.and[0]).and(build(e.and[1]));
  return build(e.or[0]).or(build(e.or[1]));
}

function model(e: Expr): Set<number> {
  if (e === 'all') return new Set(universe);
  if (e === 'empty') return new Set();
  if ('set' in e) return new Set(e.set);
  if ('not' in e) {
    const inner = model(e.not);
    return new Set(universe.filter((seq) => !inner.has(seq)));
  }
  if ('and' in e) {
    const [a, b] = [model(e.and[0]), model(e.and[1])];
    return new Set([...a].filter((seq) => b.has(seq)));
  }
  return new Set([...model(e.or[0]), ...model(e.or[1])]);
}

describe('SeqSet', () => {
  it('answers membership and size as the sets it was built from, through and, or and not', () => {
    fc.assert(
      fc.property(expr, (e) => {
        const set = build(e);
        const expected = model(e);
        expect(universe.filter((seq) => set.has(seq))).toEqual([...expected].sort((a, b) => a - b));
        expect(set.size(U)).toBe(expected.size);
        expect(set.isEmpty && expected.size > 0).toBe(false);
        expect(set.isAll && expected.size < U).toBe(false);
      }),
    );
  });

  it('visits its bits in ascending order: the members, or the non-members of a complement', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: U - 1 })), (seqs) => {
        const set = SeqSet.of(U, (add) => seqs.forEach(add));
        const bits = (s: SeqSet) => {
          const out: number[] = [];
          s.forEachBit((seq) => out.push(seq));
          return out;
        };
        const expected = [...new Set(seqs)].sort((a, b) => a - b);
        expect(bits(set)).toEqual(expected);
        expect(bits(set.not())).toEqual(expected);
        expect(set.not().has(expected[0] ?? 0)).toBe(expected.length === 0);
      }),
    );
  });
});
