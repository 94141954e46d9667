import { waitFor } from '@roster/testing';
import { Api, createBot, event, listAllUsers } from './support/api';
import type { Deployment } from './support/deployment';

/**
 * Search, count and saved segments over HTTP (issue "Segmentation"; api.md "Users" search/count and "Filter
 * language"), by example: a bot with 30 users seeded through channel events, then every field family and operator,
 * the sorts, keyset pages, the 400s and the segments' routes. Run in both modes.
 */
export function segmentationSuite(mode: string, start: () => Promise<Deployment>): void {
  describe(`Segmentation end to end (${mode})`, () => {
    jest.setTimeout(60_000);
    let deployment: Deployment;
    let admin: Api;
    let anonymous: Api;
    let bot: Bot;
    let other: Bot;
    /** When seeding started: the users' times are relative to it. */
    let t0: number;
    let seeds: Seed[];
    /** Seed key (channelUserId) → the user's summary once everything is seeded; and back from user id to key. */
    const byKey = new Map<string, Summary>();
    const keyOfId = new Map<string, string>();

    beforeAll(async () => {
      deployment = await start();
      admin = new Api(deployment.baseUrl, deployment.adminKey);
      anonymous = new Api(deployment.baseUrl);
      bot = await createBot(admin, 'Segmentation bot');
      other = await createBot(admin, 'Other segmentation bot');

      for (const definition of FIELD_DEFINITIONS) {
        expect((await bot.api.post(`/v1/bots/${bot.id}/fields`, definition)).status).toBe(201);
      }
      // The other bot has users too, and a field of the same key: nothing of it may show in this bot's answers.
      for (const definition of [{ key: 'score', type: 'number' }, { key: 'loyalty', type: 'number' }]) {
        expect((await other.api.post(`/v1/bots/${other.id}/fields`, definition)).status).toBe(201);
      }
      const otherEvents = ['o1', 'o2', 'o3'].map((channelUserId, i) =>
        event({ channelUserId, occurredAt: new Date(Date.now() - (i + 1) * MINUTE).toISOString(), profile: { firstName: 'Anna', lastName: 'Jansen', language: 'nl' } }),
      );
      expect((await other.api.post(`/v1/bots/${other.id}/events`, { events: [...otherEvents, event({ type: 'tag.added', channelUserId: 'o1', tag: 'VIP', occurredAt: otherEvents[0]!.occurredAt })] })).status).toBe(202);

      t0 = Date.now();
      seeds = makeSeeds(t0);
      const { first, rest } = seedEvents(seeds, t0);
      // Phase 1: the event that creates each user (with the profile); phase 2, once all exist: everything else, each
      // user's items in an order whose last one shows in the summary (tags, fields, status), so that seeing it means
      // the user's sequences and topics arrived too.
      const created = await bot.api.post(`/v1/bots/${bot.id}/events`, { events: first });
      expect(created.status).toBe(202);
      expect(created.json).toEqual({ accepted: seeds.length, duplicates: 0 });
      await waitFor(async () => (await listAll(bot)).length === seeds.length, { timeoutMs: 30_000, what: `${seeds.length} seeded users listed` });
      const changed = await bot.api.post(`/v1/bots/${bot.id}/events`, { events: rest });
      expect(changed.status).toBe(202);
      expect(changed.json).toEqual({ accepted: rest.length, duplicates: 0 });
      const users = await waitFor(
        async () => {
          const listed = await listAll(bot);
          const ready = seeds.every((seed) => {
            const user = listed.find((u) => u.channelUserId === seed.key);
            return (
              user !== undefined &&
              sameTags(user.tags, seed.tags ?? []) &&
              sorted(Object.keys(user.fields)).join() === sorted(Object.keys(seed.fields ?? {})).join() &&
              user.status === statusOf(seed)
            );
          });
          return ready ? listed : undefined;
        },
        { timeoutMs: 30_000, what: 'the seeded tags, fields and statuses in the user list' },
      );
      for (const user of users) {
        byKey.set(user.channelUserId, user);
        keyOfId.set(user.id, user.channelUserId);
      }
    }, 180_000);

    afterAll(async () => {
      await deployment?.stop();
    }, 60_000);

    const searchPath = (botId = bot.id) => `/v1/bots/${botId}/users/search`;
    const countPath = (botId = bot.id) => `/v1/bots/${botId}/users/count`;
    const segmentsPath = (botId = bot.id) => `/v1/bots/${botId}/segments`;
    const keysOf = (items: Summary[]) => items.map((u) => keyOfId.get(u.id) ?? `foreign:${u.channelUserId}`);
    const expectedKeys = (match: Match) => seeds.filter(match).map((s) => s.key);

    async function search(body: Record<string, unknown>, api = bot.api, path = searchPath()): Promise<Summary[]> {
      const res = await api.post(path, { limit: 500, ...body });
      expect({ body, status: res.status, errors: res.json?.errors }).toEqual({ body, status: 200, errors: undefined });
      expect(res.json.nextCursor).toBeNull();
      return res.json.items;
    }

    async function count(body: Record<string, unknown>, path = countPath()): Promise<number> {
      const res = await bot.api.post(path, body);
      expect({ body, status: res.status, errors: res.json?.errors }).toEqual({ body, status: 200, errors: undefined });
      expect(res.json).toEqual({ count: expect.any(Number) });
      return res.json.count;
    }

    /** Walks every page with `limit`; checks each page's size. */
    async function walk(body: Record<string, unknown>, limit: number, path = searchPath()): Promise<Summary[]> {
      const items: Summary[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: Response = await bot.api.post(path, { ...body, limit, ...(cursor ? { cursor } : {}) });
        expect({ status: res.status, errors: res.json?.errors }).toEqual({ status: 200, errors: undefined });
        expect(res.json.items.length).toBeLessThanOrEqual(limit);
        items.push(...res.json.items);
        cursor = res.json.nextCursor;
        pages++;
        if (pages > 200) throw new Error('more than 200 pages: the cursor does not advance');
      } while (cursor);
      return items;
    }

    /** Search and count agree with the seed model. */
    async function expectMatches(filter: unknown, match: Match | string[]): Promise<void> {
      const expected = sorted(Array.isArray(match) ? match : expectedKeys(match));
      const items = await search({ filter });
      expect({ filter, matched: sorted(keysOf(items)) }).toEqual({ filter, matched: expected });
      for (const item of items) expect(item.botId).toBe(bot.id);
      expect({ filter, count: await count({ filter }) }).toEqual({ filter, count: expected.length });
    }

    const condition = (field: string, op: string, value?: unknown) => ({ field, op, ...(value === undefined ? {} : { value }) });
    const only = (field: string, op: string, value?: unknown) => ({ all: [condition(field, op, value)] });
    const iso = (minutesAgo: number) => new Date(t0 - minutesAgo * MINUTE).toISOString();

    describe('search and count without a filter', () => {
      it('matches every user of the bot with no filter and with { "all": [] }, newest interaction first by default', async () => {
        const all = await search({});
        expect(sorted(keysOf(all))).toEqual(sorted(seeds.map((s) => s.key)));
        expect(await search({ filter: { all: [] } })).toEqual(all);
        expect(await search({ sort: { by: 'lastInteractionAt', order: 'desc' } })).toEqual(all);
        expect(await count({})).toBe(seeds.length);
        expect(await count({ filter: { all: [] } })).toBe(seeds.length);
        // Default limit: 50 (more than the 30 users here: one page).
        const defaults = await bot.api.post(searchPath(), {});
        expect(defaults.status).toBe(200);
        expect(defaults.json).toEqual({ items: all, nextCursor: null });
        // No body at all is the same as {}.
        expect((await bot.api.post(searchPath())).json).toEqual({ items: all, nextCursor: null });
        expect((await bot.api.post(countPath())).json).toEqual({ count: seeds.length });
      });

      it('answers user summaries: the same items as the plain list', async () => {
        const items = await search({});
        for (const item of items) expect(item).toEqual(byKey.get(keyOfId.get(item.id)!));
        const anna = byKey.get('u01')!;
        expect(anna).toMatchObject({
          botId: bot.id,
          channel: 'messenger',
          channelUserId: 'u01',
          name: 'Anna Jansen',
          firstName: 'Anna',
          lastName: 'Jansen',
          gender: 'female',
          language: 'nl',
          locale: 'nl_NL',
          timezone: 'Europe/Amsterdam',
          status: 'subscribed',
          subscribedAt: iso(10),
          lastInteractionAt: iso(10),
          fields: { score: 90, nickname: 'Annie', birthday: '1990-05-01', vip: true, last_order: iso(2 * DAY) },
        });
        for (const key of SUMMARY_KEYS) expect(anna).toHaveProperty(key);
        expect(sorted(anna.tags.map((t) => t.toLowerCase()))).toEqual(['newsletter', 'vip']);
      });
    });

    describe('filter language: every field family and operator', () => {
      const has = (list: string[] | undefined, value: string) => (list ?? []).some((v) => v.toLowerCase() === value.toLowerCase());

      it('tag, sequence, otnTopic: hasAny, hasAll, hasNone (tag names case-insensitively; hasNone matches users without any)', async () => {
        await expectMatches(only('tag', 'hasAny', ['vip']), (s) => has(s.tags, 'vip'));
        await expectMatches(only('tag', 'hasAny', ['VIP']), (s) => has(s.tags, 'vip'));
        await expectMatches(only('tag', 'hasAny', ['NEWSLETTER', 'lead']), (s) => has(s.tags, 'newsletter') || has(s.tags, 'lead'));
        await expectMatches(only('tag', 'hasAll', ['Vip', 'newsletter']), ['u01']);
        await expectMatches(only('tag', 'hasAll', ['lead', 'churned']), ['u06']);
        await expectMatches(only('tag', 'hasNone', ['Lead', 'NEWSLETTER']), (s) => !has(s.tags, 'lead') && !has(s.tags, 'newsletter'));
        await expectMatches(only('tag', 'hasAny', ['never-used']), []);
        await expectMatches(only('sequence', 'hasAny', ['seq-welcome']), (s) => has(s.sequences, 'seq-welcome'));
        await expectMatches(only('sequence', 'hasAll', ['seq-welcome', 'seq-promo']), ['u03']);
        await expectMatches(only('sequence', 'hasNone', ['seq-welcome']), (s) => !has(s.sequences, 'seq-welcome'));
        await expectMatches(only('otnTopic', 'hasAny', ['topic-restock']), (s) => has(s.otn, 'topic-restock'));
        await expectMatches(only('otnTopic', 'hasAll', ['topic-price', 'topic-restock']), ['u04']);
        await expectMatches(only('otnTopic', 'hasNone', ['topic-price']), (s) => !has(s.otn, 'topic-price'));
      });

      it('channel, gender, language, locale, timezone, status: is, isNot, in, notIn, isSet, isNotSet (negatives match unset)', async () => {
        const p = (s: Seed, field: keyof Profile) => s.profile?.[field];
        await expectMatches(only('channel', 'is', 'instagram'), (s) => s.channel === 'instagram');
        await expectMatches(only('channel', 'isNot', 'messenger'), (s) => s.channel !== 'messenger');
        await expectMatches(only('channel', 'in', ['whatsapp', 'sms']), (s) => s.channel === 'whatsapp' || s.channel === 'sms');
        await expectMatches(only('channel', 'notIn', ['messenger', 'webchat']), (s) => s.channel !== 'messenger' && s.channel !== 'webchat');
        await expectMatches(only('channel', 'isSet'), () => true);
        await expectMatches(only('gender', 'is', 'female'), (s) => p(s, 'gender') === 'female');
        await expectMatches(only('gender', 'isNot', 'male'), (s) => p(s, 'gender') !== 'male');
        await expectMatches(only('gender', 'isSet'), (s) => p(s, 'gender') !== undefined);
        await expectMatches(only('gender', 'isNotSet'), (s) => p(s, 'gender') === undefined);
        await expectMatches(only('language', 'in', ['nl', 'es']), (s) => ['nl', 'es'].includes(p(s, 'language') ?? ''));
        await expectMatches(only('language', 'notIn', ['en', 'de']), (s) => !['en', 'de'].includes(p(s, 'language') ?? ''));
        await expectMatches(only('language', 'isNot', 'en'), (s) => p(s, 'language') !== 'en');
        await expectMatches(only('locale', 'is', 'nl_NL'), ['u01', 'u02']);
        await expectMatches(only('locale', 'isSet'), (s) => p(s, 'locale') !== undefined);
        await expectMatches(only('locale', 'notIn', ['nl_NL', 'nl_BE']), (s) => !['nl_NL', 'nl_BE'].includes(p(s, 'locale') ?? ''));
        await expectMatches(only('timezone', 'is', 'America/New_York'), ['u06', 'u08']);
        await expectMatches(only('timezone', 'isNotSet'), (s) => p(s, 'timezone') === undefined);
        await expectMatches(only('status', 'is', 'unsubscribed'), (s) => statusOf(s) === 'unsubscribed');
        await expectMatches(only('status', 'isNot', 'unsubscribed'), (s) => statusOf(s) === 'subscribed');
        await expectMatches(only('status', 'in', ['subscribed']), (s) => statusOf(s) === 'subscribed');
      });

      it('name, firstName, lastName, phone, email: is, isNot, contains, notContains, startsWith, isSet, isNotSet, case-insensitively', async () => {
        const text = (value: string | null | undefined) => value?.toLowerCase();
        await expectMatches(only('name', 'is', 'anna JANSEN'), ['u01']);
        await expectMatches(only('name', 'is', 'frank ocean'), ['u07']);
        await expectMatches(only('name', 'isNot', 'SAM LEE'), (s) => text(nameOf(s)) !== 'sam lee');
        await expectMatches(only('name', 'contains', 'JANSEN'), ['u01', 'u09']);
        await expectMatches(only('name', 'notContains', 'member'), (s) => !(text(nameOf(s)) ?? '').includes('member'));
        await expectMatches(only('name', 'startsWith', 'gR'), ['u08']);
        await expectMatches(only('name', 'isSet'), (s) => nameOf(s) !== null);
        await expectMatches(only('name', 'isNotSet'), ['u05']);
        await expectMatches(only('firstName', 'is', 'EVE'), ['u06']);
        await expectMatches(only('firstName', 'isNotSet'), ['u05', 'u07']);
        await expectMatches(only('lastName', 'contains', 'ANS'), ['u01', 'u09']);
        await expectMatches(only('lastName', 'startsWith', 'n1'), (s) => (text(s.profile?.lastName) ?? '').startsWith('n1'));
        await expectMatches(only('lastName', 'isNot', 'jansen'), (s) => text(s.profile?.lastName) !== 'jansen');
        await expectMatches(only('email', 'is', 'BOB@shop.nl'), ['u02']);
        await expectMatches(only('email', 'contains', '@EXAMPLE.'), (s) => (text(s.profile?.email) ?? '').includes('@example.'));
        await expectMatches(only('email', 'notContains', 'example'), (s) => !(text(s.profile?.email) ?? '').includes('example'));
        await expectMatches(only('email', 'startsWith', 'Grace'), ['u08']);
        await expectMatches(only('email', 'isNotSet'), (s) => s.profile?.email === undefined);
        await expectMatches(only('phone', 'startsWith', '+31'), ['u01']);
        await expectMatches(only('phone', 'contains', '555'), ['u06']);
        await expectMatches(only('phone', 'isSet'), (s) => s.profile?.phone !== undefined);
        await expectMatches(only('phone', 'isNot', '+15550000006'), (s) => s.profile?.phone !== '+15550000006');
      });

      it('subscribedAt, lastInteractionAt, createdAt: before, after, withinLast (relative to now), notWithinLast, isSet, isNotSet', async () => {
        const within = (s: Seed, minutes: number) => s.ago < minutes;
        await expectMatches(only('lastInteractionAt', 'withinLast', 'PT1H'), (s) => within(s, HOUR));
        await expectMatches(only('lastInteractionAt', 'withinLast', 'P7D'), (s) => within(s, 7 * DAY));
        await expectMatches(only('lastInteractionAt', 'withinLast', 'P1W'), (s) => within(s, 7 * DAY));
        await expectMatches(only('lastInteractionAt', 'notWithinLast', 'P30D'), (s) => !within(s, 30 * DAY));
        await expectMatches(only('lastInteractionAt', 'before', iso(10 * DAY)), (s) => s.ago > 10 * DAY);
        await expectMatches(only('lastInteractionAt', 'after', iso(DAY)), (s) => s.ago < DAY);
        // The same instant with an offset.
        await expectMatches(only('lastInteractionAt', 'after', withOffset(t0 - DAY * MINUTE, 2)), (s) => s.ago < DAY);
        await expectMatches(only('lastInteractionAt', 'isSet'), () => true);
        await expectMatches(only('lastInteractionAt', 'isNotSet'), []);

        const subscribedAgo = (s: Seed) => (s.unsubscribe === 'first' ? undefined : s.unsubscribe === 'later' ? s.ago + 1 : s.ago);
        await expectMatches(only('subscribedAt', 'isNotSet'), ['u07']);
        await expectMatches(only('subscribedAt', 'isSet'), (s) => subscribedAgo(s) !== undefined);
        await expectMatches(only('subscribedAt', 'withinLast', 'P2D'), (s) => (subscribedAgo(s) ?? Infinity) < 2 * DAY);
        await expectMatches(only('subscribedAt', 'notWithinLast', 'P1D'), (s) => (subscribedAgo(s) ?? Infinity) >= DAY);
        await expectMatches(only('subscribedAt', 'before', iso(30 * DAY)), (s) => (subscribedAgo(s) ?? -1) > 30 * DAY);

        // createdAt is when Roster first saw the user: during seeding.
        const seeding = new Date(t0 - 1000).toISOString();
        await expectMatches(only('createdAt', 'after', seeding), () => true);
        await expectMatches(only('createdAt', 'before', seeding), []);
        await expectMatches(only('createdAt', 'withinLast', 'PT1H'), () => true);
        await expectMatches(only('createdAt', 'notWithinLast', 'PT1H'), []);
        await expectMatches(only('createdAt', 'isNotSet'), []);
      });

      it('fields.<text>: as name (case-insensitive); negatives match users without the value', async () => {
        const nick = (s: Seed) => (s.fields?.nickname as string | undefined)?.toLowerCase();
        await expectMatches(only('fields.nickname', 'is', 'HUGO'), ['u09']);
        await expectMatches(only('fields.nickname', 'isNot', 'hugo'), (s) => nick(s) !== 'hugo');
        await expectMatches(only('fields.nickname', 'contains', 'GRACE'), ['u08']);
        await expectMatches(only('fields.nickname', 'notContains', 'A'), (s) => !(nick(s) ?? '').includes('a'));
        await expectMatches(only('fields.nickname', 'startsWith', 'ann'), ['u01']);
        await expectMatches(only('fields.nickname', 'isSet'), ['u01', 'u08', 'u09']);
        await expectMatches(only('fields.nickname', 'isNotSet'), (s) => nick(s) === undefined);
      });

      it('fields.<number>: eq, neq, gt, gte, lt, lte, isSet, isNotSet', async () => {
        const score = (s: Seed) => s.fields?.score as number | undefined;
        const num = (test: (n: number) => boolean) => (s: Seed) => score(s) !== undefined && test(score(s)!);
        await expectMatches(only('fields.score', 'eq', 40), ['u02']);
        await expectMatches(only('fields.score', 'eq', 0), ['u07']);
        await expectMatches(only('fields.score', 'neq', 40), (s) => score(s) !== 40);
        await expectMatches(only('fields.score', 'gt', 75.5), ['u01', 'u08']);
        await expectMatches(only('fields.score', 'gte', 75.5), ['u01', 'u03', 'u08']);
        await expectMatches(only('fields.score', 'lt', 20), num((n) => n < 20));
        await expectMatches(only('fields.score', 'lte', 40), num((n) => n <= 40));
        await expectMatches(only('fields.score', 'isSet'), num(() => true));
        await expectMatches(only('fields.score', 'isNotSet'), (s) => score(s) === undefined);
      });

      it('fields.<date>: on, before, after, withinLast, notWithinLast, isSet, isNotSet', async () => {
        const birthday = (s: Seed) => s.fields?.birthday as string | undefined;
        await expectMatches(only('fields.birthday', 'on', '1990-05-01'), ['u01']);
        await expectMatches(only('fields.birthday', 'before', '1950-01-01'), ['u08']);
        await expectMatches(only('fields.birthday', 'after', '1985-01-01'), (s) => (birthday(s) ?? '') > '1985-01-01');
        await expectMatches(only('fields.birthday', 'withinLast', 'P30D'), ['u12']);
        await expectMatches(only('fields.birthday', 'notWithinLast', 'P30D'), (s) => s.key !== 'u12');
        await expectMatches(only('fields.birthday', 'isSet'), (s) => birthday(s) !== undefined);
        await expectMatches(only('fields.birthday', 'isNotSet'), (s) => birthday(s) === undefined);
      });

      it('fields.<datetime>: before, after, withinLast, notWithinLast, isSet, isNotSet', async () => {
        const orderAgo = (s: Seed) => s.lastOrderAgo;
        await expectMatches(only('fields.last_order', 'before', iso(10 * DAY)), ['u04']);
        await expectMatches(only('fields.last_order', 'after', iso(DAY)), (s) => (orderAgo(s) ?? Infinity) < DAY);
        await expectMatches(only('fields.last_order', 'withinLast', 'P7D'), (s) => (orderAgo(s) ?? Infinity) < 7 * DAY);
        await expectMatches(only('fields.last_order', 'notWithinLast', 'P7D'), (s) => (orderAgo(s) ?? Infinity) >= 7 * DAY);
        await expectMatches(only('fields.last_order', 'isSet'), (s) => orderAgo(s) !== undefined);
        await expectMatches(only('fields.last_order', 'isNotSet'), (s) => orderAgo(s) === undefined);
      });

      it('fields.<boolean>: isTrue, isFalse, isSet, isNotSet', async () => {
        const vip = (s: Seed) => s.fields?.vip as boolean | undefined;
        await expectMatches(only('fields.vip', 'isTrue'), (s) => vip(s) === true);
        await expectMatches(only('fields.vip', 'isFalse'), ['u04']);
        await expectMatches(only('fields.vip', 'isSet'), (s) => vip(s) !== undefined);
        await expectMatches(only('fields.vip', 'isNotSet'), (s) => vip(s) === undefined);
      });

      it('combines conditions with all / any, nested', async () => {
        await expectMatches({ all: [condition('tag', 'hasAny', ['vip']), condition('language', 'is', 'nl')] }, ['u01', 'u02']);
        await expectMatches({ any: [condition('name', 'contains', 'jansen'), condition('fields.score', 'gte', 100)] }, ['u01', 'u08', 'u09']);
        await expectMatches(
          {
            any: [
              { all: [condition('tag', 'hasAny', ['vip']), condition('language', 'is', 'nl')] },
              { all: [condition('channel', 'is', 'instagram'), condition('fields.score', 'gte', 70)] },
            ],
          },
          ['u01', 'u02', 'u03'],
        );
        await expectMatches(
          { all: [condition('status', 'is', 'subscribed'), { any: [condition('timezone', 'is', 'America/New_York'), { all: [condition('gender', 'is', 'male'), condition('lastName', 'is', 'lee')] }] }] },
          ['u08', 'u10', 'u11'],
        );
        await expectMatches({ all: [{ all: [] }, condition('firstName', 'is', 'eve')] }, ['u06']);
      });

      it('accepts 5 levels of groups and 50 conditions', async () => {
        const deep = { all: [{ any: [{ all: [{ any: [{ all: [condition('tag', 'hasAll', ['vip', 'newsletter'])] }] }] }] }] };
        await expectMatches(deep, ['u01']);
        const fifty = { any: Array.from({ length: 50 }, (_, i) => condition('fields.score', 'eq', i)) };
        await expectMatches(fifty, (s) => typeof s.fields?.score === 'number' && Number.isInteger(s.fields.score) && (s.fields.score as number) < 50);
      });
    });

    describe('sorting', () => {
      const sorts: { by: SortBy; value: (u: Summary) => string | null }[] = [
        { by: 'lastInteractionAt', value: (u) => u.lastInteractionAt },
        { by: 'subscribedAt', value: (u) => u.subscribedAt },
        { by: 'name', value: (u) => u.name?.toLowerCase() ?? null },
      ];

      for (const { by, value } of sorts) {
        for (const order of ['asc', 'desc'] as const) {
          it(`sorts by ${by} ${order}, ties broken by id`, async () => {
            const items = await search({ sort: { by, order } });
            expect(sorted(keysOf(items))).toEqual(sorted(seeds.map((s) => s.key)));
            expectOrdered(items, value, order);
          });
        }
      }

      it('has ties to break in the seed: same lastInteractionAt, same subscribedAt, same name', async () => {
        const [a, b, c] = ['u10', 'u11', 'u12'].map((k) => byKey.get(k)!);
        expect(a!.lastInteractionAt).toBe(c!.lastInteractionAt);
        expect(b!.subscribedAt).toBe(c!.subscribedAt);
        expect(a!.name).toBe(b!.name);
        const asc = keysOf(await search({ filter: only('name', 'is', 'sam lee'), sort: { by: 'name', order: 'asc' } }));
        const desc = keysOf(await search({ filter: only('name', 'is', 'sam lee'), sort: { by: 'name', order: 'desc' } }));
        const byId = ['u10', 'u11'].sort((x, y) => compare(byKey.get(x)!.id, byKey.get(y)!.id));
        expect(asc).toEqual(byId);
        expect(desc).toEqual([...byId].reverse());
      });

      it('sorts a filtered search too', async () => {
        const filter = only('tag', 'hasAny', ['lead', 'newsletter']);
        const items = await search({ filter, sort: { by: 'name', order: 'asc' } });
        expect(sorted(keysOf(items))).toEqual(sorted(expectedKeys((s) => (s.tags ?? []).some((t) => ['lead', 'newsletter'].includes(t.toLowerCase())))));
        expectOrdered(items, (u) => u.name?.toLowerCase() ?? null, 'asc');
      });
    });

    describe('keyset pagination', () => {
      const walks: { what: string; body: Record<string, unknown> }[] = [
        { what: 'no filter, default sort', body: {} },
        { what: 'no filter, lastInteractionAt asc', body: { sort: { by: 'lastInteractionAt', order: 'asc' } } },
        { what: 'no filter, subscribedAt desc', body: { sort: { by: 'subscribedAt', order: 'desc' } } },
        { what: 'no filter, subscribedAt asc', body: { sort: { by: 'subscribedAt', order: 'asc' } } },
        { what: 'no filter, name asc', body: { sort: { by: 'name', order: 'asc' } } },
        { what: 'no filter, name desc', body: { sort: { by: 'name', order: 'desc' } } },
        { what: 'a negative filter, name desc', body: { filter: only('language', 'notIn', ['en']), sort: { by: 'name', order: 'desc' } } },
        { what: 'withinLast, subscribedAt asc', body: { filter: only('lastInteractionAt', 'withinLast', 'P7D'), sort: { by: 'subscribedAt', order: 'asc' } } },
      ];

      for (const { what, body } of walks) {
        it(`walks every page with small limits, each match exactly once (${what})`, async () => {
          const all = await search(body);
          const total = await count(body.filter === undefined ? {} : { filter: body.filter });
          expect(all).toHaveLength(total);
          for (const limit of [1, 2, 3, 7]) {
            const walked = await walk(body, limit);
            expect({ limit, ids: walked.map((u) => u.id) }).toEqual({ limit, ids: all.map((u) => u.id) });
          }
        });
      }

      it('keeps a cursor good with another limit', async () => {
        const body = { sort: { by: 'name', order: 'asc' } };
        const all = await search(body);
        const first = await bot.api.post(searchPath(), { ...body, limit: 4 });
        const rest = await bot.api.post(searchPath(), { ...body, limit: 500, cursor: first.json.nextCursor });
        expect(rest.status).toBe(200);
        expect([...first.json.items, ...rest.json.items].map((u: Summary) => u.id)).toEqual(all.map((u) => u.id));
        expect(rest.json.nextCursor).toBeNull();
      });

      it('answers 400 naming the cursor to a garbage cursor or one of another search, sort or bot', async () => {
        const byName = await bot.api.post(searchPath(), { sort: { by: 'name', order: 'asc' }, limit: 2 });
        const cursor = byName.json.nextCursor as string;
        expect(cursor).toEqual(expect.any(String));
        const otherPage = await other.api.post(searchPath(other.id), { limit: 1 });
        expect(otherPage.status).toBe(200);
        const foreign = otherPage.json.nextCursor as string;
        expect(foreign).toEqual(expect.any(String));

        const bad: [string, Record<string, unknown>][] = [
          ['garbage', { cursor: 'garbage' }],
          ['not base64', { cursor: '!!!***' }],
          ['base64 of {}', { cursor: Buffer.from('{}').toString('base64url') }],
          ['another sort field', { cursor, sort: { by: 'subscribedAt', order: 'asc' } }],
          ['another order', { cursor, sort: { by: 'name', order: 'desc' } }],
          ['another filter', { cursor, sort: { by: 'name', order: 'asc' }, filter: only('tag', 'hasAny', ['vip']) }],
          ['another bot', { cursor: foreign }],
        ];
        for (const [what, body] of bad) expectErrorPaths(await bot.api.post(searchPath(), body), ['cursor'], what);
        // A cursor is not accepted on the other bot's side either.
        expectErrorPaths(await other.api.post(searchPath(other.id), { cursor, sort: { by: 'name', order: 'asc' } }), ['cursor'], 'this bot\'s cursor on the other bot');
      });
    });

    describe('invalid input', () => {
      it('lists several problems with their paths in one 400', async () => {
        const filter = {
          all: [
            condition('favouriteColour', 'is', 'red'),
            { any: [condition('language', 'gt', 'nl')] },
            condition('tag', 'hasAny', 'vip'),
            condition('fields.nope', 'isSet'),
            condition('fields.score', 'contains', '1'),
            condition('fields.score', 'gt', '10'),
          ],
        };
        const expected = ['filter.all.0.field', 'filter.all.1.any.0.op', 'filter.all.2.value', 'filter.all.3.field', 'filter.all.4.op', 'filter.all.5.value'];
        const res = await bot.api.post(searchPath(), { filter });
        expectProblem(res, 400);
        expect(sorted(res.json.errors.map((e: { path: string }) => e.path))).toEqual(sorted(expected));
        for (const error of res.json.errors) expect(error.message).toEqual(expect.any(String));
        const counted = await bot.api.post(countPath(), { filter });
        expectProblem(counted, 400);
        expect(sorted(counted.json.errors.map((e: { path: string }) => e.path))).toEqual(sorted(expected));
      });

      it('answers 400 naming the condition to each kind of wrong value', async () => {
        const wrongValues: unknown[] = [
          condition('lastInteractionAt', 'withinLast', '7 days'),
          condition('lastInteractionAt', 'withinLast', 7),
          condition('createdAt', 'before', 'yesterday'),
          condition('subscribedAt', 'after'),
          condition('fields.birthday', 'on', '2020-13-01'),
          condition('fields.birthday', 'before', 20200101),
          condition('fields.last_order', 'after', 'soon'),
          condition('fields.score', 'eq'),
          condition('fields.nickname', 'contains', 12),
          condition('channel', 'in', 'messenger'),
          condition('language', 'is', ['nl']),
          condition('name', 'startsWith', null),
          condition('tag', 'hasAll', [1, 2]),
        ];
        for (const node of wrongValues) {
          const res = await bot.api.post(searchPath(), { filter: { any: [node] } });
          expectProblem(res, 400, JSON.stringify(node));
          // The condition's value, or somewhere inside it (`filter.any.0.value.1`).
          const paths = new Set(res.json.errors.map((e: { path: string }) => e.path.replace(/^(filter\.any\.0\.value)\..*$/, '$1')));
          expect({ node, paths: [...paths] }).toEqual({ node, paths: ['filter.any.0.value'] });
        }
        const wrongOps: unknown[] = [
          condition('tag', 'is', 'vip'),
          condition('fields.vip', 'eq', true),
          condition('fields.birthday', 'contains', '19'),
          condition('fields.last_order', 'on', '2026-01-01'),
          condition('lastInteractionAt', 'on', '2026-01-01'),
          condition('status', 'contains', 'sub'),
          condition('name', 'in', ['Anna Jansen']),
          condition('email', 'matches', '.*'),
        ];
        for (const node of wrongOps) {
          expectErrorPaths(await bot.api.post(searchPath(), { filter: { any: [node] } }), ['filter.any.0.op'], JSON.stringify(node));
        }
        // Field keys are exact, and another bot's custom field is unknown here.
        expectErrorPaths(await bot.api.post(searchPath(), { filter: only('fields.Score', 'eq', 1) }), ['filter.all.0.field'], 'fields.Score');
        expectErrorPaths(await bot.api.post(searchPath(), { filter: only('fields.loyalty', 'gt', 1) }), ['filter.all.0.field'], 'the other bot\'s field');
        expectErrorPaths(await bot.api.post(searchPath(), { filter: only('fields', 'isSet') }), ['filter.all.0.field'], 'fields');
      });

      it('answers 400 to a filter that is not a group', async () => {
        for (const filter of ['tag=vip', 42, [], condition('tag', 'hasAny', ['vip']), { all: 'x' }, { all: [], any: [] }, { some: [] }]) {
          const res = await bot.api.post(searchPath(), { filter });
          expectProblem(res, 400, JSON.stringify(filter));
          for (const error of res.json.errors) expect(error.path).toMatch(/^filter(\.|$)/);
        }
      });

      it('answers 400 to more than 5 levels of groups and to more than 50 conditions', async () => {
        let deep: unknown = { all: [condition('tag', 'hasAny', ['vip'])] };
        for (let level = 2; level <= 6; level++) deep = level % 2 ? { all: [deep] } : { any: [deep] };
        expectProblem(await bot.api.post(searchPath(), { filter: deep }), 400, 'six levels');
        expectProblem(await bot.api.post(countPath(), { filter: deep }), 400, 'six levels, count');
        const many = { any: Array.from({ length: 51 }, (_, i) => condition('fields.score', 'eq', i)) };
        expectProblem(await bot.api.post(searchPath(), { filter: many }), 400, '51 conditions');
        const spread = { all: [{ any: Array.from({ length: 26 }, (_, i) => condition('fields.score', 'eq', i)) }, { any: Array.from({ length: 25 }, (_, i) => condition('fields.score', 'neq', i)) }] };
        expectProblem(await bot.api.post(countPath(), { filter: spread }), 400, '51 conditions in two groups');
      });

      it('checks the envelope: limit 1..500, sort, cursor, no unknown keys', async () => {
        const post = (body: unknown, headers?: Record<string, string>) => bot.api.post(searchPath(), body, headers);
        for (const limit of [0, 501, 1.5, '10', -1]) expectErrorPaths(await post({ limit }), ['limit'], `limit ${JSON.stringify(limit)}`);
        expect((await post({ limit: 500 })).status).toBe(200);
        expect((await post({ limit: 1 })).json.items).toHaveLength(1);
        expectErrorPaths(await post({ sort: { by: 'email', order: 'asc' } }), ['sort.by']);
        expectErrorPaths(await post({ sort: { by: 'name', order: 'up' } }), ['sort.order']);
        expectErrorPaths(await post({ sort: 'name' }), ['sort']);
        expectErrorPaths(await post({ cursor: 42 }), ['cursor']);
        expectErrorPaths(await post({ filters: { all: [] } }), ['(body)']);
        expectErrorPaths(await post({ limit: 0, sort: { by: 'email' } }), ['limit', 'sort.by']);
        expectProblem(await post([1, 2]), 400);
        expectProblem(await post('{"filter": ', { 'content-type': 'application/json' }), 400);
        expectProblem(await post('filter=all', { 'content-type': 'text/plain' }), 415);
        expectErrorPaths(await bot.api.post(countPath(), { filter: { all: [] }, limit: 5 }), ['(body)']);
      });
    });

    describe('saved segments', () => {
      const vipFilter = { any: [condition('tag', 'hasAny', ['vip']), condition('fields.vip', 'isTrue')] };
      const vipMatch: Match = (s) => (s.tags ?? []).some((t) => t.toLowerCase() === 'vip') || s.fields?.vip === true;
      let segment: SegmentBody;
      let second: SegmentBody;

      it('creates a segment (201) and refuses an invalid filter or name with a 400 naming the paths', async () => {
        const created = await bot.api.post(segmentsPath(), { name: 'VIPs', filter: vipFilter });
        expect(created.status).toBe(201);
        expect(created.json).toEqual({ id: expect.any(String), botId: bot.id, name: 'VIPs', filter: vipFilter, createdAt: expect.stringMatching(ISO), updatedAt: created.json.createdAt });
        segment = created.json;
        const everyone = await bot.api.post(segmentsPath(), { name: 'Everyone', filter: { all: [] } });
        expect(everyone.status).toBe(201);
        second = everyone.json;

        const invalid = await bot.api.post(segmentsPath(), {
          name: 'Broken',
          filter: { all: [condition('fields.nope', 'isSet'), { any: [condition('language', 'gt', 'nl')] }, condition('tag', 'hasAny', 'vip')] },
        });
        expectProblem(invalid, 400);
        expect(sorted(invalid.json.errors.map((e: { path: string }) => e.path))).toEqual(['filter.all.0.field', 'filter.all.1.any.0.op', 'filter.all.2.value']);
        const notAGroup = await bot.api.post(segmentsPath(), { name: 'Not a group', filter: 'tag=vip' });
        expectProblem(notAGroup, 400);
        for (const error of notAGroup.json.errors) expect(error.path).toMatch(/^filter(\.|$)/);
        expectErrorPaths(await bot.api.post(segmentsPath(), { name: '  ', filter: { all: [] } }), ['name']);
        expectErrorPaths(await bot.api.post(segmentsPath(), { filter: { all: [] } }), ['name']);
        expectErrorPaths(await bot.api.post(segmentsPath(), { name: 'x'.repeat(201), filter: { all: [] } }), ['name']);
        expectErrorPaths(await bot.api.post(segmentsPath(), { name: 'No filter' }), ['filter']);
        expectErrorPaths(await bot.api.post(segmentsPath(), { name: 'Extra', filter: { all: [] }, colour: 'red' }), ['(body)']);
        const list = await waitFor(async () => {
          const res = await bot.api.get(segmentsPath());
          return res.status === 200 && res.json.length === 2 ? res.json : undefined;
        }, { what: 'two segments listed' });
        expect(list.map((s: SegmentBody) => s.name)).not.toContain('Broken');
      });

      it('lists and gets segments', async () => {
        const list = await waitFor(async () => {
          const res = await bot.api.get(segmentsPath());
          expect(res.status).toBe(200);
          return res.json.length === 2 ? (res.json as SegmentBody[]) : undefined;
        }, { what: 'two segments listed' });
        expect([...list].sort((a, b) => compare(a.id, b.id))).toEqual([segment, second].sort((a, b) => compare(a.id, b.id)));
        const got = await bot.api.get(`${segmentsPath()}/${segment.id}`);
        expect(got.status).toBe(200);
        expect(got.json).toEqual(segment);
        expect((await other.api.get(segmentsPath(other.id))).json).toEqual([]);
      });

      it('searches and counts through a segment, with sort and pages', async () => {
        const path = `${segmentsPath()}/${segment.id}/users`;
        const items = await search({}, bot.api, `${path}/search`);
        expect(sorted(keysOf(items))).toEqual(sorted(expectedKeys(vipMatch)));
        expect(items).toEqual(await search({ filter: vipFilter }));
        expect(await count({}, `${path}/count`)).toBe(items.length);
        const byName = await search({ sort: { by: 'name', order: 'asc' } }, bot.api, `${path}/search`);
        expectOrdered(byName, (u) => u.name?.toLowerCase() ?? null, 'asc');
        const walked = await walk({ sort: { by: 'name', order: 'asc' } }, 1, `${path}/search`);
        expect(walked.map((u) => u.id)).toEqual(byName.map((u) => u.id));
        const everyone = `${segmentsPath()}/${second.id}/users`;
        expect(await count({}, `${everyone}/count`)).toBe(seeds.length);
        expect((await bot.api.post(`${everyone}/count`)).json).toEqual({ count: seeds.length });
        // The segment's routes take no filter; their own envelope is checked.
        expectErrorPaths(await bot.api.post(`${path}/search`, { filter: { all: [] } }), ['(body)']);
        expectErrorPaths(await bot.api.post(`${path}/search`, { limit: 0 }), ['limit']);
        expectErrorPaths(await bot.api.post(`${path}/search`, { cursor: 'garbage' }), ['cursor']);
        expectErrorPaths(await bot.api.post(`${path}/count`, { filter: { all: [] } }), ['(body)']);
      });

      it('renames a segment and changes its filter (validated again; an invalid one changes nothing)', async () => {
        const path = `${segmentsPath()}/${segment.id}`;
        await new Promise((r) => setTimeout(r, 10)); // updatedAt visibly later
        const renamed = await bot.api.call('PATCH', path, { name: 'Very important' });
        expect(renamed.status).toBe(200);
        expect(renamed.json).toMatchObject({ id: segment.id, botId: bot.id, name: 'Very important', filter: vipFilter, createdAt: segment.createdAt });
        expect(Date.parse(renamed.json.updatedAt)).toBeGreaterThan(Date.parse(segment.createdAt));

        const invalid = await bot.api.call('PATCH', path, { filter: { any: [condition('fields.score', 'isTrue'), condition('nope', 'isSet')] } });
        expectProblem(invalid, 400);
        expect(sorted(invalid.json.errors.map((e: { path: string }) => e.path))).toEqual(['filter.any.0.op', 'filter.any.1.field']);
        expectErrorPaths(await bot.api.call('PATCH', path, { name: '' }), ['name']);
        expectErrorPaths(await bot.api.call('PATCH', path, { name: 'ok', colour: 'red' }), ['(body)']);
        expect((await bot.api.get(path)).json).toEqual(renamed.json);

        const dutch = { all: [condition('language', 'is', 'nl')] };
        const refiltered = await bot.api.call('PATCH', path, { filter: dutch });
        expect(refiltered.status).toBe(200);
        expect(refiltered.json).toMatchObject({ id: segment.id, name: 'Very important', filter: dutch });
        expect((await bot.api.get(path)).json).toEqual(refiltered.json);
        const dutchKeys = expectedKeys((s) => s.profile?.language === 'nl');
        expect(sorted(keysOf(await search({}, bot.api, `${path}/users/search`)))).toEqual(sorted(dutchKeys));
        expect(await count({}, `${path}/users/count`)).toBe(dutchKeys.length);

        const both = await bot.api.call('PATCH', path, { name: 'Dutch VIPs', filter: { all: [dutch, vipFilter] } });
        expect(both.status).toBe(200);
        expect(both.json).toMatchObject({ name: 'Dutch VIPs', filter: { all: [dutch, vipFilter] } });
        expect(sorted(keysOf(await search({}, bot.api, `${path}/users/search`)))).toEqual(['u01', 'u02']);
        segment = both.json;
        await waitFor(async () => {
          const list = (await bot.api.get(segmentsPath())).json as SegmentBody[];
          return list.some((s) => s.id === segment.id && s.name === 'Dutch VIPs');
        }, { what: 'the renamed segment in the list' });
      });

      it('deletes a segment (204); then it is 404 on every route', async () => {
        const path = `${segmentsPath()}/${second.id}`;
        const deleted = await bot.api.call('DELETE', path);
        expect(deleted.status).toBe(204);
        expect(deleted.text).toBe('');
        for (const [method, route, body] of segmentRoutes(bot.id, second.id)) {
          expectProblem(await bot.api.call(method, route, body), 404, `${method} ${route}`);
        }
        await waitFor(async () => {
          const list = (await bot.api.get(segmentsPath())).json as SegmentBody[];
          return list.length === 1 && list[0]!.id === segment.id;
        }, { what: 'the deleted segment gone from the list' });
        const unknown = '00000000-0000-4000-8000-000000000000';
        for (const [method, route, body] of [...segmentRoutes(bot.id, unknown), ...segmentRoutes(bot.id, 'not-a-segment-id')]) {
          expectProblem(await bot.api.call(method, route, body), 404, `${method} ${route}`);
        }
      });
    });

    describe('tenancy and auth', () => {
      const routes = (botId: string, segmentId: string): Route[] => [
        ['POST', `/v1/bots/${botId}/users/search`, { filter: { all: [] } }],
        ['POST', `/v1/bots/${botId}/users/count`, { filter: { all: [] } }],
        ['POST', `/v1/bots/${botId}/segments`, { name: 'Sneaky', filter: { all: [] } }],
        ['GET', `/v1/bots/${botId}/segments`],
        ...segmentRoutes(botId, segmentId),
      ];

      it('answers 404 to another bot\'s key on every route, and changes nothing', async () => {
        const segment = ((await bot.api.get(segmentsPath())).json as SegmentBody[])[0]!;
        const before = await bot.api.get(`${segmentsPath()}/${segment.id}`);
        for (const [method, path, body] of routes(bot.id, segment.id)) {
          expectProblem(await other.api.call(method, path, body), 404, `${method} ${path}`);
        }
        // On its own bot's paths, this bot's segment does not exist for it.
        for (const [method, path, body] of segmentRoutes(other.id, segment.id)) {
          expectProblem(await other.api.call(method, path, body), 404, `${method} ${path}`);
        }
        expect((await bot.api.get(`${segmentsPath()}/${segment.id}`)).json).toEqual(before.json);
        expect(((await bot.api.get(segmentsPath())).json as SegmentBody[]).map((s) => s.name)).not.toContain('Sneaky');
        // The other bot's searches only ever see its own users.
        const theirs = await other.api.post(searchPath(other.id), { filter: only('name', 'is', 'anna jansen'), limit: 500 });
        expect(theirs.status).toBe(200);
        expect(sorted(theirs.json.items.map((u: Summary) => u.channelUserId))).toEqual(['o1', 'o2', 'o3']);
        expect((await other.api.post(countPath(other.id), { filter: only('tag', 'hasAny', ['vip']) })).json).toEqual({ count: 1 });
      });

      it('answers 401 without a key or with an unknown key on every route', async () => {
        const segment = ((await bot.api.get(segmentsPath())).json as SegmentBody[])[0]!;
        const stranger = anonymous.as('rk_abcdefgh.abcdefghijabcdefghijabcdefghij');
        for (const [method, path, body] of routes(bot.id, segment.id)) {
          expectProblem(await anonymous.call(method, path, body), 401, `${method} ${path}`);
          expectProblem(await stranger.call(method, path, body), 401, `${method} ${path}`);
        }
      });

      it('lets the admin key search and manage segments of any bot', async () => {
        expect((await admin.post(countPath(), {})).json).toEqual({ count: seeds.length });
        const created = await admin.post(segmentsPath(), { name: 'By admin', filter: only('status', 'is', 'unsubscribed') });
        expect(created.status).toBe(201);
        expect(await count({}, `${segmentsPath()}/${created.json.id}/users/count`)).toBe(expectedKeys((s) => statusOf(s) === 'unsubscribed').length);
        expect((await admin.call('DELETE', `${segmentsPath()}/${created.json.id}`)).status).toBe(204);
      });
    });

    it('documents every new path in the OpenAPI document', async () => {
      const openapi = await anonymous.get('/docs/openapi.json');
      expect(Object.keys(openapi.json.paths)).toEqual(
        expect.arrayContaining([
          '/v1/bots/{botId}/users/search',
          '/v1/bots/{botId}/users/count',
          '/v1/bots/{botId}/segments',
          '/v1/bots/{botId}/segments/{segmentId}',
          '/v1/bots/{botId}/segments/{segmentId}/users/search',
          '/v1/bots/{botId}/segments/{segmentId}/users/count',
        ]),
      );
    });

    // Last: it changes users. api.md: "walking all pages returns every match exactly once even while users change".
    it('returns every match exactly once while users change during the walk', async () => {
      const movers = await createBot(admin, 'Moving bot');
      const start = Date.now();
      const events = Array.from({ length: 12 }, (_, i) => event({ channelUserId: `m${String(i).padStart(2, '0')}`, occurredAt: new Date(start - (i + 1) * HOUR * MINUTE).toISOString() }));
      expect((await movers.api.post(`/v1/bots/${movers.id}/events`, { events })).status).toBe(202);
      const before = await waitFor(async () => {
        const items = await listAll(movers);
        return items.length === 12 ? items : undefined;
      }, { what: 'twelve moving users listed' });
      const path = `/v1/bots/${movers.id}/users/search`;
      const touch = async (channelUserId: string, occurredAt: string) => {
        expect((await movers.api.post(`/v1/bots/${movers.id}/events`, event({ channelUserId, occurredAt }))).status).toBe(202);
        await waitFor(async () => (await listAll(movers)).find((u) => u.channelUserId === channelUserId)?.lastInteractionAt === new Date(occurredAt).toISOString(), {
          what: `${channelUserId} moved`,
        });
      };
      const outcomes: { order: string; duplicates: string[]; missing: string[] }[] = [];
      for (const order of ['asc', 'desc'] as const) {
        const seen: Summary[] = [];
        let cursor: string | null = null;
        let page = 0;
        do {
          const res: Response = await movers.api.post(path, { sort: { by: 'lastInteractionAt', order }, limit: 3, ...(cursor ? { cursor } : {}) });
          expect(res.status).toBe(200);
          seen.push(...res.json.items);
          cursor = res.json.nextCursor;
          if (++page === 1 && cursor) {
            // One user already seen and one not yet seen both jump to "now": to the far end of the walk (asc) or its
            // start (desc).
            const seenKey = seen[0]!.channelUserId;
            const unseenKey = before.map((u) => u.channelUserId).find((k) => !seen.some((s) => s.channelUserId === k))!;
            const now = new Date().toISOString();
            await touch(seenKey, now);
            await touch(unseenKey, now);
          }
        } while (cursor && page < 50);
        const ids = seen.map((u) => u.channelUserId);
        outcomes.push({ order, duplicates: ids.filter((id, i) => ids.indexOf(id) !== i), missing: before.map((u) => u.channelUserId).filter((k) => !ids.includes(k)) });
      }
      expect(outcomes).toEqual([
        { order: 'asc', duplicates: [], missing: [] },
        { order: 'desc', duplicates: [], missing: [] },
      ]);
    });
  });
}

