import { DeadlineExceededError, type Doc, type DocFilter } from '../port';
import { idsOf, seed, type ConformanceContext } from './context';

/**
 * A small population that exercises every operator. Paths through arrays are only queried with non-null values:
 * MongoDB changed null semantics under arrays across versions (see the unit tests of toPredicate).
 */
export const PEOPLE: readonly Doc[] = [
  {
    id: 'p1', botId: 'b1', name: 'Alice Smith', age: 31, vip: true, tags: ['vip', 'new'],
    fields: { plan: 'gold', score: 10, email: 'alice@example.com' },
    sequences: [{ id: 's1' }, { id: 's2', step: 3 }], nick: null, joined: '2024-01-05T10:00:00Z',
  },
  {
    id: 'p2', botId: 'b1', name: 'bob (the builder)', age: 25, vip: false, tags: ['new'],
    fields: { plan: 'silver', score: 3.5 }, sequences: [{ id: 's2', step: 1 }], joined: '2024-03-01T00:00:00Z',
  },
  {
    id: 'p3', botId: 'b1', name: 'Ça va? [oui]*', age: '40', tags: [], fields: { plan: null }, nick: 'cv',
    joined: '2023-12-31T23:59:59Z',
  },
  {
    id: 'p4', botId: 'b2', name: 'ÉMILE a.b*c', age: 0, vip: true, tags: ['VIP', 'old'], fields: { score: -2 },
    sequences: [], joined: '2024-01-05T10:00:00Z',
  },
  {
    id: 'p5', botId: 'b2', name: '😀 emoji', age: -7.5, tags: 'vip', fields: { plan: 'gold', score: 10 },
    sequences: [{ step: 2 }], nick: 'x',
  },
  {
    id: 'p6', botId: 'b1', name: '\uffff private aXc', tags: ['new', 'new'], fields: {}, sequences: [{ id: 's3' }],
    joined: '2025-06-01T00:00:00Z',
  },
];

const ALL = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];

type Case = readonly [title: string, filter: DocFilter, expected: readonly string[]];

const c = (field: string, op: string, value: unknown): DocFilter => ({ field, op, value }) as DocFilter;

