import type { FieldType } from '@roster/contracts';
import fc from 'fast-check';
import { toPredicate } from '@roster/readstore';
import { withSearchKeys } from '../search-keys';
import type { UserListDoc } from '../user-list-doc';
import { compileFilter } from './compile-filter';
import type { FieldTypes, Filter } from './filter';
import { parseFilter } from './parse-filter';
import { matchesReference } from './reference';

const now = new Date('2026-11-25T10:00:00.000Z');
const fieldTypes: FieldTypes = { nickname: 'text', age: 'number', birthday: 'date', last_order: 'datetime', vip: 'boolean' };

function user(id: string, changes: Partial<UserListDoc> = {}): UserListDoc {
  const fields = changes.fields ?? {};
  const types: Record<string, FieldType> = {};
  for (const key of Object.keys(fields)) types[key] = fieldTypes[key]!;
  return {
    id,
    botId: 'bot-1',
    channel: 'messenger',
    channelUserId: `psid-${id}`,
    name: null,
    firstName: null,
    lastName: null,
    gender: null,
    language: null,
    locale: null,
    timezone: null,
    profilePicUrl: null,
    status: 'subscribed',
    subscribedAt: '2026-11-01T10:00:00.000Z',
    lastInteractionAt: '2026-11-20T10:00:00.000Z',
    fullName: null,
    phone: null,
    email: null,
    createdAt: '2026-11-01T10:00:00.000Z',
    tags: [],
    sequences: [],
    otnTopics: [],
    ...changes,
    fields,
    fieldTypes: types,
  };
}

function parsed(input: unknown): Filter {
  const result = parseFilter(input, fieldTypes);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.filter;
}

/** The ids of the users the compiled filter selects; checked against the reference on every call. */
function select(users: UserListDoc[], input: unknown, at = now): string[] {
  const filter = parsed(input);
  const predicate = toPredicate(compileFilter(filter, fieldTypes, at));
  const selected = users.filter((u) => predicate(withSearchKeys(u))).map((u) => u.id);
  expect(selected).toEqual(users.filter((u) => matchesReference(filter, u, fieldTypes, at)).map((u) => u.id));
  return selected;
}
const where = (field: string, op: string, value?: unknown) => ({ all: [value === undefined ? { field, op } : { field, op, value }] });

describe('compileFilter: groups', () => {
  const users = [user('a', { tags: ['VIP'] }), user('b', { tags: ['lead'] }), user('c')];

  it('matches everyone with an empty all and no one with an empty any', () => {
    expect(select(users, { all: [] })).toEqual(['a', 'b', 'c']);
    expect(select(users, { any: [] })).toEqual([]);
  });

  it('combines conditions with and / or, nested', () => {
    expect(select(users, { any: [where('tag', 'hasAny', ['vip']), where('tag', 'hasAny', ['lead'])] })).toEqual(['a', 'b']);
    expect(select(users, { all: [where('tag', 'hasAny', ['vip']), where('tag', 'hasAny', ['lead'])] })).toEqual([]);
    expect(select(users, { all: [{ any: [where('tag', 'hasNone', ['vip'])] }, where('status', 'is', 'subscribed')] })).toEqual(['b', 'c']);
  });

  it('does not restrict the bot (the caller does)', () => {
    expect(compileFilter(parsed({ all: [] }), fieldTypes, now)).toEqual({ and: [] });
    expect(JSON.stringify(compileFilter(parsed(where('channel', 'is', 'sms')), fieldTypes, now))).not.toContain('botId');
  });

  it('compiles a one-element group to its element', () => {
    expect(compileFilter(parsed(where('channel', 'is', 'sms')), fieldTypes, now)).toEqual({ field: 'channel', op: 'eq', value: 'sms' });
  });
});

