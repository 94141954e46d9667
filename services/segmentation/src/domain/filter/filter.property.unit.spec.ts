import type { FieldType } from '@roster/contracts';
import { compareStrings, EmbeddedReadStore, toMongoQuery, toPredicate, type Doc, type DocFilter } from '@roster/readstore';
import fc from 'fast-check';
import { Query } from 'mingo';
import { withSearchKeys, type SearchableUserDoc } from '../search-keys';
import type { UserListDoc } from '../user-list-doc';
import { compileFilter } from './compile-filter';
import { parseDuration, subtractDuration } from './duration';
import { kindOf, OPS, type FieldTypes, type Filter, type FilterCondition, type FilterNode } from './filter';
import { MAX_CONDITIONS, MAX_DEPTH, parseFilter } from './parse-filter';
import { matchesReference } from './reference';

/**
 * The compiled filter, evaluated by the embedded store's predicate and by an independent MongoDB engine (mingo over
 * `toMongoQuery`), selects exactly the users the reference reading of api.md selects; and a keyset walk over an
 * embedded collection returns them each once, in order. Users and filters are random but realistic: small pools of
 * values in mixed case, nulls, custom fields of every type, times clustered around `now` and around the bounds the
 * filters use. The shapes where mingo departs from MongoDB (see libs/readstore filter.unit.spec.ts) do not occur:
 * documents hold no objects inside arrays, `$all` only meets arrays, and strings stay below U+E000. Text avoids the
 * few letters whose lower case depends on context (final sigma) or grows (İ), where `toLowerCase` and a regular
 * expression's case folding disagree.
 */

const BOT = 'bot-1';
const OTHER_BOT = 'bot-2';
const FIELD_TYPES: FieldTypes = { nickname: 'text', code: 'text', age: 'number', birthday: 'date', last_order: 'datetime', vip: 'boolean' };
const NOWS = ['2026-11-25T10:00:00.000Z', '2026-03-31T23:30:00.000Z', '2024-02-29T00:00:00.000Z'].map((iso) => new Date(iso));
const DURATIONS = ['P7D', 'PT30M', 'P1Y2M', 'P2W', 'P1D', 'PT1H', 'P1M', 'P0D', 'P1DT12H', 'PT1.5H', 'P1Y', 'P1W3D', 'P999999Y'];

const SECOND = 1000;
const DAY = 86_400_000;

// ---- values -------------------------------------------------------------------------------------------------------

const casing = fc.constantFrom((s: string) => s, (s: string) => s.toLowerCase(), (s: string) => s.toUpperCase());
const anyCase = (pool: readonly string[]) => fc.tuple(fc.constantFrom(...pool), casing).map(([s, f]) => f(s));
const orNull = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 4 });

const NAMES = ['Ada', 'ada', 'ADA LOVELACE', 'Ada Lovelace', 'Élodie', 'élodie', 'Bob', 'bobby', 'Zoë', 'Ünal Öz'];
const PHONES = ['+31612345678', '+3161', '+44 20 7946', '0612'];
const EMAILS = ['Ada@Example.com', 'bob@example.org', 'ZOE@EXAMPLE.COM', 'a.e@x.io'];
const CODES = ['A-1', 'a-1', 'B.2', 'x*y', '(c)', 'a.1'];
const NEEDLES = ['ada', 'a', 'Lovelace', 'élo', 'ÉLODIE', 'bob', 'Zo', 'ë', '+31', '+316', '@example.', 'EXAMPLE.COM', '.', '*', '(', 'x', ' ', 'Ü'];
const TEXTS = [...NAMES, ...PHONES, ...EMAILS, ...CODES, ''];
const ENUMS: Record<string, readonly string[]> = {
  channel: ['messenger', 'whatsapp', 'sms'],
  gender: ['male', 'female', 'Female'],
  language: ['nl', 'en'],
  locale: ['nl_NL', 'en_US'],
  timezone: ['Europe/Amsterdam', 'UTC'],
  status: ['subscribed', 'unsubscribed'],
};
const TAGS = ['VIP', 'Newsletter', 'lead', 'Buyer-2026', 'Früh'];
const SEQUENCES = ['s1', 's2', 's3'];
const TOPICS = ['t1', 't2'];
const NUMBERS = [-1, 0, 2.5, 17, 18, 65, 100];

