import { keysetComparator, keysetOf, type Keyset } from '../cursor';
import { splitPath, valueReader } from '../filter/paths';
import { toPredicate } from '../filter/to-predicate';
import type { Collection, Doc, DocFilter, IndexSpec, Scalar, SortSpec } from '../port';
import { idsOf, type ConformanceContext } from './context';

/**
 * Index-served answers equal plain-scan answers: random documents (arrays, nested arrays of objects, null and missing
 * values, mixed types) under every kind of index the projections declare, random filters, sorts and pagination walks
 * during which documents are inserted, changed and deleted. Each page is checked against a reference computed from
 * the documents as they stand (the port's predicate semantics, then its sort order), and so is each count.
 */

/** Deterministic PRNG (mulberry32): the same cases on every adapter and run (and seeded runs of the embedded specs). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const EQUIVALENCE_INDEXES: readonly IndexSpec[] = [
  { name: 'bot_seen', fields: [['botId', 1], ['seen', -1], ['id', -1]] },
  { name: 'bot_n', fields: [['botId', 1], ['fields.n', 1], ['id', 1]] },
  { name: 'bot_tags', fields: [['botId', 1], ['tags', 1]] },
  { name: 'bot_score', fields: [['botId', 1], ['score', 1]] },
  { name: 'bot_status_channel', fields: [['botId', 1], ['status', 1], ['channel', 1]] },
  { name: 'bot_plan', fields: [['botId', 1], ['fields.plan', 1]] },
  { name: 'bot_sequences', fields: [['botId', 1], ['sequences.id', 1]] },
  { name: 'tags', fields: [['tags', 1]] },
  { name: 'bot', fields: [['botId', 1], ['id', 1]] },
];

const SORTS: readonly SortSpec[] = [
  { field: 'seen', order: 'desc' },
  { field: 'seen', order: 'asc' },
  { field: 'fields.n', order: 'asc' },
  { field: 'id', order: 'desc' },
  { field: 'id', order: 'asc' },
];

const SORT_FIELDS = ['seen', 'fields'];

export class Cases {
  private readonly rand: () => number;
  private serial = 0;

  constructor(seed: number) {
    this.rand = prng(seed);
  }

  pick<V>(values: readonly V[]): V {
    return values[Math.floor(this.rand() * values.length)]!;
  }

  chance(p: number): boolean {
    return this.rand() < p;
  }

  tag(): string {
    return this.pick(['a', 'b', 'c', 'd', 'vip', 'VIP', 'é', '\uffff', '😀']);
  }

  seen(): Scalar | undefined {
    return this.pick(['2024-01-01', '2024-01-02', '2024-03-01', '2025-12-31', '😀', 7, 0, -1.5, null, undefined]);
  }

  doc(id = `d${String(++this.serial).padStart(4, '0')}`): Doc {
    // No array in botId: MongoDB cannot index two array fields of one document in one compound index.
    const doc: Record<string, unknown> = { id, botId: this.pick(['b1', 'b1', 'b1', 'b2', 'b3', 1, undefined]) };
    const seen = this.seen();
    if (seen !== undefined) doc.seen = seen;
    const fields: Record<string, unknown> = {};
    const n = this.pick([1, 2, 3, 2.5, -4, 'x', null, undefined]);
    if (n !== undefined) fields.n = n;
    return { ...doc, ...this.unsorted(), fields: { ...fields, ...this.plan() } } as unknown as Doc;
  }

  /** The fields a walk may change: everything but the sort keys (`seen`, `fields.n`). */
  unsorted(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const tags = this.pick<unknown>([[], [this.tag()], [this.tag(), this.tag()], [this.tag(), this.tag(), this.tag()], this.tag(), undefined]);
    if (tags !== undefined) out.tags = tags;
    const score = this.pick<unknown>([1, 5, 10, 10.5, -3, '5', 'z', true, null, [1, 20], [], undefined]);
    if (score !== undefined) out.score = score;
    const status = this.pick([this.pick(['subscribed', 'unsubscribed']), undefined]);
    if (status !== undefined) out.status = status;
    const channel = this.pick(['x', 'y', null, undefined]);
    if (channel !== undefined) out.channel = channel;
    const sequences = this.pick<unknown>([[], [{ id: 's1' }], [{ id: 's1' }, { id: 's2' }], [{ step: 1 }], undefined]);
    if (sequences !== undefined) out.sequences = sequences;
    return out;
  }

  plan(): Record<string, unknown> {
    const plan = this.pick(['gold', 'free', 'pro', null, undefined]);
    return plan === undefined ? {} : { plan };
  }

  condition(): DocFilter {
    const c = (field: string, op: string, value: unknown) => ({ field, op, value }) as DocFilter;
    /** An equality-like condition: one value for `eq`, a list for `in` and `all`. */
    const pinned = (field: string, values: readonly Scalar[]) => {
      const op = this.pick(['eq', 'in', 'all']);
      if (op === 'eq') return c(field, op, this.pick(values));
      return c(field, op, Array.from({ length: Math.floor(this.rand() * 3) }, () => this.pick(values)));
    };
    const r = this.rand();
    if (r < 0.12) return pinned('tags', ['a', 'b', 'vip', 'VIP', 'é', '😀']);
    if (r < 0.22) return c('score', this.pick(['gt', 'gte', 'lt', 'lte']), this.pick([0, 5, 10, '5', 'a']));
    if (r < 0.3) return pinned('score', [5, 10, 20, true, 1, '5']);
    if (r < 0.4) return pinned('status', ['subscribed', 'unsubscribed']);
    if (r < 0.46) return pinned('channel', ['x', 'y']);
    if (r < 0.5) return c('channel', 'exists', this.chance(0.5));
    if (r < 0.56) return pinned('fields.plan', ['gold', 'pro', 'free']);
    if (r < 0.58) return c('fields.plan', 'eq', null);
    if (r < 0.62) return c('fields.plan', 'exists', this.chance(0.5));
    if (r < 0.68) return pinned('sequences.id', ['s1', 's2']);
    if (r < 0.78) return c('seen', this.pick(['gt', 'gte', 'lt', 'lte']), this.pick(['2024-01-02', '2024', 0, 7, '😀']));
    if (r < 0.82) return c('seen', 'exists', true);
    if (r < 0.88) return c('fields.n', this.pick(['gt', 'lte', 'eq']), this.pick([1, 2.5, 'x']));
    if (r < 0.9) return c('tags', 'contains', this.pick(['v', 'I']));
    if (r < 0.94) return c(this.pick(['fields.plan', 'seen', 'score']), this.pick(['contains', 'startsWith']), this.pick(['o', 'G', 'ol', '202', '5', '']));
    return { not: this.condition() };
  }

  filter(): DocFilter | undefined {
    const conditions = Array.from({ length: Math.floor(this.rand() * 4) }, () => this.condition());
    if (this.chance(0.15)) conditions.push({ or: [this.condition(), this.condition()] });
    const bot = this.pick<DocFilter | undefined>([
      { field: 'botId', op: 'eq', value: 'b1' },
      { field: 'botId', op: 'eq', value: 'b1' },
      { field: 'botId', op: 'eq', value: 'b2' },
      { field: 'botId', op: 'in', value: ['b1', 'b2'] },
      { field: 'botId', op: 'all', value: ['b1', 'b2'] },
      undefined,
    ]);
    const all = bot ? [bot, ...conditions] : conditions;
    if (all.length === 0) return this.chance(0.5) ? undefined : { and: [] };
    return all.length === 1 && this.chance(0.5) ? all[0] : { and: all.map((f) => (this.chance(0.2) ? { and: [f] } : f)) };
  }
}