describe('compileFilter: tags, sequences, OTN topics', () => {
  const users = [
    user('a', { tags: ['VIP', 'Newsletter'], sequences: ['s1'], otnTopics: ['t1'] }),
    user('b', { tags: ['lead'], sequences: ['s1', 's2'] }),
    user('c'),
  ];

  it('matches tag names case-insensitively', () => {
    expect(select(users, where('tag', 'hasAny', ['vip', 'LEAD']))).toEqual(['a', 'b']);
    expect(select(users, where('tag', 'hasAll', ['newsletter', 'Vip']))).toEqual(['a']);
    expect(select(users, where('tag', 'hasNone', ['NEWSLETTER']))).toEqual(['b', 'c']);
    expect(compileFilter(parsed(where('tag', 'hasAll', ['Vip', 'VIP'])), fieldTypes, now)).toEqual({ field: 'search.tags', op: 'all', value: ['vip'] });
  });

  it('matches sequence and topic ids exactly', () => {
    expect(select(users, where('sequence', 'hasAny', ['s2', 'S1']))).toEqual(['b']);
    expect(select(users, where('sequence', 'hasAll', ['s1', 's2']))).toEqual(['b']);
    expect(select(users, where('sequence', 'hasNone', ['s2']))).toEqual(['a', 'c']);
    expect(select(users, where('otnTopic', 'hasAny', ['t1']))).toEqual(['a']);
    expect(select(users, where('otnTopic', 'hasNone', ['t1']))).toEqual(['b', 'c']);
  });
});

describe('compileFilter: channel, gender, language, locale, timezone, status', () => {
  const users = [
    user('a', { channel: 'whatsapp', gender: 'female', language: 'nl' }),
    user('b', { channel: 'sms', gender: 'male', status: 'unsubscribed' }),
    user('c', { channel: 'messenger' }),
  ];

  it('compares values exactly', () => {
    expect(select(users, where('channel', 'is', 'sms'))).toEqual(['b']);
    expect(select(users, where('gender', 'is', 'Female'))).toEqual([]);
    expect(select(users, where('language', 'in', ['nl', 'en']))).toEqual(['a']);
    expect(select(users, where('status', 'is', 'unsubscribed'))).toEqual(['b']);
  });

  it('lets negative operators match users without a value', () => {
    expect(select(users, where('gender', 'isNot', 'female'))).toEqual(['b', 'c']);
    expect(select(users, where('gender', 'notIn', ['female', 'male']))).toEqual(['c']);
    expect(select(users, where('language', 'notIn', ['en']))).toEqual(['a', 'b', 'c']);
  });

  it('tells set from unset', () => {
    expect(select(users, where('gender', 'isSet'))).toEqual(['a', 'b']);
    expect(select(users, where('gender', 'isNotSet'))).toEqual(['c']);
  });
});

