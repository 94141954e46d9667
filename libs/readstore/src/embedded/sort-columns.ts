import { splitPath, valueReader } from '../filter/paths';
import type { Doc } from '../port';
import type { Entry } from './entry';

/**
 * A sort field's values as numbers by `seq` (one Float64Array per field a find has selected through): a page selected
 * from the members of a set (`executor.ts`) compares each member's number with the page's current worst and passes
 * over most of them without reading their documents — at 1M users each document read is a cache miss (~100–300 ns),
 * a number in a typed array a few nanoseconds.
 *
 * A column's number is a *prefix* of the value in the keyset order (`compareSortValues`: null < numbers < strings,
 * strings by code point): `key(a) < key(b)` implies `a < b`, and `a < b` implies `key(a) ≤ key(b)`. Equal numbers say
 * nothing: those candidates are compared by their values. Null and missing are −∞. The encoding depends on what the
 * column holds, and only moves forward (each move makes every number again):
 * - `number` while it holds no string (and no NaN): the number itself;
 * - `time` while every string is a UTC time as `toISOString` writes it (24 characters, so that their code point order
 *   is their time order) or empty: the time in milliseconds, exact; every number one value below them;
 * - `text` otherwise: the first three UTF-16 units in a base-2^17 number (a missing unit is 0, so a shorter string
 *   sorts first), the units above U+D7FF reordered so that surrogates sort after U+E000–U+FFFF (code point order).
 */
export class SortColumn<T extends Doc> {
  private keys: Float64Array;
  private mode: 'number' | 'time' | 'text' = 'number';
  private readonly read: (doc: object) => unknown;
  /** Seqs below this have their numbers (the fill goes up; `update` keeps those below it current). */
  private filled = 0;
  /**
   * A byte per seq, its number's bin (`coarseOf`): 256 equal bins from the smallest value to the largest plus an
   * eighth (values coming later, such as new interaction times, land above), everything below the smallest in bin 0,
   * above the last in 255. Never decreasing in the number, so a member whose byte is worse than the page's bound's
   * is worse than the bound, and its number need not be read: 1 MB at 1M instead of 8, which the caches keep — a
   * number read of a sparse set's member is a cache miss (~100 ns under load; a rare tag's 8.4k members were ~0.9 ms
   * of its page). Made when the column is filled (`requantize`), kept up by `update`, made again when the top bin
   * holds four times its share (values past the largest pile up there).
   */
  private coarse: Uint8Array;
  private coarseFrom = 0;
  /** Bins per unit of number; 0 while no bins are made (every byte 0: nothing is passed over by them). */
  private coarseScale = 0;
  /**
   * Per bin, the seqs of the live entries whose number lies in it, in no order (the first `binSizes[bin]` of its
   * array), and each seq's place in its bin's array (−1: in none, a deleted entry's) — kept with the bins. A page in
   * the column's order visits the best bins first and stops at the first bin past its bound (`PageSelector.offerMembers`):
   * a dense set's page (a complement: every seq of the collection a member but those the sets exclude) visits the
   * seqs of a few bins instead of every seq of the collection. 4 bytes a seq and 4 a listed seq.
   */
  private binSeqs: Int32Array[] = [];
  private readonly binSizes = new Int32Array(256);
  private binPlace: Int32Array;

  constructor(
    readonly field: string,
    private readonly bySeq: readonly (Entry<T> | undefined)[],
  ) {
    this.read = valueReader(splitPath(field));
    this.keys = new Float64Array(Math.max(16, bySeq.length));
    this.coarse = new Uint8Array(this.keys.length);
    this.binPlace = new Int32Array(this.keys.length).fill(-1);
  }

  /** The bins by seq (see `coarse`), once made and the column ready; undefined otherwise. */
  coarseBytes(): Uint8Array | undefined {
    return this.coarseScale > 0 && this.ready ? this.coarse : undefined;
  }

  /** The seqs by bin (see `binSeqs`: each bin's first `sizes[bin]`), once bins are made and the column ready. */
  binLists(): { readonly seqs: readonly Int32Array[]; readonly sizes: Int32Array } | undefined {
    return this.coarseScale > 0 && this.ready ? { seqs: this.binSeqs, sizes: this.binSizes } : undefined;
  }

  /** The bin of a number (see `coarse`): 0 for null, the sentinels and anything below the smallest value. */
  coarseOf(key: number): number {
    if (!(key > EMPTY)) return 0;
    const bin = Math.floor((key - this.coarseFrom) * this.coarseScale);
    return bin < 0 ? 0 : bin > 255 ? 255 : bin;
  }

  /**
   * Whether the numbers order the values exactly, equal numbers only for equal values (a `number` or `time` column,
   * but for numbers among times, all alike); a `text` column's hold a string's first three units.
   */
  get exact(): boolean {
    return this.mode !== 'text';
  }

  /** Whether every seq has its number (`fillUpTo` has reached the end). */
  get ready(): boolean {
    return this.filled >= this.bySeq.length;
  }

  /** The number of the value `seq` holds now (once `ready`). */
  keyAt(seq: number): number {
    return this.keys[seq]!;
  }

