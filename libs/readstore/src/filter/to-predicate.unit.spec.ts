import { ReadStoreError, type DocFilter } from '../port';
import { compareStrings } from './compare';
import { toPredicate } from './to-predicate';

/** Documents of MongoDB's own null_query_semantics.js (jstests/core/query), as far as JSON can express them. */
const NULL_SEMANTICS_DOCS: Record<string, object> = {
  a_empty_subobject: { a: {} },
  a_null: { a: null },
  a_number: { a: 4 },
  a_subobject_b_not_null: { a: { b: 'hi' } },
  a_subobject_b_null: { a: { b: null } },
  no_a: {},
  a_double_array: { a: [[]] },
  a_empty_array: { a: [] },
  a_object_array_no_b_nulls: { a: [{ b: 1 }, { b: 3 }, { b: 'string' }] },
  a_object_array_some_b_nulls: { a: [{ b: null }, { b: 3 }, { b: null }] },
  a_object_array_some_b_missing: { a: [{ b: 3 }, {}] },
  a_value_array_all_nulls: { a: [null, null] },
  a_value_array_no_nulls: { a: [1, 'string', 4] },
  a_value_array_with_null: { a: [1, 'string', null, 4] },
};

function matching(filter: DocFilter): string[] {
  const predicate = toPredicate(filter);
  return Object.entries(NULL_SEMANTICS_DOCS)
    .filter(([, doc]) => predicate(doc))
    .map(([name]) => name)
    .sort();
}

describe('toPredicate null and missing semantics (MongoDB up to 8.x, from its null_query_semantics.js)', () => {
  it('{a: null} matches null, missing, and arrays holding null', () => {
    expect(matching({ field: 'a', op: 'eq', value: null })).toEqual(
      ['a_null', 'a_value_array_all_nulls', 'a_value_array_with_null', 'no_a'].sort(),
    );
  });

  it('{"a.b": null} matches scalars and nulls on the way, and arrays with an object lacking b or holding null', () => {
    const expected = [
      'a_empty_subobject', 'a_null', 'a_number', 'a_subobject_b_null', 'no_a',
      'a_object_array_some_b_nulls', 'a_object_array_some_b_missing',
    ].sort();
    expect(matching({ field: 'a.b', op: 'eq', value: null })).toEqual(expected);
    expect(matching({ field: 'a.b', op: 'in', value: [null, 75] })).toEqual(expected);
    expect(matching({ field: 'a.b', op: 'exists', value: false })).toEqual(expected);
  });

  it('exists true on "a.b" is the complement', () => {
    const all = Object.keys(NULL_SEMANTICS_DOCS);
    const missing = matching({ field: 'a.b', op: 'exists', value: false });
    expect(matching({ field: 'a.b', op: 'exists', value: true })).toEqual(all.filter((n) => !missing.includes(n)).sort());
  });
});

describe('toPredicate arrays', () => {
  const test = (filter: DocFilter, doc: object) => toPredicate(filter)(doc);

  it('offers one level of array elements at the leaf, never nested arrays', () => {
    expect(test({ field: 'a', op: 'eq', value: 1 }, { a: [[1]] })).toBe(false);
    expect(test({ field: 'a.b', op: 'eq', value: 1 }, { a: { b: [[1]] } })).toBe(false);
    expect(test({ field: 'a', op: 'gt', value: 0 }, { a: [[1], 2] })).toBe(true);
  });

  it('fans out over objects in arrays, including arrays those objects hold', () => {
    const doc = { seq: [{ tags: ['x', 'y'] }, { tags: [] }, { tags: 'z' }] };
    expect(test({ field: 'seq.tags', op: 'eq', value: 'y' }, doc)).toBe(true);
    expect(test({ field: 'seq.tags', op: 'in', value: ['x'] }, doc)).toBe(true);
    expect(test({ field: 'seq.tags', op: 'gt', value: 'y' }, doc)).toBe(true);
    expect(test({ field: 'seq.tags', op: 'all', value: ['x', 'z'] }, doc)).toBe(true);
    expect(test({ field: 'deep.seq.v', op: 'eq', value: 2 }, { deep: [{ seq: [{ v: 1 }, { v: 2 }] }] })).toBe(true);
  });

  it('does not fan out over arrays nested in arrays on the way', () => {
    expect(test({ field: 'a.b', op: 'eq', value: 1 }, { a: [[{ b: 1 }]] })).toBe(false);
  });

  it('treats $all as an $and of equalities, so a scalar equal to its single value matches', () => {
    expect(test({ field: 'a', op: 'all', value: ['x'] }, { a: 'x' })).toBe(true);
    expect(test({ field: 'a', op: 'all', value: ['x', 'y'] }, { a: 'x' })).toBe(false);
    expect(test({ field: 'a', op: 'all', value: [null] }, {})).toBe(true);
  });
});

describe('toPredicate values', () => {
  const test = (filter: DocFilter, doc: object) => toPredicate(filter)(doc);

  it('reads only own fields: inherited names such as constructor count as missing', () => {
    expect(test({ field: 'constructor', op: 'exists', value: false }, {})).toBe(true);
    expect(test({ field: 'fields.toString', op: 'eq', value: null }, { fields: {} })).toBe(true);
    expect(test({ field: 'fields.constructor', op: 'eq', value: 'x' }, { fields: { constructor: 'x' } })).toBe(true);
  });

  it('orders strings by code point, as MongoDB does', () => {
    expect(test({ field: 's', op: 'gt', value: '\uffff' }, { s: '😀' })).toBe(true);
    expect(test({ field: 's', op: 'lt', value: '\ue000' }, { s: '😀' })).toBe(false);
    expect(['😀', '\uffff', 'z', '\ue000', 'é'].sort(compareStrings)).toEqual(['z', 'é', '\ue000', '\uffff', '😀']);
    expect(compareStrings('ab', 'abc')).toBeLessThan(0);
    expect(compareStrings('x', 'x')).toBe(0);
  });

  it('matches text literally and case-insensitively, NUL included', () => {
    expect(test({ field: 's', op: 'contains', value: 'A\0B' }, { s: 'xa\0bx' })).toBe(true);
    expect(test({ field: 's', op: 'startsWith', value: '^$.' }, { s: '^$.rest' })).toBe(true);
    expect(test({ field: 's', op: 'startsWith', value: 'rest' }, { s: '^$.rest' })).toBe(false);
    expect(test({ field: 's', op: 'contains', value: 'a|b' }, { s: 'a' })).toBe(false);
  });

  it('treats equal numbers as equal however written', () => {
    expect(test({ field: 'n', op: 'eq', value: 0 }, { n: -0 })).toBe(true);
    expect(test({ field: 'n', op: 'in', value: [1, 2, 3] }, { n: 2.0 })).toBe(true);
  });

  it('rejects malformed filters with the path of each problem', () => {
    const bad = { and: [{ field: 'a', op: 'eq', value: [1] }, { or: {} }, { not: { field: '_x', op: 'exists', value: 1 } }] };
    expect(() => toPredicate(bad as unknown as DocFilter)).toThrow(ReadStoreError);
    expect(() => toPredicate(bad as unknown as DocFilter)).toThrow(
      'invalid filter: and.0.value: must be a string, finite number, boolean or null; and.1.or: must be an array; ' +
        'and.2.not.field: starts with _ (reserved for the store); and.2.not.value: must be a boolean',
    );
  });
});