describe('compileFilter: name, firstName, lastName, phone, email', () => {
  const users = [
    user('a', { name: 'Ada Lovelace', firstName: 'Ada', lastName: 'Lovelace', email: 'Ada@Example.com' }),
    user('b', { name: 'ADAM Smith', firstName: 'ADAM', phone: '+31612345678' }),
    user('c', { name: 'Élodie', firstName: 'élodie' }),
    user('d'),
  ];

  it('matches case-insensitively through the lower-cased copies', () => {
    expect(select(users, where('firstName', 'is', 'ada'))).toEqual(['a']);
    expect(select(users, where('firstName', 'is', 'ÉLODIE'))).toEqual(['c']);
    expect(select(users, where('name', 'contains', 'ADA'))).toEqual(['a', 'b']);
    expect(select(users, where('name', 'startsWith', 'ada '))).toEqual(['a']);
    expect(select(users, where('email', 'contains', 'example.COM'))).toEqual(['a']);
    expect(select(users, where('phone', 'startsWith', '+316'))).toEqual(['b']);
    expect(compileFilter(parsed(where('firstName', 'is', 'Ada')), fieldTypes, now)).toEqual({ field: 'search.firstName', op: 'eq', value: 'ada' });
  });

  it('compiles an ASCII prefix to an indexable range alone (on sortName for names), with the same matches', () => {
    const more = [...users, user('e', { name: 'ſam adams' }), user('f', { name: 'adb' }), user('g', { name: 'ad~x' })];
    expect(select(more, where('name', 'startsWith', 'AD'))).toEqual(['a', 'b', 'f', 'g']);
    expect(select(more, where('name', 'startsWith', 'ad~'))).toEqual(['g']);
    expect(select(more, where('name', 'startsWith', 'élo'))).toEqual(['c']);
    expect(compileFilter(parsed(where('name', 'startsWith', 'Ad')), fieldTypes, now)).toEqual({
      and: [{ field: 'sortName', op: 'gte', value: 'ad' }, { field: 'sortName', op: 'lt', value: 'ae' }],
    });
    expect(compileFilter(parsed(where('email', 'startsWith', 'zoe.')), fieldTypes, now)).toEqual({
      and: [{ field: 'search.email', op: 'gte', value: 'zoe.' }, { field: 'search.email', op: 'lt', value: 'zoe/' }],
    });
    expect(compileFilter(parsed(where('name', 'startsWith', 'Él')), fieldTypes, now)).toEqual({ field: 'search.name', op: 'startsWith', value: 'él' });
  });

  it('matches an ASCII prefix by its range exactly as the reference and the case-insensitive pattern do, on any text', () => {
    // Values from the whole of Unicode plus the characters that lower-case or fold oddly (İ → i̇, K → k, ſ, ß, σ/ς),
    // prefixes from printable ASCII and its edges ('~', the last one the range can follow).
    const odd = fc.constantFrom('İ', 'ı', 'K', 'k', 'ſ', 's', 'S', 'ß', 'ẞ', 'Σ', 'σ', 'ς', '~', '\x7f', 'a', 'A', '.', '/', '\u{1F600}', '\uFFFD');
    const text = fc.array(fc.oneof(odd, fc.string({ unit: 'grapheme', maxLength: 1 }), fc.string({ unit: 'binary', maxLength: 1 })), { maxLength: 6 }).map((parts) => parts.join(''));
    const prefix = fc.array(fc.oneof(fc.constantFrom('a', 'K', 'S', 'i', '~', '.', '/', ' '), fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 1 })), { minLength: 1, maxLength: 3 }).map((parts) => parts.join(''));
    // Values near the prefix: it or a part of it, changed in case, a character swapped for a neighbour or a lookalike.
    const near = (wanted: string) =>
      fc.array(fc.tuple(fc.integer({ min: 0, max: wanted.length }), fc.constantFrom('same', 'upper', 'next', 'previous', 'odd'), odd, text), { minLength: 1, maxLength: 8 }).map((changes) =>
        changes.map(([cut, how, lookalike, tail]) => {
          const head = wanted.slice(0, cut);
          const last = head.length > 0 ? head.charCodeAt(head.length - 1) : 0x61;
          const changed =
            how === 'upper' ? head.toUpperCase()
            : how === 'next' ? head.slice(0, -1) + String.fromCharCode(last + 1)
            : how === 'previous' ? head.slice(0, -1) + String.fromCharCode(last - 1)
            : how === 'odd' ? head.slice(0, -1) + lookalike
            : head;
          return changed + tail;
        }),
      );
    fc.assert(
      fc.property(prefix.chain((wanted) => fc.tuple(near(wanted), fc.constant(wanted))), ([values, wanted]) => {
        const pool = values.flatMap((value, i) => [user(`n${i}`, { name: value }), user(`e${i}`, { email: value })]);
        const ids = (field: string) => select(pool, where(field, 'startsWith', wanted));
        const pattern = new RegExp(`^${wanted.toLowerCase().replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}`, 'i');
        expect(ids('name')).toEqual(pool.filter((u) => u.id.startsWith('n') && pattern.test(u.name!.toLowerCase())).map((u) => u.id));
        expect(ids('email')).toEqual(pool.filter((u) => u.id.startsWith('e') && pattern.test(u.email!.toLowerCase())).map((u) => u.id));
      }),
      { numRuns: 300 },
    );
  });

  it('treats regular-expression characters literally', () => {
    expect(select(users, where('phone', 'startsWith', '+'))).toEqual(['b']);
    expect(select(users, where('email', 'contains', '.'))).toEqual(['a']);
    expect(select(users, where('email', 'contains', 'a.e'))).toEqual([]);
  });

  it('lets isNot and notContains match users without a value', () => {
    expect(select(users, where('firstName', 'isNot', 'ADA'))).toEqual(['b', 'c', 'd']);
    expect(select(users, where('lastName', 'notContains', 'love'))).toEqual(['b', 'c', 'd']);
    expect(select(users, where('email', 'notContains', 'example'))).toEqual(['b', 'c', 'd']);
  });

  it('tells set from unset', () => {
    expect(select(users, where('email', 'isSet'))).toEqual(['a']);
    expect(select(users, where('name', 'isNotSet'))).toEqual(['d']);
    expect(select(users, where('phone', 'isSet'))).toEqual(['b']);
    // Presence of a profile text field is its indexed lower-cased copy's.
    expect(compileFilter(parsed(where('email', 'isSet')), fieldTypes, now)).toEqual({ field: 'search.email', op: 'exists', value: true });
    expect(compileFilter(parsed(where('phone', 'isNotSet')), fieldTypes, now)).toEqual({ field: 'search.phone', op: 'exists', value: false });
  });
});