const MINUTE = 60_000;
const HOUR = 60;
const DAY = 24 * HOUR;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const SUMMARY_KEYS = [
  'id',
  'botId',
  'channel',
  'channelUserId',
  'name',
  'firstName',
  'lastName',
  'gender',
  'language',
  'locale',
  'timezone',
  'profilePicUrl',
  'status',
  'subscribedAt',
  'lastInteractionAt',
  'tags',
  'fields',
];

const FIELD_DEFINITIONS = [
  { key: 'nickname', label: 'Nickname', type: 'text' },
  { key: 'score', label: 'Score', type: 'number' },
  { key: 'birthday', label: 'Birthday', type: 'date' },
  { key: 'last_order', label: 'Last order', type: 'datetime' },
  { key: 'vip', label: 'VIP', type: 'boolean' },
];

type SortBy = 'lastInteractionAt' | 'subscribedAt' | 'name';
type Route = [string, string, unknown?];
type Response = Awaited<ReturnType<Api['call']>>;

interface Summary {
  id: string;
  botId: string;
  channel: string;
  channelUserId: string;
  name: string | null;
  status: string;
  subscribedAt: string | null;
  lastInteractionAt: string;
  tags: string[];
  fields: Record<string, unknown>;
  [key: string]: unknown;
}

interface SegmentBody {
  id: string;
  botId: string;
  name: string;
  filter: unknown;
  createdAt: string;
  updatedAt: string;
}

