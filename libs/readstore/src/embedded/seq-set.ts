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
   * Runs `use` with the words of the sets made meanwhile drawn from a pool, and given back to it when `use` returns:
   * no set made within may be used after (a find's or a count's plan, which is synchronous). At 1M users a set is
   * 125 KB outside V8's heap; made afresh for each query, those buffers added up to the external memory that starts
   * a full collection of the whole heap every few hundred sets. Nested calls share the outer one's scope.
   */
  static pooled<R>(use: () => R): R {
    if (scope) return use();
    const taken: Uint32Array[] = [];
    scope = taken;
    try {
      return use();
    } finally {
      scope = undefined;
      for (const words of taken) giveBack(words);
    }
  }

  /** Words made and words reused from the pool since the process started (for benches). */
  static get poolCounts(): { readonly made: number; readonly reused: number } {
    return { made: pool.made, reused: pool.reused };
  }

  /**
   * The set of the seqs `fill` adds, for entries with seq below `size`: one by one (`add`), or as words of bits by seq
   * (`addWords`: bit `seq & 31` of word `seq >>> 5`, none at or above `size`).
   */
  static of(size: number, fill: (add: (seq: number) => void, addWords: (bits: Uint32Array) => void) => void): SeqSet {
    const words = wordsOf((size + 31) >>> 5, true);
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

  /** The bits' count, once asked (a set never changes; a count and the column's cost ask it more than once). */
  private bits: number | undefined;

  /** The number of members, given the universe's size. */
  size(universe: number): number {
    let n = this.bits;
    if (n === undefined) {
      n = 0;
      const words = this.words;
      if (words) for (let i = 0; i < words.length; i++) n += popcount(words[i]!);
      this.bits = n;
    }
    return this.negated ? universe - n : n;
  }

  not(): SeqSet {
    const complement = new SeqSet(this.words, !this.negated);
    complement.bits = this.bits;
    return complement;
  }

  and(other: SeqSet): SeqSet {
    if (this.isEmpty || other.isAll) return this;
    if (other.isEmpty || this.isAll) return other;
    // The same bits: a set and itself, or a set and its complement (`upper − lower` of exact sets). Not SOME's: it
    // stands for every set whose members are not known, so two of them are not the same set.
    if (this.words === other.words && this.words !== SeqSet.SOME.words) return this.negated === other.negated ? this : SeqSet.EMPTY;
    if (!this.negated && !other.negated) return new SeqSet(both(this.words!, other.words!), false);
    if (!this.negated) return new SeqSet(without(this.words!, other.words!), false);
    if (!other.negated) return new SeqSet(without(other.words!, this.words!), false);
    return new SeqSet(either(this.words!, other.words!), true);
  }

  or(other: SeqSet): SeqSet {
    return this.not().and(other.not()).not();
  }

  /** Calls `visit` with every seq in the bits, ascending (the members unless negated). */
  forEachBit(visit: (seq: number) => void): void {
    const words = this.words;
    if (!words) return;
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      if (word !== 0) visitBits(word, i << 5, visit);
    }
  }

  /**
   * Calls `visit` with every seq below `size` in the set — a complement's too: the seqs below `size` without a bit, so
   * also those outside the universe (and of deleted entries), which the caller must tell apart.
   */
  forEachMember(size: number, visit: (seq: number) => void): void {
    this.forEachWord(size, (word, base) => void visitBits(word, base, visit));
  }

  /**
   * Calls `visit` with each non-zero word of members below `size` (as `forEachMember` counts them), ascending, and
   * the seq of its bit 0; stops when `visit` returns true. A caller that tests every member itself saves a call each.
   */
  forEachWord(size: number, visit: (word: number, base: number) => boolean | void): void {
    const words = this.words;
    if (!this.negated) {
      if (words) for (let i = 0; i < words.length; i++) if (words[i] !== 0 && visit(words[i]!, i << 5)) return;
      return;
    }
    for (let i = 0, n = (size + 31) >>> 5; i < n; i++) {
      let word = ~(words?.[i] ?? 0);
      if (i === n - 1 && (size & 31) !== 0) word &= (1 << (size & 31)) - 1;
      if (word !== 0 && visit(word, i << 5)) return;
    }
  }
}