describe('compileFilter: subscribedAt, lastInteractionAt, createdAt', () => {
  const users = [
    user('a', { lastInteractionAt: '2026-11-18T10:00:00.000Z', subscribedAt: null }),
    user('b', { lastInteractionAt: '2026-11-18T09:59:59.999Z', createdAt: null }),
    user('c', { lastInteractionAt: '2026-11-25T09:30:00.000Z' }),
    user('d', { lastInteractionAt: '2026-11-26T00:00:00.000Z' }),
  ];

  it('withinLast: at or after now minus the duration', () => {
    expect(select(users, where('lastInteractionAt', 'withinLast', 'P7D'))).toEqual(['a', 'c', 'd']);
    expect(select(users, where('lastInteractionAt', 'withinLast', 'P1W'))).toEqual(['a', 'c', 'd']);
    expect(select(users, where('lastInteractionAt', 'withinLast', 'PT30M'))).toEqual(['c', 'd']);
    expect(select(users, where('lastInteractionAt', 'withinLast', 'PT29M59S'))).toEqual(['d']);
    expect(compileFilter(parsed(where('lastInteractionAt', 'withinLast', 'P7D')), fieldTypes, now)).toEqual({
      field: 'lastInteractionAt',
      op: 'gte',
      value: '2026-11-18T10:00:00.000Z',
    });
  });

  it('withinLast with months and years follows the calendar', () => {
    const at = new Date('2026-03-31T12:00:00.000Z');
    const around = [user('x', { createdAt: '2026-02-28T12:00:00.000Z' }), user('y', { createdAt: '2026-02-28T11:59:59.999Z' })];
    expect(select(around, where('createdAt', 'withinLast', 'P1M'), at)).toEqual(['x']);
    expect(select(around, where('createdAt', 'withinLast', 'P1Y'), at)).toEqual(['x', 'y']);
  });

  it('notWithinLast also matches users without the time', () => {
    expect(select(users, where('lastInteractionAt', 'notWithinLast', 'P7D'))).toEqual(['b']);
    expect(select(users, where('subscribedAt', 'notWithinLast', 'P365D'))).toEqual(['a']);
    expect(select(users, where('createdAt', 'withinLast', 'P365D'))).toEqual(['a', 'c', 'd']);
  });

  it('bounds subscribedAt from below by its indexed sort key, which users never subscribed hold as \'\'', () => {
    expect(select(users, where('subscribedAt', 'withinLast', 'P30D'))).toEqual(['b', 'c', 'd']);
    expect(select(users, where('subscribedAt', 'after', '2026-10-01'))).toEqual(['b', 'c', 'd']);
    expect(select(users, where('subscribedAt', 'before', '2026-12-01'))).toEqual(['b', 'c', 'd']);
    expect(compileFilter(parsed(where('subscribedAt', 'withinLast', 'P7D')), fieldTypes, now)).toEqual({ field: 'sortSubscribedAt', op: 'gte', value: '2026-11-18T10:00:00.000Z' });
    expect(compileFilter(parsed(where('subscribedAt', 'before', '2026-12-01')), fieldTypes, now)).toEqual({ field: 'subscribedAt', op: 'lt', value: '2026-12-01T00:00:00.000Z' });
  });

  it('a duration reaching before the year 0 covers every time', () => {
    expect(select(users, where('subscribedAt', 'withinLast', 'P999999Y'))).toEqual(['b', 'c', 'd']);
    expect(select(users, where('subscribedAt', 'notWithinLast', `P${'9'.repeat(30)}D`))).toEqual(['a']);
  });

  it('before and after are strict, in any offset', () => {
    expect(select(users, where('lastInteractionAt', 'before', '2026-11-18T10:00:00Z'))).toEqual(['b']);
    expect(select(users, where('lastInteractionAt', 'before', '2026-11-18T12:00:00+02:00'))).toEqual(['b']);
    expect(select(users, where('lastInteractionAt', 'after', '2026-11-18T11:00+01:00'))).toEqual(['c', 'd']);
    expect(select(users, where('lastInteractionAt', 'after', '2026-11-18T09:59:59.999Z'))).toEqual(['a', 'c', 'd']);
  });

  it('a date alone means midnight UTC of that day', () => {
    expect(select(users, where('lastInteractionAt', 'before', '2026-11-26'))).toEqual(['a', 'b', 'c']);
    expect(select(users, where('lastInteractionAt', 'after', '2026-11-25'))).toEqual(['c', 'd']);
    expect(select(users, where('lastInteractionAt', 'after', '2026-11-26'))).toEqual([]);
    expect(compileFilter(parsed(where('createdAt', 'before', '2026-11-26')), fieldTypes, now)).toEqual({
      field: 'createdAt',
      op: 'lt',
      value: '2026-11-26T00:00:00.000Z',
    });
  });

  it('tells set from unset', () => {
    expect(select(users, where('subscribedAt', 'isNotSet'))).toEqual(['a']);
    expect(select(users, where('createdAt', 'isSet'))).toEqual(['a', 'c', 'd']);
  });
});