interface Profile {
  firstName?: string;
  lastName?: string;
  name?: string;
  gender?: string;
  language?: string;
  locale?: string;
  timezone?: string;
  phone?: string;
  email?: string;
}

/** One seeded user: every event of it happens `ago` minutes before seeding started. */
interface Seed {
  key: string;
  channel: 'messenger' | 'instagram' | 'whatsapp' | 'sms' | 'webchat';
  profile?: Profile;
  ago: number;
  tags?: string[];
  fields?: Record<string, unknown>;
  /** How long before seeding the `last_order` datetime field is (it is in `fields` as ISO). */
  lastOrderAgo?: number;
  sequences?: string[];
  otn?: string[];
  /** `first`: the first event is user.unsubscribed (never subscribed); `later`: subscribed a minute before. */
  unsubscribe?: 'first' | 'later';
}

type Match = (seed: Seed) => boolean;

interface Bot {
  id: string;
  api: Api;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** 12 hand-made users with the interesting values, then 18 members with rotating ones. */
function makeSeeds(t0: number): Seed[] {
  const at = (minutesAgo: number) => new Date(t0 - minutesAgo * MINUTE).toISOString();
  const order = (seed: Seed, minutesAgo: number): Seed => ({ ...seed, lastOrderAgo: minutesAgo, fields: { ...seed.fields, last_order: at(minutesAgo) } });
  const seeds: Seed[] = [
    order(
      {
        key: 'u01',
        channel: 'messenger',
        profile: { firstName: 'Anna', lastName: 'Jansen', gender: 'female', language: 'nl', locale: 'nl_NL', timezone: 'Europe/Amsterdam', email: 'anna@example.com', phone: '+31611111111' },
        ago: 10,
        tags: ['VIP', 'Newsletter'],
        fields: { score: 90, nickname: 'Annie', birthday: '1990-05-01', vip: true },
        sequences: ['seq-welcome'],
        otn: ['topic-price'],
      },
      2 * DAY,
    ),
    {
      key: 'u02',
      channel: 'messenger',
      profile: { firstName: 'Bob', lastName: 'de Vries', gender: 'male', language: 'nl', locale: 'nl_NL', timezone: 'Europe/Amsterdam', email: 'bob@shop.nl' },
      ago: 2 * HOUR,
      tags: ['vip'],
      fields: { score: 40 },
    },
    {
      key: 'u03',
      channel: 'instagram',
      profile: { firstName: 'Carla', lastName: 'Gomez', gender: 'female', language: 'es', locale: 'es_ES', timezone: 'Europe/Madrid', email: 'carla@example.es' },
      ago: 3 * DAY,
      tags: ['Newsletter'],
      fields: { score: 75.5, birthday: '1985-12-24' },
      sequences: ['seq-welcome', 'seq-promo'],
    },
    order(
      {
        key: 'u04',
        channel: 'whatsapp',
        profile: { firstName: 'David', lastName: 'Smith', gender: 'male', language: 'en', locale: 'en_GB', timezone: 'Europe/London', phone: '+447700900001', email: 'david.smith@example.co.uk' },
        ago: 8 * DAY,
        tags: ['Lead'],
        fields: { vip: false },
        otn: ['topic-price', 'topic-restock'],
      },
      20 * DAY,
    ),
    { key: 'u05', channel: 'webchat', ago: 20 },
    {
      key: 'u06',
      channel: 'sms',
      profile: { firstName: 'Eve', language: 'en', locale: 'en_US', timezone: 'America/New_York', phone: '+15550000006' },
      ago: 12 * DAY,
      tags: ['Lead', 'Churned'],
      unsubscribe: 'later',
    },
    { key: 'u07', channel: 'messenger', profile: { name: 'Frank Ocean', gender: 'male', language: 'en' }, ago: 40 * DAY, fields: { score: 0 }, unsubscribe: 'first' },
    {
      key: 'u08',
      channel: 'messenger',
      profile: { firstName: 'Grace', lastName: 'Hopper', gender: 'female', language: 'en', locale: 'en_US', timezone: 'America/New_York', email: 'grace@navy.mil' },
      ago: 27 * HOUR,
      tags: ['VIP'],
      fields: { score: 100, nickname: 'Amazing Grace', birthday: '1906-12-09', vip: true },
      sequences: ['seq-promo'],
    },
    {
      key: 'u09',
      channel: 'instagram',
      profile: { firstName: 'Hugo', lastName: 'Jansen', gender: 'male', language: 'nl', locale: 'nl_BE', timezone: 'Europe/Brussels', email: 'hugo@example.be' },
      ago: 5 * DAY,
      fields: { score: 55, nickname: 'hugo' },
      otn: ['topic-restock'],
    },
    // Ties: u10 and u11 share a name; u10, u11 and u12 share their interaction and subscription times.
    { key: 'u10', channel: 'messenger', profile: { firstName: 'Sam', lastName: 'Lee', gender: 'male', language: 'en' }, ago: 6 * HOUR },
    { key: 'u11', channel: 'messenger', profile: { firstName: 'Sam', lastName: 'Lee', gender: 'male', language: 'en' }, ago: 6 * HOUR, tags: ['Lead'] },
    {
      key: 'u12',
      channel: 'whatsapp',
      profile: { firstName: 'Ivy', lastName: 'Chen', gender: 'female', language: 'zh', locale: 'zh_CN', timezone: 'Asia/Shanghai' },
      ago: 6 * HOUR,
      fields: { birthday: dayOf(t0 - 10 * DAY * MINUTE) },
    },
  ];
  const agoHours = [3, 9, 15, 30, 50, 75, 100, 130, 175, 200, 260, 320, 400, 500, 650, 800, 1000, 1300];
  const channels = ['messenger', 'instagram', 'whatsapp', 'webchat'] as const;
  for (let n = 13; n <= 30; n++) {
    const tags = [...(n % 3 === 0 ? ['Newsletter'] : []), ...(n % 5 === 0 ? ['lead'] : [])];
    const fields: Record<string, unknown> = {
      ...(n % 2 === 0 ? { score: n } : {}),
      ...(n % 7 === 0 ? { vip: true } : {}),
      ...(n === 14 ? { birthday: dayOf(t0 - 60 * DAY * MINUTE) } : {}),
    };
    let seed: Seed = {
      key: `u${n}`,
      channel: channels[n % 4]!,
      profile: {
        firstName: 'Member',
        lastName: `N${n}`,
        ...(n % 3 === 2 ? {} : { gender: n % 3 === 0 ? 'female' : 'male' }),
        language: ['de', 'fr', 'en'][n % 3]!,
        ...(n % 5 === 1 ? { email: `member${n}@example.org` } : {}),
        ...(n % 5 === 2 ? { phone: `+491510000${n}` } : {}),
      },
      ago: agoHours[n - 13]! * HOUR,
      ...(tags.length ? { tags } : {}),
      ...(Object.keys(fields).length ? { fields } : {}),
      ...(n % 6 === 0 ? { sequences: ['seq-welcome'] } : {}),
      ...(n % 8 === 0 ? { otn: ['topic-restock'] } : {}),
      ...(n === 17 || n === 23 ? { unsubscribe: 'later' as const } : {}),
    };
    if (n % 4 === 0) seed = order(seed, n * HOUR + 30);
    seeds.push(seed);
  }
  for (const seed of seeds) {
    const observable = (seed.tags?.length ?? 0) > 0 || Object.keys(seed.fields ?? {}).length > 0 || seed.unsubscribe === 'later';
    if ((seed.sequences || seed.otn) && !observable) throw new Error(`seed ${seed.key}: sequences or topics need a later change the list shows`);
  }
  return seeds;
}

/** The events that make the seeds: the first of each user, and the rest in an order whose last item the list shows. */
function seedEvents(seeds: Seed[], t0: number): { first: unknown[]; rest: unknown[] } {
  const first: unknown[] = [];
  const rest: unknown[] = [];
  for (const seed of seeds) {
    const occurredAt = new Date(t0 - seed.ago * MINUTE).toISOString();
    const base = { channel: seed.channel, channelUserId: seed.key, occurredAt };
    const firstAt = seed.unsubscribe === 'later' ? new Date(Date.parse(occurredAt) - MINUTE).toISOString() : occurredAt;
    first.push(event({ ...base, occurredAt: firstAt, type: seed.unsubscribe === 'first' ? 'user.unsubscribed' : 'message.received', ...(seed.profile ? { profile: seed.profile } : {}) }));
    for (const sequenceId of seed.sequences ?? []) rest.push(event({ ...base, type: 'sequence.subscribed', sequenceId, sequenceName: `Sequence ${sequenceId}` }));
    for (const topicId of seed.otn ?? []) rest.push(event({ ...base, type: 'otn.optin', topicId }));
    for (const tag of seed.tags ?? []) rest.push(event({ ...base, type: 'tag.added', tag }));
    for (const [key, value] of Object.entries(seed.fields ?? {})) rest.push(event({ ...base, type: 'field.set', key, value }));
    if (seed.unsubscribe === 'later') rest.push(event({ ...base, type: 'user.unsubscribed' }));
  }
  return { first, rest };
}

const statusOf = (seed: Seed) => (seed.unsubscribe ? 'unsubscribed' : 'subscribed');
const nameOf = (seed: Seed) => seed.profile?.name ?? ([seed.profile?.firstName, seed.profile?.lastName].filter(Boolean).join(' ') || null);
const sorted = (values: string[]) => [...values].sort();
const sameTags = (actual: string[], expected: string[]) => sorted(actual.map((t) => t.toLowerCase())).join() === sorted(expected.map((t) => t.toLowerCase())).join();
/** Code-point order, as ids and lower-cased names compare. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** An instant written with a UTC offset of `hours` (same instant as `ms`). */
function withOffset(ms: number, hours: number): string {
  const local = new Date(ms + hours * 3_600_000).toISOString().slice(0, 19);
  const sign = hours >= 0 ? '+' : '-';
  return `${local}${sign}${String(Math.abs(hours)).padStart(2, '0')}:00`;
}

/**
 * Items are in `order` by `value`, ties by id in the same direction. Users without the value (api.md does not say
 * where they go) must be together at one end, themselves in id order.
 */
function expectOrdered(items: Summary[], value: (u: Summary) => string | null, order: 'asc' | 'desc'): void {
  const sign = order === 'asc' ? 1 : -1;
  const withValue = items.filter((u) => value(u) !== null);
  const without = items.filter((u) => value(u) === null);
  const expected = [...withValue].sort((a, b) => sign * (compare(value(a)!, value(b)!) || compare(a.id, b.id)));
  expect(withValue.map((u) => u.id)).toEqual(expected.map((u) => u.id));
  const ids = items.map((u) => u.id);
  const positions = without.map((u) => ids.indexOf(u.id));
  if (positions.length > 0) {
    const atStart = positions.every((p, i) => p === i);
    const atEnd = positions.every((p, i) => p === items.length - without.length + i);
    expect({ nullsTogetherAtOneEnd: atStart || atEnd }).toEqual({ nullsTogetherAtOneEnd: true });
    expect(without.map((u) => u.id)).toEqual([...without].sort((a, b) => sign * compare(a.id, b.id)).map((u) => u.id));
  }
}

function segmentRoutes(botId: string, segmentId: string): Route[] {
  const path = `/v1/bots/${botId}/segments/${segmentId}`;
  return [
    ['GET', path],
    ['PATCH', path, { name: 'Sneaky rename' }],
    ['DELETE', path],
    ['POST', `${path}/users/search`, {}],
    ['POST', `${path}/users/count`],
  ];
}

function expectProblem(res: Response, status: number, what = ''): void {
  expect({ what, status: res.status, errors: status === res.status ? undefined : res.json?.errors }).toEqual({ what, status, errors: undefined });
  expect(res.contentType).toContain('application/problem+json');
  expect(res.json).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
}

/** A 400 whose errors name at least these paths. */
function expectErrorPaths(res: Response, paths: string[], what = ''): void {
  expectProblem(res, 400, what);
  expect({ what, paths: res.json.errors.map((e: { path: string }) => e.path) }).toEqual({ what, paths: expect.arrayContaining(paths) });
  expect(res.json.errors.length).toBeGreaterThan(0);
}

const listAll = async (bot: Bot): Promise<Summary[]> => listAllUsers(bot.api, bot.id);