/** The reference: every document that matches, in the sort's order, strictly after the keyset. */
function expected(docs: Iterable<Doc>, filter: DocFilter | undefined, sort: SortSpec, after?: Keyset): string[] {
  const matches = filter ? toPredicate(filter) : () => true;
  const read = valueReader(splitPath(sort.field));
  const compare = keysetComparator(sort.order);
  return [...docs]
    .filter((doc) => matches(doc))
    .map((doc) => keysetOf(doc.id, read(doc)))
    .filter((key) => !after || compare(key, after) > 0)
    .sort(compare)
    .map((key) => key.id);
}

export function indexEquivalenceTests(ctx: ConformanceContext): void {
  describe('indexed answers equal plain scans', () => {
    it.each([1, 2, 3])('random documents, filters, sorts and walks with changes between pages (seed %i)', async (seed) => {
      await randomWalks(ctx.fresh(), seed);
    });
  });
}

export interface RandomWalkOptions {
  /** Documents written before the indexes are declared, and as many after (default 60). */
  readonly documents?: number;
  /** Queries, each counted and walked to its end (default 25). */
  readonly queries?: number;
  /** Page sizes to pick from (default 3, 7, 25). */
  readonly limits?: readonly number[];
  /** Turns each random filter into the one asked (e.g. pins a bot). */
  readonly within?: (filter: DocFilter | undefined) => DocFilter | undefined;
}

