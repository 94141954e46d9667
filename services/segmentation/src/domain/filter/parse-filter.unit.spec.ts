import type { FieldTypes } from './filter';
import { MAX_CONDITIONS, parseFilter, type FilterError } from './parse-filter';

const fieldTypes: FieldTypes = { nickname: 'text', age: 'number', birthday: 'date', last_order: 'datetime', vip: 'boolean' };

const errorsOf = (input: unknown, path?: string): FilterError[] => {
  const parsed = parseFilter(input, fieldTypes, path);
  if (parsed.ok) throw new Error('expected the filter to be rejected');
  return parsed.errors;
};
const pathsOf = (input: unknown) => errorsOf(input).map((e) => e.path);
const accepts = (input: unknown) => {
  const parsed = parseFilter(input, fieldTypes);
  if (!parsed.ok) throw new Error(`expected the filter to be accepted: ${JSON.stringify(parsed.errors)}`);
  return parsed.filter;
};
const one = (condition: Record<string, unknown>) => ({ all: [condition] });

describe('parseFilter: structure', () => {
  it('takes an absent filter (null or undefined) and an empty group as "everyone"', () => {
    expect(accepts(undefined)).toEqual({ all: [] });
    expect(accepts(null)).toEqual({ all: [] });
    expect(accepts({ all: [] })).toEqual({ all: [] });
    expect(accepts({ any: [] })).toEqual({ any: [] });
  });

  it('returns the filter it validated', () => {
    const filter = {
      any: [
        { field: 'tag', op: 'hasAny', value: ['VIP'] },
        { all: [{ field: 'fields.age', op: 'gte', value: 18 }, { field: 'email', op: 'isSet' }] },
      ],
    };
    expect(accepts(filter)).toEqual(filter);
  });

  it('drops an explicit null value of an operator that takes none', () => {
    expect(accepts(one({ field: 'email', op: 'isSet', value: null }))).toEqual(one({ field: 'email', op: 'isSet' }));
  });

  it.each([
    ['a string', 'x'],
    ['a number', 3],
    ['an array', [{ field: 'tag', op: 'hasAny', value: ['a'] }]],
    ['a bare condition', { field: 'tag', op: 'hasAny', value: ['a'] }],
    ['an object without all/any', {}],
  ])('rejects %s at the root', (_what, input) => {
    expect(errorsOf(input)).toEqual([{ path: 'filter', message: expect.stringContaining('must be a group') }]);
  });

  it('uses the root path it is given', () => {
    expect(errorsOf({ all: [{ field: 'nope', op: 'is', value: 'x' }] }, 'segment.filter')).toEqual([
      { path: 'segment.filter.all.0.field', message: 'is not a known field' },
    ]);
  });

  it('wants exactly one of all and any, and nothing else in a group', () => {
    expect(errorsOf({ all: [], any: [] })).toEqual([{ path: 'filter', message: 'must have exactly one of "all" and "any"' }]);
    expect(errorsOf({ all: [], field: 'tag' })).toEqual([{ path: 'filter.field', message: 'is not allowed in a group' }]);
    expect(errorsOf({ all: 'x' })).toEqual([{ path: 'filter.all', message: 'must be an array of conditions and groups' }]);
    expect(pathsOf({ all: [{ any: {} }] })).toEqual(['filter.all.0.any']);
  });

  it('rejects nodes that are neither conditions nor groups', () => {
    expect(pathsOf({ all: [1, null, 'tag', [], {}, { value: 1 }] })).toEqual([
      'filter.all.0',
      'filter.all.1',
      'filter.all.2',
      'filter.all.3',
      'filter.all.4',
      'filter.all.5',
    ]);
  });

  it('rejects unknown keys in a condition', () => {
    expect(errorsOf(one({ field: 'email', op: 'isSet', negate: true }))).toEqual([
      { path: 'filter.all.0.negate', message: 'is not allowed in a condition' },
    ]);
  });

  it('needs a field and an operator, both strings', () => {
    expect(errorsOf(one({ op: 'isSet' }))).toEqual([{ path: 'filter.all.0.field', message: 'is required' }]);
    expect(errorsOf(one({ field: 'email' }))).toEqual([{ path: 'filter.all.0.op', message: 'is required' }]);
    expect(errorsOf(one({ field: 3, op: ['is'] }))).toEqual([
      { path: 'filter.all.0.field', message: 'must be a string' },
      { path: 'filter.all.0.op', message: 'must be a string' },
    ]);
  });

  it('reports every problem at once, each at its own path', () => {
    const input = {
      all: [
        { field: 'tag', op: 'hasAny', value: ['vip'] },
        { field: 'shoeSize', op: 'is', value: '42' },
        {
          any: [
            { field: 'email', op: 'gt', value: 'a' },
            { field: 'fields.age', op: 'gt', value: '18' },
            { field: 'fields.unknown', op: 'isSet' },
          ],
        },
        { field: 'tag', op: 'hasAll', value: ['a', 7, 'b', null] },
      ],
    };
    expect(errorsOf(input)).toEqual([
      { path: 'filter.all.1.field', message: 'is not a known field' },
      { path: 'filter.all.2.any.0.op', message: expect.stringContaining('is not an operator of email') },
      { path: 'filter.all.2.any.1.value', message: 'must be a finite number' },
      { path: 'filter.all.2.any.2.field', message: 'is not a custom field of this bot' },
      { path: 'filter.all.3.value.1', message: 'must be a string' },
      { path: 'filter.all.3.value.3', message: 'must be a string' },
    ]);
  });
});

