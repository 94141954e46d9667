/**
 * Sets of entries as bits by their `seq` (creation counter, dense in a collection), relative to a universe (the
 * documents of one partition, e.g. one bot): a set is its bits or, `negated`, the universe without them. Set algebra
 * on 1M documents is then a pass over 31,250 words, and membership a bit test that touches no document.
 * Every bit set must be a member of the universe (bits come from the universe's index ranges), so that the size of a
 * negated set is the universe's size minus its bits.
 */
export class SeqSet {
  private constructor(
    /** Undefined: no bits (the empty set, or the whole universe when negated). */
    private readonly words: Uint32Array | undefined,
    readonly negated: boolean,
  ) {}

  static readonly EMPTY = new SeqSet(undefined, false);
  static readonly ALL = new SeqSet(undefined, true);
  /**
   * A set whose members are not known, only that it is neither empty nor everything (at least as far as anyone can
   * tell): expressions over it show whether a result would be a complement without building any set.
   */
  static readonly SOME = new SeqSet(new Uint32Array(0), false);

  /**
   * The set of the seqs `fill` adds, for entries with seq below `size`: one by one (`add`), or as words of bits by seq
   * (`addWords`: bit `seq & 31` of word `seq >>> 5`, none at or above `size`).
   */
  static of(size: number, fill: (add: (seq: number) => void, addWords: (bits: Uint32Array) => void) => void): SeqSet {
    const words = new Uint32Array((size + 31) >>> 5);
    fill(
      (seq) => {
        words[seq >>> 5]! |= 1 << (seq & 31);
      },
      (bits) => {
        for (let i = 0, n = Math.min(bits.length, words.length); i < n; i++) words[i]! |= bits[i]!;
      },
    );
    return new SeqSet(words, false);
  }

  get isEmpty(): boolean {
    return !this.negated && this.words === undefined;
  }

  get isAll(): boolean {
    return this.negated && this.words === undefined;
  }

  has(seq: number): boolean {
    const words = this.words;
    const bit = words !== undefined && (words[seq >>> 5]! & (1 << (seq & 31))) !== 0;
    return bit !== this.negated;
  }

  /** The number of members, given the universe's size. */
  size(universe: number): number {
    let n = 0;
    const words = this.words;
    if (words) for (let i = 0; i < words.length; i++) n += popcount(words[i]!);
    return this.negated ? universe - n : n;
  }

  not(): SeqSet {
    return new SeqSet(this.words, !this.negated);
  }

  and(other: SeqSet): SeqSet {
    if (this.isEmpty || other.isAll) return this;
    if (other.isEmpty || this.isAll) return other;
    if (!this.negated && !other.negated) return SeqSet.combine(this.words!, other.words!, (a, b) => a & b, false);
    if (!this.negated) return SeqSet.combine(this.words!, other.words!, (a, b) => a & ~b, false);
    if (!other.negated) return SeqSet.combine(other.words!, this.words!, (a, b) => a & ~b, false);
    return SeqSet.combine(this.words!, other.words!, (a, b) => a | b, true);
  }

  or(other: SeqSet): SeqSet {
    return this.not().and(other.not()).not();
  }

  /** Calls `visit` with every seq in the bits, ascending (the members unless negated). */
  forEachBit(visit: (seq: number) => void): void {
    const words = this.words;
    if (!words) return;
    for (let i = 0; i < words.length; i++) {
      let word = words[i]!;
      while (word !== 0) {
        const low = word & -word;
        visit((i << 5) + 31 - Math.clz32(low));
        word ^= low;
      }
    }
  }

  private static combine(a: Uint32Array, b: Uint32Array, op: (a: number, b: number) => number, negated: boolean): SeqSet {
    const length = Math.max(a.length, b.length);
    const words = new Uint32Array(length);
    for (let i = 0; i < length; i++) words[i] = op(a[i] ?? 0, b[i] ?? 0);
    return new SeqSet(words, negated);
  }
}

function popcount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