describe('compileFilter: custom fields', () => {
  const users = [
    user('a', { fields: { nickname: 'Bobby', age: 30, birthday: '2026-11-18', last_order: '2026-11-25T09:00:00.000Z', vip: true } }),
    user('b', { fields: { nickname: 'ROBERT', age: 17.5, birthday: '2026-11-19', last_order: '2026-11-18T09:00:00.000Z', vip: false } }),
    user('c', { fields: { age: 0, birthday: '1990-02-28' } }),
    user('d'),
  ];

  it('text: as name, case-insensitive', () => {
    expect(select(users, where('fields.nickname', 'is', 'bobby'))).toEqual(['a']);
    expect(select(users, where('fields.nickname', 'contains', 'B'))).toEqual(['a', 'b']);
    expect(select(users, where('fields.nickname', 'startsWith', 'rob'))).toEqual(['b']);
    expect(select(users, where('fields.nickname', 'notContains', 'bob'))).toEqual(['b', 'c', 'd']);
    expect(select(users, where('fields.nickname', 'isNot', 'robert'))).toEqual(['a', 'c', 'd']);
    expect(select(users, where('fields.nickname', 'isSet'))).toEqual(['a', 'b']);
  });

  it('number: comparisons, and neq matches users without a value', () => {
    expect(select(users, where('fields.age', 'eq', 30))).toEqual(['a']);
    expect(select(users, where('fields.age', 'neq', 30))).toEqual(['b', 'c', 'd']);
    expect(select(users, where('fields.age', 'gt', 17.5))).toEqual(['a']);
    expect(select(users, where('fields.age', 'gte', 17.5))).toEqual(['a', 'b']);
    expect(select(users, where('fields.age', 'lt', 17.5))).toEqual(['c']);
    expect(select(users, where('fields.age', 'lte', 0))).toEqual(['c']);
    expect(select(users, where('fields.age', 'isNotSet'))).toEqual(['d']);
  });

  it('boolean: isFalse is not "not true"', () => {
    expect(select(users, where('fields.vip', 'isTrue'))).toEqual(['a']);
    expect(select(users, where('fields.vip', 'isFalse'))).toEqual(['b']);
    expect(select(users, where('fields.vip', 'isNotSet'))).toEqual(['c', 'd']);
  });

  it('date: on, before and after by day', () => {
    expect(select(users, where('fields.birthday', 'on', '2026-11-18'))).toEqual(['a']);
    expect(select(users, where('fields.birthday', 'before', '2026-11-19'))).toEqual(['a', 'c']);
    expect(select(users, where('fields.birthday', 'after', '2026-11-18'))).toEqual(['b']);
  });

  it('date: a bound with a time compares the day as its midnight UTC', () => {
    // midnight of the 19th is before the 19th at noon, not before the 19th at midnight.
    expect(select(users, where('fields.birthday', 'before', '2026-11-19T12:00:00Z'))).toEqual(['a', 'b', 'c']);
    expect(select(users, where('fields.birthday', 'before', '2026-11-19T00:00:00Z'))).toEqual(['a', 'c']);
    expect(select(users, where('fields.birthday', 'before', '2026-11-19T01:00:00+02:00'))).toEqual(['a', 'c']);
    expect(select(users, where('fields.birthday', 'after', '2026-11-18T00:00:00Z'))).toEqual(['b']);
    expect(select(users, where('fields.birthday', 'after', '2026-11-17T23:59:59Z'))).toEqual(['a', 'b']);
    expect(select(users, where('fields.birthday', 'before', '9999-12-31T23:00:00Z'))).toEqual(['a', 'b', 'c']);
  });

  it('date: withinLast counts days whose midnight UTC is within', () => {
    // now − P7D = 18 November 10:00, so the first day within is the 19th.
    expect(select(users, where('fields.birthday', 'withinLast', 'P7D'))).toEqual(['b']);
    expect(select(users, where('fields.birthday', 'withinLast', 'P7DT10H'))).toEqual(['a', 'b']);
    expect(select(users, where('fields.birthday', 'notWithinLast', 'P7D'))).toEqual(['a', 'c', 'd']);
    expect(select(users, where('fields.birthday', 'withinLast', 'P100Y'))).toEqual(['a', 'b', 'c']);
  });

  it('datetime: as the built-in times', () => {
    expect(select(users, where('fields.last_order', 'withinLast', 'P7D'))).toEqual(['a']);
    expect(select(users, where('fields.last_order', 'notWithinLast', 'P7D'))).toEqual(['b', 'c', 'd']);
    expect(select(users, where('fields.last_order', 'before', '2026-11-25'))).toEqual(['b']);
    expect(select(users, where('fields.last_order', 'after', '2026-11-25T10:00:00+02:00'))).toEqual(['a']);
  });
});

describe('compileFilter: misuse', () => {
  it('throws on a filter that was not parsed with these field types', () => {
    expect(() => compileFilter({ all: [{ field: 'fields.shoe', op: 'isSet' }] }, fieldTypes, now)).toThrow(/parse the filter/);
    expect(() => compileFilter({ all: [{ field: 'email', op: 'gt', value: 1 }] }, fieldTypes, now)).toThrow(/parse the filter/);
  });
});