/** Instants near `now` and near the bounds that filters compute from it, so that every edge is met. */
function instantAround(now: Date): fc.Arbitrary<number> {
  const bounds = DURATIONS.map((d) => subtractDuration(now, parseDuration(d)!).getTime()).filter((t) => !Number.isNaN(t));
  const t = now.getTime();
  return fc.oneof(
    fc.tuple(fc.constantFrom(...bounds), fc.constantFrom(-SECOND, -1, 0, 0, 1, SECOND)).map(([b, d]) => b + d),
    fc.integer({ min: -800, max: 2 }).map((days) => Math.floor((t + days * DAY) / DAY) * DAY), // midnights
    fc.integer({ min: -500 * 24, max: 48 }).map((hours) => t + hours * 3_600_000),
  );
}

const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);

/** The ways a client may write an instant in a filter. */
function instantText(now: Date): fc.Arbitrary<string> {
  return fc.tuple(instantAround(now), fc.constantFrom('Z', 'offset', 'minutes', 'date')).map(([ms, form]) => {
    if (form === 'date') return day(ms);
    if (form === 'offset') return `${iso(ms + 2 * 3_600_000).slice(0, 23)}+02:00`;
    if (form === 'minutes' && ms % 60_000 === 0) return `${iso(ms - 5.5 * 3_600_000).slice(0, 16)}-05:30`;
    return iso(ms);
  });
}

// ---- users --------------------------------------------------------------------------------------------------------