export const FILTER_CASES: readonly Case[] = [
  ['eq string', c('botId', 'eq', 'b1'), ['p1', 'p2', 'p3', 'p6']],
  ['eq number does not match the same digits as a string', c('age', 'eq', 40), []],
  ['eq string does not match a number', c('age', 'eq', '40'), ['p3']],
  ['eq 0 matches neither false nor null', c('age', 'eq', 0), ['p4']],
  ['eq true', c('vip', 'eq', true), ['p1', 'p4']],
  ['eq false', c('vip', 'eq', false), ['p2']],
  ['eq null matches null and missing', c('nick', 'eq', null), ['p1', 'p2', 'p4', 'p6']],
  ['eq on an array matches any element, and a scalar', c('tags', 'eq', 'vip'), ['p1', 'p5']],
  ['eq on a nested path', c('fields.plan', 'eq', 'gold'), ['p1', 'p5']],
  ['eq null on a nested path', c('fields.plan', 'eq', null), ['p3', 'p4', 'p6']],
  ['eq through an array of objects', c('sequences.id', 'eq', 's2'), ['p1', 'p2']],
  ['eq on a number through an array of objects', c('sequences.step', 'eq', 2), ['p5']],
  ['in', c('botId', 'in', ['b2', 'nope']), ['p4', 'p5']],
  ['in on an array field', c('tags', 'in', ['old', 'new']), ['p1', 'p2', 'p4', 'p6']],
  ['in keeps types apart', c('age', 'in', [25, '40']), ['p2', 'p3']],
  ['in with null matches missing', c('nick', 'in', [null, 'cv']), ['p1', 'p2', 'p3', 'p4', 'p6']],
  ['in with no values', c('botId', 'in', []), []],
  ['gt number skips strings', c('age', 'gt', 0), ['p1', 'p2']],
  ['gte number', c('age', 'gte', 0), ['p1', 'p2', 'p4']],
  ['lt number', c('age', 'lt', 0), ['p5']],
  ['lte number', c('age', 'lte', 25), ['p2', 'p4', 'p5']],
  ['gt string skips numbers', c('age', 'gt', '3'), ['p3']],
  ['gte ISO date string', c('joined', 'gte', '2024-01-01'), ['p1', 'p2', 'p4', 'p6']],
  ['lt ISO date string', c('joined', 'lt', '2024-01-01'), ['p3']],
  ['range on a nested number', c('fields.score', 'gt', 5), ['p1', 'p5']],
  ['range on array elements', c('tags', 'gt', 'o'), ['p1', 'p4', 'p5']],
  ['strings compare by code point', c('name', 'gt', '\ue000'), ['p5', 'p6']],
  ['astral characters sort after U+FFFF', c('name', 'lt', '\uffff'), ['p1', 'p2', 'p3', 'p4']],
  ['exists true excludes null', c('nick', 'exists', true), ['p3', 'p5']],
  ['exists false matches null and missing', c('nick', 'exists', false), ['p1', 'p2', 'p4', 'p6']],
  ['exists on a nested path', c('fields.email', 'exists', true), ['p1']],
  ['exists false where the field is absent', c('vip', 'exists', false), ['p3', 'p5', 'p6']],
  ['not matches documents lacking the field', { not: c('vip', 'eq', true) }, ['p2', 'p3', 'p5', 'p6']],
  ['not of a range', { not: c('age', 'gt', 0) }, ['p3', 'p4', 'p5', 'p6']],
  ['not through an array of objects', { not: c('sequences.id', 'eq', 's2') }, ['p3', 'p4', 'p5', 'p6']],
  ['double not', { not: { not: c('botId', 'eq', 'b2') } }, ['p4', 'p5']],
  ['contains is case-insensitive', c('name', 'contains', 'SMITH'), ['p1']],
  ['contains takes regex metacharacters literally', c('name', 'contains', 'a.b*c'), ['p4']],
  ['contains an opening parenthesis', c('name', 'contains', '(the'), ['p2']],
  ['contains brackets and a star', c('name', 'contains', '[OUI]*'), ['p3']],
  ['contains a question mark', c('name', 'contains', '?'), ['p3']],
  ['contains folds accented case', c('name', 'contains', 'ça'), ['p3']],
  ['contains on array elements', c('tags', 'contains', 'IP'), ['p1', 'p4', 'p5']],
  ['contains ignores numbers', c('age', 'contains', '4'), ['p3']],
  ['contains the empty string matches every string', c('name', 'contains', ''), ALL],
  ['contains on a nested path', c('fields.email', 'contains', '@EXAMPLE.'), ['p1']],
  ['startsWith', c('name', 'startsWith', 'bob'), ['p2']],
  ['startsWith anchors at the start', c('name', 'startsWith', 'smith'), []],
  ['startsWith folds accented case', c('name', 'startsWith', 'é'), ['p4']],
  ['all', c('tags', 'all', ['vip', 'new']), ['p1']],
  ['all of one value', c('tags', 'all', ['new']), ['p1', 'p2', 'p6']],
  ['all matches a scalar equal to its one value', c('tags', 'all', ['vip']), ['p1', 'p5']],
  ['all of nothing matches nothing', c('tags', 'all', []), []],
  ['and with or inside', { and: [c('botId', 'eq', 'b1'), { or: [c('vip', 'eq', true), c('age', 'lt', 30)] }] }, ['p1', 'p2']],
  ['or with and inside', { or: [{ and: [c('botId', 'eq', 'b2'), c('age', 'gte', 0)] }, c('nick', 'eq', 'cv')] }, ['p3', 'p4']],
  ['empty and matches everything', { and: [] }, ALL],
  ['empty or matches nothing', { or: [] }, []],
  ['not of empty or matches everything', { not: { or: [] } }, ALL],
  ['single-child groups', { and: [{ or: [c('botId', 'eq', 'b2')] }] }, ['p4', 'p5']],
];

export function filterTests(ctx: ConformanceContext): void {
  describe('filters', () => {
    let people: ReturnType<ConformanceContext['fresh']>;

    beforeAll(async () => {
      people = ctx.fresh();
      await seed(people, PEOPLE);
    });

    it.each(FILTER_CASES)('%s', async (_title, filter, expected) => {
      const page = await people.find({ filter, limit: 100 });
      expect(idsOf(page.items)).toEqual(expected);
      expect(page.nextCursor).toBeNull();
      expect(await people.count(filter)).toBe(expected.length);
      expect(await people.exists(filter)).toBe(expected.length > 0);
    });

    it('counts without a filter', async () => {
      expect(await people.count()).toBe(PEOPLE.length);
    });

    it('abandons a count whose deadline has passed, and counts within one', async () => {
      const filter = FILTER_CASES[0]![1];
      await expect(people.count(filter, { deadline: Date.now() - 1 })).rejects.toBeInstanceOf(DeadlineExceededError);
      await expect(people.count(undefined, { deadline: Date.now() - 1 })).rejects.toBeInstanceOf(DeadlineExceededError);
      expect(await people.count(filter, { deadline: Date.now() + 60_000 })).toBe(FILTER_CASES[0]![2].length);
    });

    it('rejects a malformed filter', async () => {
      const bad = [c('_id', 'eq', 'p1'), c('age', 'gt', null), c('a..b', 'eq', 1), c('tags.0', 'eq', 'x'), c('x', 'like', 'y')];
      for (const filter of bad) {
        await expect(people.find({ filter, limit: 1 })).rejects.toThrow(/invalid filter/);
        await expect(people.count(filter)).rejects.toThrow(/invalid filter/);
        await expect(people.exists(filter)).rejects.toThrow(/invalid filter/);
      }
    });
  });
}
