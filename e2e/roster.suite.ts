import { waitFor } from '@roster/testing';
import { Api, createBot, event, listAllUsers } from './support/api';

/** Every user of a bot (re-exported for the distributed spec). */
export const listAll = listAllUsers;
import { E2E_BODY_LIMIT, type Deployment } from './support/deployment';

/**
 * The end-to-end behaviour both modes must show (issue "Foundation"): the same suite runs against the embedded
 * process and against six processes over NATS.
 */
export function rosterSuite(mode: string, start: () => Promise<Deployment>, extra?: (ctx: () => Context) => void): void {
  describe(`Roster end to end (${mode})`, () => {
    jest.setTimeout(60_000);
    const ctx = {} as Context;

    beforeAll(async () => {
      ctx.deployment = await start();
      ctx.admin = new Api(ctx.deployment.baseUrl, ctx.deployment.adminKey);
      ctx.anonymous = new Api(ctx.deployment.baseUrl);
      ctx.bot = await createBot(ctx.admin, 'Shop bot');
      ctx.other = await createBot(ctx.admin, 'Other bot');
    }, 120_000);

    afterAll(async () => {
      await ctx.deployment?.stop();
    }, 60_000);

    it('answers liveness and readiness, and serves the OpenAPI document', async () => {
      expect((await ctx.anonymous.get('/health/live')).status).toBe(200);
      const ready = await ctx.anonymous.get('/health/ready');
      expect(ready.status).toBe(200);
      expect(Object.keys(ready.json.services).sort()).toEqual(['compliance', 'gateway', 'import', 'ingestion', 'segmentation', 'user-profile']);
      const openapi = await ctx.anonymous.get('/docs/openapi.json');
      expect(openapi.status).toBe(200);
      expect(Object.keys(openapi.json.paths)).toEqual(expect.arrayContaining(['/v1/bots', '/v1/bots/{botId}/users', '/v1/bots/{botId}/events']));
    });

    it('refuses calls without a key or with an unknown key (401, problem+json)', async () => {
      const missing = await ctx.anonymous.get(`/v1/bots/${ctx.bot.id}/users`);
      expect(missing.status).toBe(401);
      expect(missing.contentType).toContain('application/problem+json');
      expect(missing.json).toMatchObject({ status: 401, title: expect.any(String), detail: expect.any(String) });
      expect((await ctx.anonymous.as('rk_abcdefgh.abcdefghijabcdefghijabcdefghij').get(`/v1/bots/${ctx.bot.id}`)).status).toBe(401);
    });

    it('lets only the admin key create bots and keys; a bot key cannot', async () => {
      expect((await ctx.bot.api.post('/v1/bots', { name: 'Sneaky' })).status).toBe(404);
      expect((await ctx.bot.api.post(`/v1/bots/${ctx.bot.id}/api-keys`)).status).toBe(404);
      const bad = await ctx.admin.post('/v1/bots', { name: '', timezone: 'Nowhere/City' });
      expect(bad.status).toBe(400);
      expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['name', 'timezone']);
      const bot = await ctx.bot.api.get(`/v1/bots/${ctx.bot.id}`);
      expect(bot.status).toBe(200);
      expect(bot.json).toMatchObject({ id: ctx.bot.id, name: 'Shop bot' });
    });

    it('lists users within a second of their events arriving, newest interaction first', async () => {
      const api = ctx.bot.api;
      const ada = event({ channelUserId: 'ada-1', occurredAt: '2026-11-20T10:00:00Z', profile: { firstName: 'Ada', lastName: 'Lovelace', timezone: 'Europe/London' } });
      const bob = event({ channelUserId: 'bob-1', occurredAt: '2026-11-21T10:00:00Z', profile: { firstName: 'Bob' } });
      const res = await api.post(`/v1/bots/${ctx.bot.id}/events`, { events: [ada, bob] });
      expect(res.status).toBe(202);
      expect(res.json).toEqual({ accepted: 2, duplicates: 0 });
      const started = Date.now();
      const list = await waitFor(async () => {
        const page = await api.get(`/v1/bots/${ctx.bot.id}/users?limit=50`);
        return page.json.items.length >= 2 ? page.json : undefined;
      }, { timeoutMs: 5000, what: 'two users listed' });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(list.items.map((u: { firstName: string }) => u.firstName)).toEqual(['Bob', 'Ada']);
      const adaSummary = list.items[1];
      expect(adaSummary).toMatchObject({ botId: ctx.bot.id, channel: 'messenger', channelUserId: 'ada-1', name: 'Ada Lovelace', status: 'subscribed', lastInteractionAt: '2026-11-20T10:00:00.000Z', tags: [], fields: {} });
      const detail = await api.get(`/v1/bots/${ctx.bot.id}/users/${adaSummary.id}`);
      expect(detail.status).toBe(200);
      expect(detail.json).toMatchObject({ id: adaSummary.id, firstName: 'Ada', timezone: 'Europe/London', identities: [{ channel: 'messenger', channelUserId: 'ada-1' }], version: 1 });
      expect(detail.json.localTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    });

    it('pages the list with keyset cursors, every user exactly once', async () => {
      const api = ctx.bot.api;
      const events = Array.from({ length: 7 }, (_, i) => event({ channelUserId: `page-${i}`, occurredAt: `2026-11-10T10:00:0${i}Z` }));
      await api.post(`/v1/bots/${ctx.bot.id}/events`, { events });
      await waitFor(async () => (await api.get(`/v1/bots/${ctx.bot.id}/users?limit=500`)).json.items.length >= 9, { what: 'nine users' });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await api.get(`/v1/bots/${ctx.bot.id}/users?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(page.status).toBe(200);
        seen.push(...page.json.items.map((u: { id: string }) => u.id));
        cursor = page.json.nextCursor;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(9);
      expect((await api.get(`/v1/bots/${ctx.bot.id}/users?cursor=garbage`)).status).toBe(400);
      expect((await api.get(`/v1/bots/${ctx.bot.id}/users?limit=0`)).status).toBe(400);
    });

    it('counts the same eventId twice once', async () => {
      const api = ctx.bot.api;
      const once = event({ channelUserId: 'dup-user', occurredAt: '2026-11-22T10:00:00Z' });
      expect((await api.post(`/v1/bots/${ctx.bot.id}/events`, once)).json).toEqual({ accepted: 1, duplicates: 0 });
      expect((await api.post(`/v1/bots/${ctx.bot.id}/events`, once)).json).toEqual({ accepted: 0, duplicates: 1 });
      expect((await api.post(`/v1/bots/${ctx.bot.id}/events`, { events: [once, once] })).json).toEqual({ accepted: 0, duplicates: 2 });
      const user = await waitFor(async () => findUser(api, ctx.bot.id, 'dup-user'), { what: 'dup-user listed' });
      const detail = await api.get(`/v1/bots/${ctx.bot.id}/users/${user.id}`);
      expect(detail.json.version).toBe(1);
    });

    it('makes one user of 200 concurrent first events from the same channel user', async () => {
      const api = ctx.bot.api;
      const times = Array.from({ length: 200 }, (_, i) => new Date(Date.UTC(2026, 10, 23, 10, 0, i % 60, i)).toISOString());
      const latest = [...times].sort().at(-1);
      const results = await Promise.all(times.map((occurredAt) => api.post(`/v1/bots/${ctx.bot.id}/events`, event({ channelUserId: 'crowd-1', occurredAt }))));
      expect(results.every((r) => r.status === 202 && r.json.accepted === 1)).toBe(true);
      await waitFor(async () => {
        const crowd = (await listAll(api, ctx.bot.id)).filter((u) => u.channelUserId === 'crowd-1');
        return crowd.length === 1 && crowd[0].lastInteractionAt === latest;
      }, { timeoutMs: 15_000, what: 'one crowd user with the latest interaction' });
      const all = await listAll(api, ctx.bot.id);
      expect(all.filter((u) => u.channelUserId === 'crowd-1')).toHaveLength(1);
    });

    it('answers 404 to another bot\'s key, as if the bot did not exist', async () => {
      const mine = await waitFor(async () => findUser(ctx.bot.api, ctx.bot.id, 'ada-1'), { what: 'ada listed' });
      const other = ctx.other.api;
      for (const res of [
        await other.get(`/v1/bots/${ctx.bot.id}`),
        await other.get(`/v1/bots/${ctx.bot.id}/users`),
        await other.get(`/v1/bots/${ctx.bot.id}/users/${mine.id}`),
        await other.post(`/v1/bots/${ctx.bot.id}/events`, event()),
        await other.get(`/v1/bots/${ctx.other.id}/users/${mine.id}`),
      ]) {
        expect(res.status).toBe(404);
        expect(res.contentType).toContain('application/problem+json');
      }
      expect((await ctx.admin.get('/v1/bots/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    });

    it('rejects a malformed event with a 400 naming the bad field, and records nothing', async () => {
      const api = ctx.bot.api;
      const good = event({ channelUserId: 'never-recorded' });
      const bad = event({ channelUserId: 'never-recorded-2', occurredAt: 'yesterday', channel: 'pigeon' });
      const res = await api.post(`/v1/bots/${ctx.bot.id}/events`, { events: [good, bad] });
      expect(res.status).toBe(400);
      expect(res.contentType).toContain('application/problem+json');
      expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['events.1.channel']));
      const notJson = await api.post(`/v1/bots/${ctx.bot.id}/events`, '{"events": [', { 'content-type': 'application/json' });
      expect(notJson.status).toBe(400);
      const wrongType = await api.post(`/v1/bots/${ctx.bot.id}/events`, 'eventId=1', { 'content-type': 'text/plain' });
      expect(wrongType.status).toBe(415);
      const huge = await api.post(`/v1/bots/${ctx.bot.id}/events`, { events: [event({ profile: { name: 'x'.repeat(E2E_BODY_LIMIT + 1) } })] });
      expect(huge.status).toBe(413);
      // The good event of the rejected batch was not recorded: sending it again is accepted, not a duplicate.
      expect((await api.post(`/v1/bots/${ctx.bot.id}/events`, good)).json).toEqual({ accepted: 1, duplicates: 0 });
      expect(await findUser(api, ctx.bot.id, 'never-recorded-2')).toBeUndefined();
    });

    it('keeps everything across a restart', async () => {
      // Events accepted just before (by earlier tests) may still be on their way to the list: the pipeline applies
      // them in order, so once a marker posted now is listed, so is everything accepted before it.
      await ctx.bot.api.post(`/v1/bots/${ctx.bot.id}/events`, event({ channelUserId: 'restart-marker' }));
      await waitFor(async () => findUser(ctx.bot.api, ctx.bot.id, 'restart-marker'), { timeoutMs: 30_000, what: 'the marker in the list' });
      const before = await listAll(ctx.bot.api, ctx.bot.id);
      await ctx.deployment.restart();
      const after = await waitFor(async () => {
        const all = await listAll(ctx.bot.api, ctx.bot.id);
        return all.length === before.length ? all : undefined;
      }, { timeoutMs: 60_000, what: 'the same users after restart' });
      expect(after).toEqual(before);
      expect((await ctx.bot.api.get(`/v1/bots/${ctx.bot.id}`)).status).toBe(200);
      const dup = await ctx.bot.api.post(`/v1/bots/${ctx.bot.id}/events`, event({ eventId: 'after-restart', channelUserId: 'ada-1' }));
      expect(dup.status).toBe(202);
    }, 150_000);

    extra?.(() => ctx);
  });
}

export interface Context {
  deployment: Deployment;
  admin: Api;
  anonymous: Api;
  bot: { id: string; api: Api };
  other: { id: string; api: Api };
}



async function findUser(api: Api, botId: string, channelUserId: string) {
  return (await listAll(api, botId)).find((u) => u.channelUserId === channelUserId);
}