describe('parseFilter: limits', () => {
  const condition = { field: 'email', op: 'isSet' };
  const nested = (levels: number): Record<string, unknown> => (levels === 1 ? { all: [condition] } : { any: [nested(levels - 1)] });

  it('allows groups nested five levels deep (the root is level 1)', () => {
    accepts(nested(5));
  });

  it('rejects a sixth level at the path of the group that is too deep', () => {
    expect(errorsOf(nested(6))).toEqual([{ path: 'filter.any.0.any.0.any.0.any.0.any.0', message: 'groups nest at most 5 levels deep' }]);
  });

  it('counts conditions across the whole tree', () => {
    const fifty = { all: [{ any: Array(25).fill(condition) }, { all: [{ all: Array(25).fill(condition) }] }] };
    accepts(fifty);
    expect(MAX_CONDITIONS).toBe(50);
    const fiftyOne = { all: [...fifty.all, condition] };
    expect(errorsOf(fiftyOne)).toEqual([{ path: 'filter', message: 'has 51 conditions; at most 50 are allowed' }]);
  });

  it('reports the count along with the other problems', () => {
    const input = { all: [...Array(50).fill(condition), { field: 'email', op: 'isTrue' }] };
    expect(pathsOf(input)).toEqual(['filter.all.50.op', 'filter']);
  });
});