  /** The number of a sort value in this column's current encoding; NaN when the encoding cannot hold it. */
  keyOf(value: unknown): number {
    if (typeof value === 'number') return this.mode === 'number' ? value : NUMBERS;
    if (typeof value !== 'string') return Number.NEGATIVE_INFINITY;
    return this.mode === 'number' ? Number.NaN : this.mode === 'time' ? timeKey(value) : textKey(value);
  }

  /** After an entry's document was stored (created or replaced). */
  update(entry: Entry<T>): void {
    if (entry.seq > this.filled) return; // a fill under way reaches it
    const key = this.keyOf(this.read(entry.doc));
    if (Number.isNaN(key)) return this.advance(); // every number made again (the fill starts over)
    const known = entry.seq < this.filled;
    if (!known) {
      // The next seq of a column filled so far (a document created after the fill, or during a fill that is here).
      this.makeRoom(entry.seq + 1);
      this.filled = entry.seq + 1;
    }
    this.keys[entry.seq] = key;
    this.rebin(entry.seq, key);
  }

  /** A deleted entry's number is wiped (its seq is never used again): no trace of its value stays behind. */
  forget(seq: number): void {
    if (seq >= this.keys.length) return;
    this.keys[seq] = Number.NEGATIVE_INFINITY;
    if (seq >= this.filled || this.coarseScale === 0) return;
    this.unlist(seq);
    this.coarse[seq] = 0;
  }

  /** Keeps the bin of `seq` (holding `key` now) and its place in the bins' lists (a new seq is in none yet). */
  private rebin(seq: number, key: number): void {
    if (this.coarseScale === 0) return;
    const bin = this.coarseOf(key);
    if (this.coarse[seq] !== bin || this.binPlace[seq]! < 0) {
      this.unlist(seq);
      this.coarse[seq] = bin;
      this.list(seq, bin);
    }
    // The top bin (255) holds the values past the largest when the bins were made.
    if (bin === 255 && this.binSizes[255]! > Math.max(1024, this.filled / 64)) this.requantize();
  }

  /** Takes `seq` out of its bin's list (its `coarse` byte still that bin), if listed: the last seq takes its place. */
  private unlist(seq: number): void {
    const place = this.binPlace[seq]!;
    if (place < 0) return;
    const bin = this.coarse[seq]!;
    const list = this.binSeqs[bin]!;
    const last = list[--this.binSizes[bin]!]!;
    list[place] = last;
    this.binPlace[last] = place;
    this.binPlace[seq] = -1;
  }

  /** Adds `seq` to bin `bin`'s list (growing it by half when full). */
  private list(seq: number, bin: number): void {
    let list = this.binSeqs[bin]!;
    const size = this.binSizes[bin]!;
    if (size === list.length) {
      const grown = new Int32Array(Math.max(16, Math.ceil(size * 1.5)));
      grown.set(list);
      this.binSeqs[bin] = list = grown;
    }
    list[size] = seq;
    this.binPlace[seq] = size;
    this.binSizes[bin] = size + 1;
  }

  /**
   * Makes the bins anew from the numbers held (a pass to find the smallest and the largest value, one to bin every
   * seq: ~3–5 ms at 1M). Only values (above the sentinels of '' and numbers among strings) set the range.
   */
  private requantize(): void {
    const { keys, filled } = this;
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (let seq = 0; seq < filled; seq++) {
      const key = keys[seq]!;
      if (key > EMPTY) {
        if (key < low) low = key;
        if (key > high) high = key;
      }
    }
    this.coarseFrom = low;
    // No bins for one value, nor for a range too narrow (subnormal: the scale overflows) or too wide (the span does).
    const scale = 256 / ((high - low) * 1.125);
    this.coarseScale = high > low && Number.isFinite(scale) ? scale : 0;
    this.binPlace.fill(-1);
    this.binSizes.fill(0);
    if (this.coarseScale === 0) return void (this.binSeqs = []);
    const { bySeq, coarse, binSizes } = this;
    for (let seq = 0; seq < filled; seq++) {
      const bin = this.coarseOf(keys[seq]!);
      coarse[seq] = bin;
      if (bySeq[seq] !== undefined) binSizes[bin]!++;
    }
    // Each list with room for a quarter more (a bin's seqs come and go as users change), then filled in seq order.
    this.binSeqs = Array.from(binSizes, (size) => new Int32Array(Math.max(16, Math.ceil(size * 1.25))));
    binSizes.fill(0);
    for (let seq = 0; seq < filled; seq++) {
      if (bySeq[seq] === undefined) continue;
      const bin = coarse[seq]!;
      const place = binSizes[bin]!++;
      this.binSeqs[bin]![place] = seq;
      this.binPlace[seq] = place;
    }
  }

