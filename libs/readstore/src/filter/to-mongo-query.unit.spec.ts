import type { DocFilter } from '../port';
import { escapeRegex } from './regex';
import { toMongoQuery } from './to-mongo-query';
import { validateFilter } from './validate-filter';

describe('toMongoQuery', () => {
  it('translates each operator', () => {
    const cases: Array<[DocFilter, unknown]> = [
      [{ field: 'a.b', op: 'eq', value: 'x' }, { 'a.b': { $eq: 'x' } }],
      [{ field: 'a', op: 'in', value: ['x', null] }, { a: { $in: ['x', null] } }],
      [{ field: 'a', op: 'lte', value: 3 }, { a: { $lte: 3 } }],
      [{ field: 'a', op: 'exists', value: true }, { a: { $ne: null } }],
      [{ field: 'a', op: 'exists', value: false }, { a: { $eq: null } }],
      [{ field: 'a', op: 'contains', value: 'a.b' }, { a: { $regex: 'a\\.b', $options: 'i' } }],
      [{ field: 'a', op: 'startsWith', value: '(x' }, { a: { $regex: '^\\(x', $options: 'i' } }],
      [{ field: 'a', op: 'all', value: ['x', 'y'] }, { a: { $all: ['x', 'y'] } }],
      [{ not: { field: 'a', op: 'eq', value: 1 } }, { $nor: [{ a: { $eq: 1 } }] }],
      [{ and: [] }, {}],
      [{ or: [] }, { $nor: [{}] }],
      [{ and: [{ or: [{ field: 'a', op: 'eq', value: 1 }] }] }, { a: { $eq: 1 } }],
      [
        { or: [{ field: 'a', op: 'eq', value: 1 }, { field: 'b', op: 'eq', value: 2 }] },
        { $or: [{ a: { $eq: 1 } }, { b: { $eq: 2 } }] },
      ],
    ];
    for (const [filter, query] of cases) expect(toMongoQuery(filter)).toEqual(query);
  });

  it('escapes every regex metacharacter so that the pattern matches the literal only', () => {
    const literal = 'a\\b^c$d.e*f+g?h(i)j[k]l{m}n|o/p-q';
    const pattern = new RegExp(`^${escapeRegex(literal)}$`);
    expect(pattern.test(literal)).toBe(true);
    expect(pattern.test(literal.replace('.', 'X'))).toBe(false);
    expect(escapeRegex('a\0b')).toBe('a\\x00b');
  });
});

describe('validateFilter', () => {
  it('accepts well-formed filters', () => {
    expect(validateFilter({ and: [{ or: [] }, { not: { field: 'fields.plan', op: 'in', value: ['a', 1, null, true] } }] })).toEqual([]);
  });

  it('lists every problem with its path', () => {
    expect(
      validateFilter({
        or: [
          { field: 'a', op: 'gt', value: true },
          { field: 'a.1', op: 'eq', value: 1 },
          { field: 'a', op: 'eq', value: 1, extra: 2 },
          { and: [], or: [] },
          { field: 'a', op: 'matches', value: 'x' },
          { field: 'a', op: 'eq', value: Number.POSITIVE_INFINITY },
          'text',
        ],
      }),
    ).toEqual([
      { path: 'or.0.value', message: 'must be a string or finite number' },
      { path: 'or.1.field', message: 'has a numeric segment (array positions are not supported)' },
      { path: 'or.2.extra', message: 'is not a filter key' },
      { path: 'or.3', message: '"and" must be the only key' },
      { path: 'or.4.op', message: 'is not a known operator' },
      { path: 'or.5.value', message: 'must be a string, finite number, boolean or null' },
      { path: 'or.6', message: 'must be an object' },
    ]);
  });

  it('bounds nesting depth', () => {
    let deep: unknown = { field: 'a', op: 'eq', value: 1 };
    for (let i = 0; i < 40; i++) deep = { not: deep };
    expect(validateFilter(deep)).toHaveLength(1);
  });
});