describe('parseFilter: operators and values per field', () => {
  const accepted: [string, string, unknown][] = [
    ['tag', 'hasAny', ['VIP', 'lead']],
    ['tag', 'hasAll', ['VIP']],
    ['tag', 'hasNone', ['VIP']],
    ['sequence', 'hasAny', ['seq-1']],
    ['otnTopic', 'hasNone', ['topic-1']],
    ['channel', 'is', 'whatsapp'],
    ['gender', 'isNot', 'female'],
    ['language', 'in', ['nl', 'en']],
    ['locale', 'notIn', ['nl_NL']],
    ['timezone', 'isSet', undefined],
    ['status', 'isNotSet', undefined],
    ['status', 'is', 'subscribed'],
    ['name', 'is', 'Ada Lovelace'],
    ['name', 'is', ''],
    ['firstName', 'isNot', 'ada'],
    ['lastName', 'contains', 'love'],
    ['phone', 'startsWith', '+31'],
    ['email', 'notContains', '@example.'],
    ['email', 'isSet', undefined],
    ['subscribedAt', 'before', '2026-11-25T10:00:00Z'],
    ['subscribedAt', 'after', '2026-11-25T10:00:00.123+02:00'],
    ['subscribedAt', 'after', '2026-11-25T10:00+02:00'],
    ['lastInteractionAt', 'before', '2026-11-25'],
    ['lastInteractionAt', 'withinLast', 'P7D'],
    ['createdAt', 'notWithinLast', 'PT30M'],
    ['createdAt', 'withinLast', 'P1Y2M'],
    ['createdAt', 'withinLast', 'P2W'],
    ['createdAt', 'isNotSet', undefined],
    ['fields.nickname', 'is', 'Bob'],
    ['fields.nickname', 'contains', 'ob'],
    ['fields.nickname', 'notContains', 'ob'],
    ['fields.nickname', 'startsWith', 'B'],
    ['fields.nickname', 'isSet', undefined],
    ['fields.age', 'eq', 18],
    ['fields.age', 'neq', -1.5],
    ['fields.age', 'gt', 0],
    ['fields.age', 'gte', 18],
    ['fields.age', 'lt', 1e6],
    ['fields.age', 'lte', 65],
    ['fields.age', 'isNotSet', undefined],
    ['fields.birthday', 'on', '1990-02-28'],
    ['fields.birthday', 'before', '2000-01-01'],
    ['fields.birthday', 'after', '2000-01-01T12:00:00Z'],
    ['fields.birthday', 'withinLast', 'P30D'],
    ['fields.birthday', 'notWithinLast', 'P1Y'],
    ['fields.last_order', 'before', '2026-11-25T10:00:00-05:00'],
    ['fields.last_order', 'withinLast', 'PT1H'],
    ['fields.last_order', 'isSet', undefined],
    ['fields.vip', 'isTrue', undefined],
    ['fields.vip', 'isFalse', undefined],
    ['fields.vip', 'isNotSet', undefined],
  ];

  it.each(accepted)('accepts %s %s %j', (field, op, value) => {
    accepts(one(value === undefined ? { field, op } : { field, op, value }));
  });

  const wrongOp: [string, string][] = [
    ['tag', 'is'],
    ['tag', 'in'],
    ['tag', 'isSet'],
    ['sequence', 'contains'],
    ['otnTopic', 'hasSome'],
    ['channel', 'contains'],
    ['status', 'hasAny'],
    ['gender', 'startsWith'],
    ['name', 'in'],
    ['email', 'hasAny'],
    ['phone', 'eq'],
    ['subscribedAt', 'on'],
    ['createdAt', 'is'],
    ['lastInteractionAt', 'gt'],
    ['fields.nickname', 'in'],
    ['fields.nickname', 'eq'],
    ['fields.age', 'is'],
    ['fields.age', 'before'],
    ['fields.last_order', 'on'],
    ['fields.birthday', 'eq'],
    ['fields.vip', 'is'],
    ['fields.vip', 'eq'],
    ['email', 'toString'],
    ['email', 'constructor'],
  ];

  it.each(wrongOp)('rejects %s with operator %s at the op', (field, op) => {
    expect(errorsOf(one({ field, op, value: 'x' }))).toEqual([{ path: 'filter.all.0.op', message: expect.stringMatching(/^is not an operator of /) }]);
  });

  it('names the operators that do fit', () => {
    expect(errorsOf(one({ field: 'fields.vip', op: 'is', value: true }))).toEqual([
      { path: 'filter.all.0.op', message: 'is not an operator of fields.vip: use one of isTrue, isFalse, isSet, isNotSet' },
    ]);
  });

  it.each(['shoeSize', 'tags', 'fields', 'fields.', 'fields.nickname.x', 'fields.Nickname', 'fields.constructor', 'fields.__proto__', 'search.name', 'id', 'botId', 'Tag', ''])(
    'rejects the unknown field %j',
    (field) => {
      expect(pathsOf(one({ field, op: 'isSet' }))).toEqual(['filter.all.0.field']);
    },
  );

  const wrongValue: [string, string, unknown][] = [
    ['tag', 'hasAny', []],
    ['tag', 'hasAny', 'VIP'],
    ['tag', 'hasAll', undefined],
    ['sequence', 'hasNone', [1]],
    ['channel', 'is', ['whatsapp']],
    ['channel', 'is', undefined],
    ['gender', 'isNot', 1],
    ['language', 'in', []],
    ['language', 'in', 'nl'],
    ['locale', 'notIn', [null]],
    ['timezone', 'isSet', 'yes'],
    ['status', 'isNotSet', false],
    ['name', 'is', 5],
    ['name', 'contains', ''],
    ['email', 'startsWith', ''],
    ['email', 'notContains', ''],
    ['phone', 'contains', ['+31']],
    ['email', 'isNotSet', ''],
    ['subscribedAt', 'before', 'yesterday'],
    ['subscribedAt', 'before', '2026-11-25T10:00:00'],
    ['subscribedAt', 'before', '2026-11-25 10:00:00Z'],
    ['subscribedAt', 'after', '2026-02-30'],
    ['subscribedAt', 'after', '2026-02-30T10:00:00Z'],
    ['subscribedAt', 'after', 1764064800000],
    ['subscribedAt', 'after', '0000-01-01T00:30:00+01:00'],
    ['lastInteractionAt', 'withinLast', '7 days'],
    ['lastInteractionAt', 'withinLast', 'P'],
    ['lastInteractionAt', 'withinLast', '-P7D'],
    ['lastInteractionAt', 'withinLast', 7],
    ['createdAt', 'notWithinLast', 'P1.5M'],
    ['createdAt', 'isSet', 'P1D'],
    ['fields.nickname', 'contains', 3],
    ['fields.age', 'gt', '18'],
    ['fields.age', 'eq', null],
    ['fields.age', 'lte', true],
    ['fields.age', 'eq', [1]],
    ['fields.birthday', 'on', '2026-11-25T00:00:00Z'],
    ['fields.birthday', 'on', '25-11-2026'],
    ['fields.birthday', 'before', 'soon'],
    ['fields.birthday', 'withinLast', 'P7X'],
    ['fields.last_order', 'after', '2026-11-25T10:00:00+0200'],
    ['fields.vip', 'isTrue', true],
    ['fields.vip', 'isFalse', 'false'],
  ];

  it.each(wrongValue)('rejects %s %s %j at the value', (field, op, value) => {
    const paths = pathsOf(one(value === undefined ? { field, op } : { field, op, value }));
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(path).toMatch(/^filter\.all\.0\.value(\.\d+)?$/);
  });

  it('says what a value should look like without echoing it', () => {
    expect(errorsOf(one({ field: 'email', op: 'is', value: 42 }))).toEqual([{ path: 'filter.all.0.value', message: 'must be a string' }]);
    expect(errorsOf(one({ field: 'tag', op: 'hasAny', value: [] }))).toEqual([
      { path: 'filter.all.0.value', message: 'must be a non-empty array of strings' },
    ]);
    expect(errorsOf(one({ field: 'createdAt', op: 'withinLast', value: 'a week' }))).toEqual([
      { path: 'filter.all.0.value', message: 'must be an ISO 8601 duration such as P7D, PT30M, P1Y2M or P2W' },
    ]);
    expect(errorsOf(one({ field: 'createdAt', op: 'before', value: 'secret@example.com' }))).toEqual([
      { path: 'filter.all.0.value', message: expect.stringContaining('must be an ISO 8601 datetime with an offset') },
    ]);
    expect(errorsOf(one({ field: 'fields.vip', op: 'isTrue', value: 1 }))).toEqual([
      { path: 'filter.all.0.value', message: 'must be absent: the operator takes no value' },
    ]);
    expect(errorsOf(one({ field: 'email', op: 'contains' }))).toEqual([{ path: 'filter.all.0.value', message: 'is required' }]);
  });

  it('checks custom fields against the bot it is given', () => {
    expect(parseFilter(one({ field: 'fields.age', op: 'gt', value: 1 }), {}).ok).toBe(false);
    expect(parseFilter(one({ field: 'fields.age', op: 'contains', value: '1' }), { age: 'text' }).ok).toBe(true);
  });
});