  /**
   * Makes the numbers of the seqs from where the fill stands, until `stop()` says so (checked every 1,024 seqs) or
   * the end; a value the encoding cannot hold moves it on and starts over. Returns whether the column is ready.
   */
  fillUpTo(stop: () => boolean): boolean {
    const { bySeq } = this;
    this.makeRoom(bySeq.length);
    for (let seq = this.filled; seq < bySeq.length; seq++) {
      const entry = bySeq[seq];
      const key = entry ? this.keyOf(this.read(entry.doc)) : Number.NEGATIVE_INFINITY;
      if (Number.isNaN(key)) {
        this.advance();
        return this.fillUpTo(stop);
      }
      this.keys[seq] = key;
      this.filled = seq + 1;
      if ((seq & 1023) === 1023 && stop()) break;
    }
    if (this.ready) this.requantize();
    return this.ready;
  }

  /** Grows the numbers (and their bins) to hold `seqs` seqs (keeping those filled). */
  private makeRoom(seqs: number): void {
    if (this.keys.length >= seqs) return;
    const length = Math.ceil(seqs * 1.25);
    const grown = new Float64Array(length);
    grown.set(this.keys.subarray(0, this.filled));
    this.keys = grown;
    const bins = new Uint8Array(length);
    bins.set(this.coarse.subarray(0, this.filled));
    this.coarse = bins;
    const places = new Int32Array(length).fill(-1);
    places.set(this.binPlace.subarray(0, this.filled));
    this.binPlace = places;
  }

  /** The next encoding (`number` → `time` → `text`); every number is to be made again (and the bins, once filled). */
  private advance(): void {
    this.mode = this.mode === 'number' ? 'time' : 'text';
    this.filled = 0;
    this.coarseScale = 0;
  }
}

/** Every number: after null (−∞), before every string (times and texts are ≥ EMPTY). */
const NUMBERS = -Number.MAX_VALUE;
/** The empty string: before every other string, in both encodings. */
const EMPTY = -9e15;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A time's milliseconds (`toISOString`'s form only), EMPTY for '', NaN for any other string — an impossible date
 * (`2026-02-30`, `T24:00`) included, which `Date.parse` would move to a real one and so break the order. Computed
 * from the digits (days from the civil date), without a Date: a column is filled a million values at a time.
 */
export function timeKey(value: string): number {
  if (value === '') return EMPTY;
  if (value.length !== 24 || !ISO_UTC.test(value)) return Number.NaN;
  const two = (at: number) => (value.charCodeAt(at) - 48) * 10 + value.charCodeAt(at + 1) - 48;
  const year = two(0) * 100 + two(2);
  const month = two(5);
  const day = two(8);
  const hour = two(11);
  const minute = two(14);
  const second = two(17);
  const ms = two(20) * 10 + value.charCodeAt(22) - 48;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms;
}

const isLeap = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const daysIn = (year: number, month: number) => (month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31);

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Code point order of UTF-16 units: surrogates (U+D800–U+DFFF) after U+E000–U+FFFF. */
const unitRank = (unit: number): number => (unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800);

export function textKey(value: string): number {
  if (value === '') return EMPTY;
  let key = 0;
  for (let i = 0; i < 3; i++) key = key * 131_072 + (i < value.length ? unitRank(value.charCodeAt(i)) + 1 : 0);
  return key;
}

/**
 * The columns of one collection, each made the first time a find would select through it (`columnFor`) and kept up
 * to date by every upsert after (`update`); dropped by a load or a clear. Up to `atOnceUpTo` documents a column is
 * made at once; above, in turns of about `turnMs` in the background (~0.5 s of reading every document at 1M), and
 * finds select without it until it is ready.
 */
export class SortColumns<T extends Doc> {
  private readonly columns = new Map<string, SortColumn<T>>();
  /** Changed by `clear`: a background fill of an earlier generation stops. */
  private generation = 0;

  constructor(
    private readonly bySeq: readonly (Entry<T> | undefined)[],
    private readonly settings: { readonly atOnceUpTo: number; readonly turnMs: number },
  ) {}

  /** Columns being filled in the background. */
  private readonly filling = new Set<SortColumn<T>>();

  /**
   * The field's column if ready; otherwise starts making it (or making it again, after a change of encoding) unless
   * a fill is under way, and returns undefined.
   */
  columnFor(field: string): SortColumn<T> | undefined {
    let column = this.columns.get(field);
    if (column?.ready) return column;
    if (!column) this.columns.set(field, (column = new SortColumn<T>(field, this.bySeq)));
    if (this.filling.has(column)) return undefined;
    if (this.bySeq.length <= this.settings.atOnceUpTo) return column.fillUpTo(() => false) ? column : undefined;
    const generation = this.generation;
    const made = column;
    this.filling.add(made);
    const turn = () => {
      if (generation !== this.generation) return;
      const until = performance.now() + this.settings.turnMs;
      if (made.fillUpTo(() => performance.now() >= until)) this.filling.delete(made);
      else setImmediate(turn);
    };
    setImmediate(turn);
    return undefined;
  }

  update(entry: Entry<T>): void {
    for (const column of this.columns.values()) column.update(entry);
  }

  /** Before a deleted entry loses its seq (an erased user's sort values must not stay in memory). */
  forget(seq: number): void {
    for (const column of this.columns.values()) column.forget(seq);
  }

  clear(): void {
    this.generation++;
    this.columns.clear();
    this.filling.clear();
  }
}