function userArb(now: Date): fc.Arbitrary<UserListDoc> {
  const at = instantAround(now).map(iso);
  const custom = fc.record(
    {
      nickname: fc.constantFrom(...NAMES),
      code: fc.constantFrom(...CODES),
      age: fc.constantFrom(...NUMBERS),
      birthday: instantAround(now).map(day),
      last_order: at,
      vip: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  return fc
    .record({
      botId: fc.constantFrom(BOT, BOT, BOT, BOT, BOT, BOT, BOT, BOT, BOT, OTHER_BOT),
      channel: fc.constantFrom(...ENUMS.channel!),
      firstName: orNull(fc.constantFrom(...NAMES)),
      lastName: orNull(fc.constantFrom('Lovelace', 'LOVELACE', 'Öz', 'smith')),
      fullName: orNull(fc.constantFrom(...NAMES)),
      gender: orNull(fc.constantFrom(...ENUMS.gender!)),
      language: orNull(fc.constantFrom(...ENUMS.language!)),
      locale: orNull(fc.constantFrom(...ENUMS.locale!)),
      timezone: orNull(fc.constantFrom(...ENUMS.timezone!)),
      status: fc.constantFrom('subscribed', 'unsubscribed') as fc.Arbitrary<'subscribed' | 'unsubscribed'>,
      phone: orNull(fc.constantFrom(...PHONES)),
      email: orNull(fc.constantFrom(...EMAILS)),
      subscribedAt: orNull(at),
      lastInteractionAt: at,
      createdAt: orNull(at),
      tags: fc.subarray(TAGS),
      sequences: fc.subarray(SEQUENCES),
      otnTopics: fc.subarray(TOPICS),
      fields: custom,
    })
    .map((u) => {
      const fields = Object.fromEntries(Object.entries(u.fields).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean>;
      const fieldTypes: Record<string, FieldType> = Object.fromEntries(Object.keys(fields).map((k) => [k, FIELD_TYPES[k]!]));
      const name = u.fullName ?? ([u.firstName, u.lastName].filter(Boolean).join(' ') || null);
      return { ...u, id: '', channelUserId: 'psid', profilePicUrl: null, name, fields, fieldTypes };
    });
}

function usersArb(now: Date): fc.Arbitrary<UserListDoc[]> {
  return fc.array(userArb(now), { minLength: 60, maxLength: 60 }).map((users) =>
    // Ids in random order relative to everything else, so that ties in a sort are broken by something independent.
    users.map((u, i) => ({ ...u, id: `u-${((i * 37) % 61).toString(36).padStart(2, '0')}-${i}` })),
  );
}

// ---- filters ------------------------------------------------------------------------------------------------------

const FIELDS = ['tag', 'sequence', 'otnTopic', ...Object.keys(ENUMS), 'name', 'firstName', 'lastName', 'phone', 'email', 'subscribedAt', 'lastInteractionAt', 'createdAt', ...Object.keys(FIELD_TYPES).map((k) => `fields.${k}`)];

function valueArb(field: string, op: string, now: Date): fc.Arbitrary<FilterCondition['value']> | undefined {
  const list = (arb: fc.Arbitrary<string>) => fc.array(arb, { minLength: 1, maxLength: 3 });
  switch (kindOf(field, FIELD_TYPES)) {
    case 'list': {
      const pool = field === 'tag' ? anyCase([...TAGS, 'other']) : fc.constantFrom(...(field === 'sequence' ? SEQUENCES : TOPICS), 'S1', 'x');
      return list(pool);
    }
    case 'enum': {
      const pool = fc.constantFrom(...ENUMS[field]!, 'other');
      if (op === 'is' || op === 'isNot') return pool;
      if (op === 'in' || op === 'notIn') return list(pool);
      return undefined;
    }
    case 'text':
      if (op === 'is' || op === 'isNot') return anyCase(TEXTS);
      if (op === 'contains' || op === 'notContains' || op === 'startsWith') return anyCase(NEEDLES);
      return undefined;
    case 'instant':
    case 'date':
      if (op === 'before' || op === 'after') return instantText(now);
      if (op === 'withinLast' || op === 'notWithinLast') return fc.constantFrom(...DURATIONS);
      if (op === 'on') return instantAround(now).map(day);
      return undefined;
    case 'number':
      return op === 'isSet' || op === 'isNotSet' ? undefined : fc.constantFrom(...NUMBERS, 18.5);
    default:
      return undefined;
  }
}

function conditionArb(now: Date): fc.Arbitrary<FilterCondition> {
  const options = FIELDS.flatMap((field) =>
    OPS[kindOf(field, FIELD_TYPES)!].map((op) => {
      const value = valueArb(field, op, now);
      return value ? value.map((v): FilterCondition => ({ field, op, value: v })) : fc.constant<FilterCondition>({ field, op });
    }),
  );
  return fc.oneof(...options);
}

function filterArb(now: Date): fc.Arbitrary<Filter> {
  const condition = conditionArb(now);
  const groups = new Map<number, fc.Arbitrary<Filter>>();
  const group = (level: number): fc.Arbitrary<Filter> => {
    let arb = groups.get(level);
    if (!arb) {
      const child: fc.Arbitrary<FilterNode> =
        level >= MAX_DEPTH ? condition : fc.oneof({ weight: 3, arbitrary: condition }, { weight: 1, arbitrary: group(level + 1) });
      arb = fc
        .tuple(fc.boolean(), fc.array(child, { maxLength: level === 1 ? 4 : 3 }))
        .map(([all, nodes]): Filter => (all ? { all: nodes } : { any: nodes }));
      groups.set(level, arb);
    }
    return arb;
  };
  return group(1).filter((f) => conditionCount(f) <= MAX_CONDITIONS);
}

function conditionCount(node: FilterNode): number {
  if ('all' in node) return node.all.reduce((n, c) => n + conditionCount(c), 0);
  if ('any' in node) return node.any.reduce((n, c) => n + conditionCount(c), 0);
  return 1;
}

const scenario = fc
  .constantFrom(...NOWS)
  .chain((now) => fc.record({ now: fc.constant(now), filter: filterArb(now), users: usersArb(now) }));

// ---- the properties -----------------------------------------------------------------------------------------------

const byBot = (compiled: DocFilter): DocFilter => ({ and: [{ field: 'botId', op: 'eq', value: BOT }, compiled] });
const asDoc = (doc: SearchableUserDoc) => doc as unknown as Doc;

describe('compileFilter agrees with the reference reading of api.md', () => {
  it('on both read stores (embedded predicate, MongoDB semantics through mingo)', () => {
    const outcomes = { matched: 0, unmatched: 0 };
    fc.assert(
      fc.property(scenario, ({ now, filter, users }) => {
        expect(parseFilter(JSON.parse(JSON.stringify(filter)), FIELD_TYPES)).toEqual({ ok: true, filter });
        const compiled = compileFilter(filter, FIELD_TYPES, now);
        const embedded = toPredicate(compiled);
        const mongo = new Query(toMongoQuery(compiled));
        for (const user of users) {
          const doc = withSearchKeys(user);
          const expected = matchesReference(filter, user, FIELD_TYPES, now);
          expect({ id: user.id, embedded: embedded(doc), mongo: mongo.test(doc) }).toEqual({ id: user.id, embedded: expected, mongo: expected });
          outcomes[expected ? 'matched' : 'unmatched']++;
        }
      }),
      { numRuns: 200 },
    );
    // Guards the generators: a property where (almost) everything matches, or nothing does, proves little.
    const total = outcomes.matched + outcomes.unmatched;
    expect(outcomes.matched / total).toBeGreaterThan(0.2);
    expect(outcomes.unmatched / total).toBeGreaterThan(0.2);
  });

  it('with every operator of every field, one condition at a time', () => {
    // The nested property may meet a rare operator only inside groups that hide its outcome; here each one decides.
    fc.assert(
      fc.property(
        fc.constantFrom(...NOWS).chain((now) => fc.record({ now: fc.constant(now), condition: conditionArb(now), users: usersArb(now) })),
        ({ now, condition, users }) => {
          const filter: Filter = { all: [condition] };
          const compiled = compileFilter(filter, FIELD_TYPES, now);
          const embedded = toPredicate(compiled);
          const mongo = new Query(toMongoQuery(compiled));
          for (const user of users) {
            const doc = withSearchKeys(user);
            const expected = matchesReference(filter, user, FIELD_TYPES, now);
            expect({ id: user.id, embedded: embedded(doc), mongo: mongo.test(doc) }).toEqual({ id: user.id, embedded: expected, mongo: expected });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('a keyset walk over the compiled filter', () => {
  const SORTS = ['lastInteractionAt', 'sortName', 'sortSubscribedAt'] as const;

  it('returns exactly the reference matches of the bot, each once, in sort order (ties by id)', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario,
        fc.constantFrom(...SORTS),
        fc.constantFrom('asc' as const, 'desc' as const),
        fc.integer({ min: 1, max: 7 }),
        async ({ now, filter, users }, field, order, limit) => {
          const store = new EmbeddedReadStore();
          const collection = store.collection<Doc>('users');
          await collection.ensureIndexes([
            { name: 'bot', fields: [['botId', 1], ['lastInteractionAt', -1]] },
            { name: 'tags', fields: [['search.tags', 1]] },
            { name: 'sequences', fields: [['sequences', 1]] },
            { name: 'status', fields: [['status', 1]] },
          ]);
          for (const user of users) await collection.upsert(asDoc(withSearchKeys(user)), 1n);

          const compiled = byBot(compileFilter(filter, FIELD_TYPES, now));
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages <= users.length + 1; pages++) {
            const page = await collection.find({ filter: compiled, sort: { field, order }, limit, cursor });
            expect(page.items.length).toBeLessThanOrEqual(limit);
            seen.push(...page.items.map((d) => d.id));
            if (!page.nextCursor) break;
            cursor = page.nextCursor;
          }

          const sign = order === 'asc' ? 1 : -1;
          const key = (u: UserListDoc) => withSearchKeys(u)[field];
          const expected = users
            .filter((u) => u.botId === BOT && matchesReference(filter, u, FIELD_TYPES, now))
            .sort((a, b) => sign * (compareStrings(key(a), key(b)) || compareStrings(a.id, b.id)))
            .map((u) => u.id);
          expect(seen).toEqual(expected);
          expect(await collection.count(compiled)).toBe(expected.length);
          await store.close();
        },
      ),
      { numRuns: 100 },
    );
  });
});