/**
 * Random documents, filters, sorts and pagination walks on `users` (empty, no index declared), documents inserted,
 * changed and deleted between pages: each page and each count equal the reference computed from the documents.
 */
export async function randomWalks(users: Collection<Doc>, seed: number, options: RandomWalkOptions = {}): Promise<void> {
  const { documents = 60, queries = 25, limits = [3, 7, 25], within = (filter) => filter } = options;
  const cases = new Cases(seed);
  const current = new Map<string, Doc>();
  let position = 0n;
  const write = async (doc: Doc) => {
    expect(await users.upsert(doc, ++position)).toBe(true);
    current.set(doc.id, doc);
  };
  // Half the documents exist before the indexes are declared, half are written after.
  for (let i = 0; i < documents; i++) await write(cases.doc());
  await users.ensureIndexes(EQUIVALENCE_INDEXES);
  for (let i = 0; i < documents; i++) await write(cases.doc());

  const change = async () => {
    const ids = [...current.keys()];
    const r = cases.pick([0, 1, 2]);
    if (r === 0) await write(cases.doc());
    else if (r === 1 && ids.length > 0) {
      const id = cases.pick(ids);
      await users.delete(id, ++position);
      current.delete(id);
    } else if (ids.length > 0) {
      // Any field may change but the sort keys (a walk promises nothing to documents whose sort key moves).
      const old = current.get(cases.pick(ids))!;
      const keep = Object.fromEntries(Object.entries(old).filter(([k]) => k === 'id' || k === 'botId' || SORT_FIELDS.includes(k)));
      const next = { ...keep, ...cases.unsorted(), fields: { ...((old.fields as object) ?? {}), ...cases.plan() } } as unknown as Doc;
      if (!('plan' in (next.fields as object)) || cases.chance(0.3)) delete (next.fields as Record<string, unknown>).plan;
      await write(next);
    }
  };

  for (let q = 0; q < queries; q++) {
    const filter = within(cases.filter());
    const sort = cases.pick(SORTS);
    const limit = cases.pick(limits);
    expect(await users.count(filter)).toBe(expected(current.values(), filter, sort).length);
    const seen: string[] = [];
    let cursor: string | undefined;
    let last: Keyset | undefined;
    for (let page = 0; ; page++) {
      const want = expected(current.values(), filter, sort, last).slice(0, limit + 1);
      const got = await users.find({ filter, sort, limit, cursor });
      expect({ filter, sort, page, ids: idsOf(got.items) }).toEqual({ filter, sort, page, ids: want.slice(0, limit) });
      expect(got.nextCursor === null).toBe(want.length <= limit);
      if (last) {
        const viaAfter = await users.find({ filter, sort, limit, after: last });
        expect(idsOf(viaAfter.items)).toEqual(idsOf(got.items));
      }
      seen.push(...idsOf(got.items));
      if (got.nextCursor === null) break;
      const tail = got.items[got.items.length - 1]!;
      last = keysetOf(tail.id, valueReader(splitPath(sort.field))(tail));
      cursor = got.nextCursor;
      for (let k = cases.pick([0, 1, 3]); k > 0; k--) await change();
      expect(await users.count(filter)).toBe(expected(current.values(), filter, sort).length);
    }
    expect(new Set(seen).size).toBe(seen.length);
  }
}