/** The words of the sets made within `SeqSet.pooled`'s scope (undefined outside one). */
let scope: Uint32Array[] | undefined;
/**
 * Free arrays by capacity. Capacities are rounded up to `GRAIN` words, so that a collection growing by a few
 * documents between queries still reuses its arrays (a set's words are a view of the first `length`).
 */
const GRAIN = 1024;
/**
 * The most words the pool keeps free (64 MiB: ~500 sets at 1M). Capacities are kept in the order last asked for, and
 * the longest unasked are dropped first (a collection that grew past them, or a small one queried seldom).
 */
const KEPT_WORDS = 16 * 1024 * 1024;
const pool = { free: new Map<number, Uint32Array[]>(), words: 0, made: 0, reused: 0 };

/** `length` words for a set, zeroed if `zeroed` (else every word is to be written): pooled within a scope. */
function wordsOf(length: number, zeroed: boolean): Uint32Array {
  if (!scope || length === 0) return new Uint32Array(length);
  const capacity = Math.ceil(length / GRAIN) * GRAIN;
  const free = pool.free.get(capacity);
  let base = free?.pop();
  if (base) {
    pool.reused++;
    pool.words -= capacity;
  } else {
    base = new Uint32Array(capacity);
    pool.made++;
  }
  if (free) {
    pool.free.delete(capacity);
    pool.free.set(capacity, free);
  }
  scope.push(base);
  const words = base.subarray(0, length);
  if (zeroed) words.fill(0);
  return words;
}

function giveBack(base: Uint32Array): void {
  const capacity = base.length;
  let free = pool.free.get(capacity);
  if (!free) pool.free.set(capacity, (free = []));
  free.push(base);
  pool.words += capacity;
  for (const [oldest, arrays] of pool.free) {
    if (pool.words <= KEPT_WORDS) break;
    while (arrays.length > 0 && pool.words > KEPT_WORDS) pool.words -= arrays.pop()!.length;
    if (arrays.length === 0) pool.free.delete(oldest);
  }
}

/*
 * The word loops of `and`, one function per operation: one loop shared by all three through an `op` callback was
 * polymorphic at its call, ~6–9× slower (a 1M set's 31,250 words: ~0.8 ms against ~0.1 ms; at 1M users set algebra was
 * a tenth of bench/readstore's query CPU). A word past the shorter array's end is 0.
 */
function both(a: Uint32Array, b: Uint32Array): Uint32Array {
  const common = Math.min(a.length, b.length);
  const words = wordsOf(Math.max(a.length, b.length), false);
  for (let i = 0; i < common; i++) words[i] = a[i]! & b[i]!;
  words.fill(0, common);
  return words;
}

function without(a: Uint32Array, b: Uint32Array): Uint32Array {
  const common = Math.min(a.length, b.length);
  const words = wordsOf(Math.max(a.length, b.length), false);
  for (let i = 0; i < common; i++) words[i] = a[i]! & ~b[i]!;
  if (a.length > common) words.set(a.subarray(common), common);
  else words.fill(0, common);
  return words;
}

function either(a: Uint32Array, b: Uint32Array): Uint32Array {
  const common = Math.min(a.length, b.length);
  const words = wordsOf(Math.max(a.length, b.length), false);
  for (let i = 0; i < common; i++) words[i] = a[i]! | b[i]!;
  const longer = a.length > common ? a : b;
  if (longer.length > common) words.set(longer.subarray(common), common);
  return words;
}

/** The number of bits set in a word. */
export function popcount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Calls `visit` with `base` plus the index of each bit set in `word`, lowest first. */
function visitBits(word: number, base: number, visit: (seq: number) => void): void {
  for (let rest = word; rest !== 0; ) {
    const low = rest & -rest;
    visit(base + 31 - Math.clz32(low));
    rest ^= low;
  }
}
