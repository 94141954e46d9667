import fc from 'fast-check';
import { SeqSet } from './seq-set';

/** Sets of seqs against plain sets of numbers, in a universe of `U` seqs (some above a multiple of 32). */
const U = 70;
const universe = Array.from({ length: U }, (_, seq) => seq);

/** A set of seqs built over its own `size` (kept bits are as long as the collection was when they were made). */
type Expr = { set: number[]; size: number } | { not: Expr } | { and: [Expr, Expr] } | { or: [Expr, Expr] } | 'all' | 'empty';

const expr: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: 1, max: U }).chain((size) => fc.record({ set: fc.array(fc.integer({ min: 0, max: size - 1 })), size: fc.constant(size) })),
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
  if ('set' in e) return SeqSet.of(e.size, (add) => e.set.forEach(add));
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
  it('answers membership and size as the sets it was built from, through and, or and not, whatever their lengths', () => {
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

  it('knows a set and itself, and a set and its complement, as the same bits — but never two sets of unknown members', () => {
    fc.assert(
      fc.property(expr, (e) => {
        const set = build(e);
        const members = model(e);
        for (const other of [set, set.not()]) {
          const both = set.and(other);
          const expected = other === set ? members : new Set<number>();
          expect(universe.filter((seq) => both.has(seq))).toEqual([...expected].sort((a, b) => a - b));
          expect(both.size(U)).toBe(expected.size);
        }
      }),
    );
    // A dry plan gives every condition it would build this one set: `a and not b` is not known to be empty.
    expect(SeqSet.SOME.and(SeqSet.SOME.not()).isEmpty).toBe(false);
    expect(SeqSet.SOME.not().and(SeqSet.SOME).isEmpty).toBe(false);
  });

  it('visits its members below a size, word by word or seq by seq, and stops a word visit when asked', () => {
    fc.assert(
      fc.property(expr, fc.integer({ min: 0, max: U }), (e, size) => {
        const set = build(e);
        const expected = universe.filter((seq) => seq < size && set.has(seq));
        const seqs: number[] = [];
        set.forEachMember(size, (seq) => seqs.push(seq));
        // A set's bits lie below the size it was built for; a complement's members are counted up to `size`.
        const bitsBeyond = set.negated ? [] : universe.filter((seq) => seq >= size && set.has(seq));
        expect(seqs).toEqual([...expected, ...bitsBeyond]);
        const words: number[] = [];
        set.forEachWord(size, (word, base) => {
          for (let bit = 0; bit < 32; bit++) if ((word >>> bit) & 1) words.push(base + bit);
        });
        expect(words).toEqual(seqs);
        let visited = 0;
        set.forEachWord(size, () => ++visited === 1);
        expect(visited).toBe(seqs.length > 0 ? 1 : 0);
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

  it('answers the same with its words drawn from the pool, each scope after another that dirtied them', () => {
    fc.assert(
      fc.property(expr, expr, (first, second) => {
        // The first scope leaves words in the pool, some with every bit set; the second reuses them.
        SeqSet.pooled(() => [0, 1, 2].map(() => SeqSet.of(U, (add) => universe.forEach(add))).concat(build(first)));
        const before = SeqSet.poolCounts;
        SeqSet.pooled(() => {
          const set = build(second);
          const expected = model(second);
          expect(universe.filter((seq) => set.has(seq))).toEqual([...expected].sort((a, b) => a - b));
          expect(set.size(U)).toBe(expected.size);
        });
        // A scope that made sets took them from the pool.
        if (SeqSet.poolCounts.made + SeqSet.poolCounts.reused > before.made + before.reused) expect(SeqSet.poolCounts.reused).toBeGreaterThan(before.reused);
      }),
    );
  });

  it('gives words back only when the outermost scope ends, and pools nothing outside a scope', () => {
    const all = SeqSet.of(U, (add) => universe.forEach(add));
    const counts = SeqSet.poolCounts;
    expect(all.size(U)).toBe(U);
    SeqSet.pooled(() => {
      const outer = SeqSet.of(U, (add) => add(3));
      SeqSet.pooled(() => SeqSet.of(U, (add) => add(4)));
      // The inner scope did not give its words back while the outer one runs: a new set does not share them.
      const next = SeqSet.of(U, (add) => add(5));
      expect([outer.has(3), outer.has(4), outer.has(5)]).toEqual([true, false, false]);
      expect([next.has(3), next.has(4), next.has(5)]).toEqual([false, false, true]);
    });
    const after = SeqSet.poolCounts;
    expect(after.made + after.reused - counts.made - counts.reused).toBe(3);
    SeqSet.pooled(() => {
      const reused = SeqSet.of(U, (add) => add(7));
      expect(universe.filter((seq) => reused.has(seq))).toEqual([7]);
    });
    expect(SeqSet.poolCounts.reused).toBe(after.reused + 1);
  });
});
