import { waitFor } from '@roster/testing';
import { Api, createBot, event } from './support/api';
import { E2E_BODY_LIMIT, type Deployment } from './support/deployment';

/**
 * The bot user record over HTTP (issue "Bot user record", api.md "Tags, custom fields, notes, sequences, OTN topics"):
 * catalogs, operator edits, channel events that change the same record, history, errors. Run in both modes.
 */
export function userRecordSuite(mode: string, start: () => Promise<Deployment>): void {
  describe(`Bot user record end to end (${mode})`, () => {
    jest.setTimeout(60_000);
    let deployment: Deployment;
    let admin: Api;
    let anonymous: Api;
    let bot: Bot;
    let other: Bot;
    const NO_SUCH_USER = '00000000-0000-4000-8000-000000000000';

    beforeAll(async () => {
      deployment = await start();
      admin = new Api(deployment.baseUrl, deployment.adminKey);
      anonymous = new Api(deployment.baseUrl);
      bot = await createBot(admin, 'Record bot');
      other = await createBot(admin, 'Other record bot');
    }, 120_000);

    afterAll(async () => {
      await deployment?.stop();
    }, 60_000);

    const userPath = (userId: string, botId = bot.id) => `/v1/bots/${botId}/users/${userId}`;
    const detailOf = async (userId: string) => {
      const res = await bot.api.get(userPath(userId));
      expect(res.status).toBe(200);
      return res.json;
    };

    describe('catalog', () => {
      it('defines tags, unique per bot case-insensitively (409), and lists them', async () => {
        const created = await bot.api.post(`/v1/bots/${bot.id}/tags`, { name: 'VIP' });
        expect(created.status).toBe(201);
        expect(created.json).toMatchObject({ name: 'VIP', createdAt: expect.stringMatching(ISO) });

        const duplicate = await bot.api.post(`/v1/bots/${bot.id}/tags`, { name: 'vip' });
        expectProblem(duplicate, 409);

        const list = await bot.api.get(`/v1/bots/${bot.id}/tags`);
        expect(list.status).toBe(200);
        expect(list.json.filter((t: { name: string }) => t.name.toLowerCase() === 'vip')).toEqual([expect.objectContaining({ name: 'VIP' })]);

        // Catalogs are per bot: the other bot may have its own VIP, and does not see this bot's.
        expect((await other.api.post(`/v1/bots/${other.id}/tags`, { name: 'vip' })).status).toBe(201);
        const otherList = await other.api.get(`/v1/bots/${other.id}/tags`);
        expect(otherList.json.map((t: { name: string }) => t.name)).toEqual(['vip']);
      });

      it('rejects a bad tag body with a 400 naming the path', async () => {
        expectErrorPaths(await bot.api.post(`/v1/bots/${bot.id}/tags`, {}), ['name']);
        expectErrorPaths(await bot.api.post(`/v1/bots/${bot.id}/tags`, { name: '   ' }), ['name']);
        expectErrorPaths(await bot.api.post(`/v1/bots/${bot.id}/tags`, { name: 'x'.repeat(101) }), ['name']);
        expectErrorPaths(await bot.api.post(`/v1/bots/${bot.id}/tags`, { name: 'ok', colour: 'red' }), ['(body)']);
      });

      it('defines custom fields of every type, unique per bot (409), and lists them', async () => {
        const definitions = [
          { key: 'score', label: 'Score', type: 'number' },
          { key: 'birthday', label: 'Birthday', type: 'date' },
          { key: 'last_order', type: 'datetime' },
          { key: 'newsletter', label: 'Newsletter', type: 'boolean' },
          { key: 'nickname', label: 'Nickname', type: 'text' },
        ];
        for (const definition of definitions) {
          const res = await bot.api.post(`/v1/bots/${bot.id}/fields`, definition);
          expect(res.status).toBe(201);
          expect(res.json).toEqual({ key: definition.key, label: definition.label ?? null, type: definition.type, createdAt: expect.stringMatching(ISO) });
        }
        expectProblem(await bot.api.post(`/v1/bots/${bot.id}/fields`, { key: 'score', type: 'text' }), 409);

        const list = await bot.api.get(`/v1/bots/${bot.id}/fields`);
        expect(list.status).toBe(200);
        expect(list.json.map((f: { key: string }) => f.key).sort()).toEqual(definitions.map((d) => d.key).sort());
        expect(list.json.find((f: { key: string }) => f.key === 'birthday')).toMatchObject({ label: 'Birthday', type: 'date' });
        expect((await other.api.get(`/v1/bots/${other.id}/fields`)).json).toEqual([]);
      });

      it('rejects a bad field definition with a 400 naming the path', async () => {
        const post = (body: unknown) => bot.api.post(`/v1/bots/${bot.id}/fields`, body);
        expectErrorPaths(await post({ key: 'Email', type: 'text' }), ['key']);
        expectErrorPaths(await post({ key: '1st', type: 'text' }), ['key']);
        expectErrorPaths(await post({ key: `a${'b'.repeat(64)}`, type: 'text' }), ['key']);
        expectErrorPaths(await post({ key: 'has space', type: 'text' }), ['key']);
        expectErrorPaths(await post({ key: 'colour', type: 'color' }), ['type']);
        expectErrorPaths(await post({ label: 'Nothing' }), ['key', 'type']);
      });
    });

    describe('tags on a user', () => {
      it('adds a tag with the catalog\'s spelling; adding it again is a no-op that still answers 200', async () => {
        const userId = await createUser(bot, 'tag-user');
        const added = await bot.api.call('PUT', `${userPath(userId)}/tags/vip`);
        expect(added.status).toBe(200);
        expect(added.json).toMatchObject({ id: userId, botId: bot.id, tags: ['VIP'] });
        const version = added.json.version;

        for (const name of ['VIP', 'vip']) {
          const again = await bot.api.call('PUT', `${userPath(userId)}/tags/${name}`);
          expect(again.status).toBe(200);
          expect(again.json.tags).toEqual(['VIP']);
          expect(again.json.version).toBe(version);
        }

        const spaced = await bot.api.call('PUT', `${userPath(userId)}/tags/${encodeURIComponent('Big spender')}`);
        expect(spaced.status).toBe(200);
        expect([...spaced.json.tags].sort()).toEqual(['Big spender', 'VIP']);
        expect((await detailOf(userId)).tags.sort()).toEqual(['Big spender', 'VIP']);
        expectProblem(await bot.api.call('PUT', `${userPath(userId)}/tags/%20%20`), 400);
        const longest = encodeURIComponent('é'.repeat(100));
        expect((await bot.api.call('PUT', `${userPath(userId)}/tags/${longest}`)).json.tags).toContain('é'.repeat(100));
        expect((await bot.api.call('DELETE', `${userPath(userId)}/tags/${longest}`)).json.tags).not.toContain('é'.repeat(100));
        // The list (projection) follows.
        await waitFor(async () => (await findUser(bot, 'tag-user'))?.tags.length === 2, { what: 'the tags in the user list' });
      });

      it('refuses a tag name over 100 characters or not validly URL-encoded with a 400 problem naming the tag', async () => {
        const userId = (await findUser(bot, 'tag-user')).id;
        expectErrorPaths(await bot.api.call('PUT', `${userPath(userId)}/tags/${'t'.repeat(101)}`), ['tag']);
        expectProblem(await bot.api.call('PUT', `${userPath(userId)}/tags/%E0%A4%A`), 400);
      });

      it('removes a tag (case-insensitively); removing an absent tag is a no-op that still answers 200', async () => {
        const userId = (await findUser(bot, 'tag-user')).id;
        const removed = await bot.api.call('DELETE', `${userPath(userId)}/tags/${encodeURIComponent('Big spender')}`);
        expect(removed.status).toBe(200);
        expect(removed.json.tags).toEqual(['VIP']);

        const absent = await bot.api.call('DELETE', `${userPath(userId)}/tags/never-had-it`);
        expect(absent.status).toBe(200);
        expect(absent.json.tags).toEqual(['VIP']);
        expect(absent.json.version).toBe(removed.json.version);

        const otherCase = await bot.api.call('DELETE', `${userPath(userId)}/tags/vip`);
        expect(otherCase.status).toBe(200);
        expect(otherCase.json.tags).toEqual([]);
      });
    });

    describe('custom fields on a user', () => {
      it('stores each value in its type and returns it typed', async () => {
        const userId = await createUser(bot, 'field-user');
        const cases: [string, unknown, unknown][] = [
          ['score', 42.5, 42.5],
          ['birthday', '1990-02-28', '1990-02-28'],
          ['last_order', '2026-11-20T10:30:00+01:00', '2026-11-20T09:30:00.000Z'],
          ['newsletter', false, false],
          ['nickname', 'Lulu 🐱', 'Lulu 🐱'],
        ];
        for (const [key, value, stored] of cases) {
          const res = await bot.api.call('PUT', `${userPath(userId)}/fields/${key}`, { value });
          expect(res.status).toBe(200);
          expect(res.json.fields[key]).toStrictEqual(stored);
        }
        const detail = await detailOf(userId);
        expect(detail.fields).toStrictEqual({ score: 42.5, birthday: '1990-02-28', last_order: '2026-11-20T09:30:00.000Z', newsletter: false, nickname: 'Lulu 🐱' });
        const maxText = await bot.api.call('PUT', `${userPath(userId)}/fields/nickname`, { value: 'n'.repeat(4096) });
        expect(maxText.status).toBe(200);
        expect(maxText.json.fields.nickname).toHaveLength(4096);
        await waitFor(async () => (await findUser(bot, 'field-user'))?.fields.score === 42.5, { what: 'the fields in the user list' });
      });

      it('answers 422 to a value of the wrong type for each field type, and keeps the old value', async () => {
        const userId = (await findUser(bot, 'field-user')).id;
        const before = (await detailOf(userId)).fields;
        const wrong: [string, unknown][] = [
          ['score', '12'],
          ['score', true],
          ['score', null],
          ['birthday', '2026-13-01'],
          ['birthday', '2026-02-30'],
          ['birthday', 'yesterday'],
          ['birthday', 20260101],
          ['last_order', '2026-11-20T10:30:00'],
          ['last_order', 'now'],
          ['newsletter', 'true'],
          ['newsletter', 1],
          ['nickname', 't'.repeat(4097)],
          ['nickname', 12],
          ['nickname', { nested: 'object' }],
        ];
        for (const [key, value] of wrong) {
          const res = await bot.api.call('PUT', `${userPath(userId)}/fields/${key}`, { value });
          expectProblem(res, 422, `${key} = ${JSON.stringify(value).slice(0, 40)}`);
        }
        expect((await detailOf(userId)).fields).toStrictEqual(before);
      });

      it('answers 400 to a body without a value, 404 to an unknown key, 413 to a body above the limit', async () => {
        const userId = (await findUser(bot, 'field-user')).id;
        expectErrorPaths(await bot.api.call('PUT', `${userPath(userId)}/fields/score`, {}), ['value']);
        expectProblem(await bot.api.call('PUT', `${userPath(userId)}/fields/score`, [1]), 400);
        expectProblem(await bot.api.call('PUT', `${userPath(userId)}/fields/score`, '{"value": ', { 'content-type': 'application/json' }), 400);
        expectProblem(await bot.api.call('PUT', `${userPath(userId)}/fields/score`, 'value=1', { 'content-type': 'text/plain' }), 415);
        expectProblem(await bot.api.call('PUT', `${userPath(userId)}/fields/no_such_field`, { value: 1 }), 404);
        expectProblem(await bot.api.call('PUT', `${userPath(userId)}/fields/nickname`, { value: 'x'.repeat(E2E_BODY_LIMIT + 1) }), 413);
      });

      it('clears a field: the key is absent afterwards', async () => {
        const userId = (await findUser(bot, 'field-user')).id;
        const cleared = await bot.api.call('DELETE', `${userPath(userId)}/fields/score`);
        expect(cleared.status).toBe(200);
        expect(cleared.json.fields).not.toHaveProperty('score');
        expect(cleared.json.fields).toHaveProperty('birthday', '1990-02-28');
        expect((await detailOf(userId)).fields).not.toHaveProperty('score');
        expectProblem(await bot.api.call('DELETE', `${userPath(userId)}/fields/no_such_field`), 404);
        // Clearing a field that is not set is a no-op.
        const again = await bot.api.call('DELETE', `${userPath(userId)}/fields/score`);
        expect(again.status).toBe(200);
        expect(again.json.version).toBe(cleared.json.version);
        await waitFor(async () => !('score' in (await findUser(bot, 'field-user')).fields), { what: 'the cleared field gone from the list' });
      });
    });

    describe('notes', () => {
      it('adds, edits and deletes a note', async () => {
        const userId = await createUser(bot, 'note-user');
        const added = await bot.api.post(`${userPath(userId)}/notes`, { text: 'Asked about shipping to Belgium.' });
        expect(added.status).toBe(201);
        expect(added.json).toEqual({ id: expect.any(String), text: 'Asked about shipping to Belgium.', createdAt: expect.stringMatching(ISO), updatedAt: added.json.createdAt });
        const note = added.json;
        expect((await detailOf(userId)).notes).toEqual([note]);

        await new Promise((r) => setTimeout(r, 20)); // the edit must be visibly later
        const edited = await bot.api.call('PATCH', `${userPath(userId)}/notes/${note.id}`, { text: 'Ships to Belgium: yes.' });
        expect(edited.status).toBe(200);
        expect(edited.json).toMatchObject({ id: note.id, text: 'Ships to Belgium: yes.', createdAt: note.createdAt });
        expect(Date.parse(edited.json.updatedAt)).toBeGreaterThan(Date.parse(note.createdAt));
        expect((await detailOf(userId)).notes).toEqual([edited.json]);

        const longest = await bot.api.post(`${userPath(userId)}/notes`, { text: 'n'.repeat(10_000) });
        expect(longest.status).toBe(201);
        expect((await detailOf(userId)).notes.map((n: { id: string }) => n.id)).toEqual(expect.arrayContaining([note.id, longest.json.id]));

        const deleted = await bot.api.call('DELETE', `${userPath(userId)}/notes/${note.id}`);
        expect(deleted.status).toBe(204);
        expect(deleted.text).toBe('');
        expect((await detailOf(userId)).notes.map((n: { id: string }) => n.id)).toEqual([longest.json.id]);
        expectProblem(await bot.api.call('DELETE', `${userPath(userId)}/notes/${note.id}`), 404);
        expectProblem(await bot.api.call('PATCH', `${userPath(userId)}/notes/${note.id}`, { text: 'too late' }), 404);
      });

      it('answers 400 naming text to a missing, empty or too long note, 404 to an unknown note, 413 above the limit', async () => {
        const userId = (await findUser(bot, 'note-user')).id;
        const notes = `${userPath(userId)}/notes`;
        expectErrorPaths(await bot.api.post(notes, {}), ['text']);
        expectErrorPaths(await bot.api.post(notes, { text: '' }), ['text']);
        expectErrorPaths(await bot.api.post(notes, { text: 42 }), ['text']);
        expectErrorPaths(await bot.api.post(notes, { text: 'n'.repeat(10_001) }), ['text']);
        expectProblem(await bot.api.post(notes, { text: 'x'.repeat(E2E_BODY_LIMIT + 1) }), 413);
        const existing = (await detailOf(userId)).notes[0];
        expectErrorPaths(await bot.api.call('PATCH', `${notes}/${existing.id}`, { text: 'n'.repeat(10_001) }), ['text']);
        expectErrorPaths(await bot.api.call('PATCH', `${notes}/${existing.id}`, {}), ['text']);
        expectProblem(await bot.api.call('PATCH', `${notes}/no-such-note`, { text: 'hello' }), 404);
        expectProblem(await bot.api.call('DELETE', `${notes}/no-such-note`), 404);
        expect((await detailOf(userId)).notes).toEqual([existing]);
      });
    });

    describe('sequences and OTN topics', () => {
      it('shows sequences and OTN topics that arrived as events, and removes them', async () => {
        const channelUserId = 'seq-user';
        const userId = await createUser(bot, channelUserId);
        const subscribedAt = new Date(Date.now() - 20_000).toISOString();
        const optedInAt = new Date(Date.now() - 10_000).toISOString();
        const res = await bot.api.post(`/v1/bots/${bot.id}/events`, {
          events: [
            event({ type: 'sequence.subscribed', channelUserId, occurredAt: subscribedAt, sequenceId: 'seq-welcome', sequenceName: 'Welcome series' }),
            event({ type: 'sequence.subscribed', channelUserId, occurredAt: subscribedAt, sequenceId: 'seq-unnamed' }),
            event({ type: 'otn.optin', channelUserId, occurredAt: optedInAt, topicId: 'topic-price', topicName: 'Price drop' }),
            event({ type: 'otn.optin', channelUserId, occurredAt: optedInAt, topicId: 'topic-back' }),
          ],
        });
        expect(res.status).toBe(202);
        const detail = await waitFor(async () => {
          const d = await detailOf(userId);
          return d.sequences.length === 2 && d.otnTopics.length === 2 ? d : undefined;
        }, { what: 'two sequences and two OTN topics on the user' });
        expect(sortById(detail.sequences)).toEqual([
          { id: 'seq-unnamed', subscribedAt },
          { id: 'seq-welcome', name: 'Welcome series', subscribedAt },
        ].map(withOptionalName));
        expect(sortById(detail.otnTopics)).toEqual([
          { id: 'topic-back', optedInAt },
          { id: 'topic-price', name: 'Price drop', optedInAt },
        ].map(withOptionalName));

        const withoutSequence = await bot.api.call('DELETE', `${userPath(userId)}/sequences/seq-welcome`);
        expect(withoutSequence.status).toBe(200);
        expect(withoutSequence.json.sequences.map((s: { id: string }) => s.id)).toEqual(['seq-unnamed']);
        const withoutTopic = await bot.api.call('DELETE', `${userPath(userId)}/otn-topics/topic-price`);
        expect(withoutTopic.status).toBe(200);
        expect(withoutTopic.json.otnTopics.map((t: { id: string }) => t.id)).toEqual(['topic-back']);
        expect(withoutTopic.json.sequences.map((s: { id: string }) => s.id)).toEqual(['seq-unnamed']);

        // Removing what the user does not have is a no-op, like removing an absent tag.
        const absent = await bot.api.call('DELETE', `${userPath(userId)}/sequences/seq-welcome`);
        expect(absent.status).toBe(200);
        expect(absent.json.version).toBe(withoutTopic.json.version);
        expect((await bot.api.call('DELETE', `${userPath(userId)}/otn-topics/never`)).status).toBe(200);

        const after = await detailOf(userId);
        expect(after.sequences.map((s: { id: string }) => s.id)).toEqual(['seq-unnamed']);
        expect(after.otnTopics.map((t: { id: string }) => t.id)).toEqual(['topic-back']);
      });
    });

    describe('channel events', () => {
      it('applies tag.added and a valid field.set to the same record; an invalid field.set is not stored', async () => {
        const channelUserId = 'channel-user';
        const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
        const userId = await createUser(bot, channelUserId, ago(60));
        // The invalid values go first, in their own requests, so that by the time the valid ones show they were handled.
        for (const [key, value] of [['score', 'twelve'], ['birthday', 'yesterday'], ['no_such_field', 'x']] as const) {
          expect((await bot.api.post(`/v1/bots/${bot.id}/events`, event({ type: 'field.set', channelUserId, occurredAt: ago(50), key, value }))).status).toBe(202);
        }
        const sent = await bot.api.post(`/v1/bots/${bot.id}/events`, {
          events: [
            event({ type: 'tag.added', channelUserId, occurredAt: ago(40), tag: 'from-flow' }),
            event({ type: 'tag.added', channelUserId, occurredAt: ago(40), tag: 'vip' }),
            event({ type: 'field.set', channelUserId, occurredAt: ago(30), key: 'score', value: 7 }),
            event({ type: 'field.set', channelUserId, occurredAt: ago(30), key: 'newsletter', value: true }),
          ],
        });
        expect(sent.status).toBe(202);
        const detail = await waitFor(async () => {
          const d = await detailOf(userId);
          return d.tags.length === 2 && d.fields.score === 7 && d.fields.newsletter === true ? d : undefined;
        }, { what: 'the channel\'s tags and fields on the user' });
        expect([...detail.tags].sort()).toEqual(['VIP', 'from-flow']);
        expect(detail.fields).toStrictEqual({ score: 7, newsletter: true });

        // Operators edit the same record.
        const removed = await bot.api.call('DELETE', `${userPath(userId)}/tags/from-flow`);
        expect(removed.json.tags).toEqual(['VIP']);
        const set = await bot.api.call('PUT', `${userPath(userId)}/fields/score`, { value: 8 });
        expect(set.json.fields).toStrictEqual({ score: 8, newsletter: true });

        // tag.removed and field.cleared from the channel too (later than the operator's edits).
        await new Promise((r) => setTimeout(r, 5));
        const now = new Date().toISOString();
        await bot.api.post(`/v1/bots/${bot.id}/events`, {
          events: [
            event({ type: 'tag.removed', channelUserId, occurredAt: now, tag: 'VIP' }),
            event({ type: 'field.cleared', channelUserId, occurredAt: now, key: 'newsletter' }),
          ],
        });
        const after = await waitFor(async () => {
          const d = await detailOf(userId);
          return d.tags.length === 0 && !('newsletter' in d.fields) ? d : undefined;
        }, { what: 'the channel\'s tag.removed and field.cleared on the user' });
        expect(after.fields).toStrictEqual({ score: 8 });
      });
    });

    describe('history', () => {
      it('lists changes newest first with their source, operator (key id) or channel, in cursor pages', async () => {
        const channelUserId = 'history-user';
        const userId = await createUser(bot, channelUserId);
        await bot.api.post(`/v1/bots/${bot.id}/events`, event({ type: 'tag.added', channelUserId, occurredAt: new Date().toISOString(), tag: 'from-flow' }));
        await waitFor(async () => (await detailOf(userId)).tags.includes('from-flow'), { what: 'the channel tag' });
        await new Promise((r) => setTimeout(r, 5));

        expect((await bot.api.call('PUT', `${userPath(userId)}/tags/VIP`)).status).toBe(200);
        expect((await bot.api.call('PUT', `${userPath(userId)}/fields/score`, { value: 3 })).status).toBe(200);
        expect((await bot.api.post(`${userPath(userId)}/notes`, { text: 'Called back.' })).status).toBe(201);
        expect((await admin.call('PUT', `${userPath(userId)}/fields/nickname`, { value: 'Hist' })).status).toBe(200);

        const all = await bot.api.get(`${userPath(userId)}/history?limit=500`);
        expect(all.status).toBe(200);
        expect(all.json.nextCursor).toBeNull();
        const items: HistoryItem[] = all.json.items;
        for (const item of items) expect(item).toMatchObject({ id: expect.any(String), at: expect.stringMatching(ISO), change: expect.any(String), source: { kind: expect.any(String) } });
        const times = items.map((i) => Date.parse(i.at));
        expect(times).toEqual([...times].sort((a, b) => b - a));

        const [byAdmin, note, field, tag] = items;
        expect(byAdmin!.source).toEqual({ kind: 'operator', keyId: 'admin' });
        for (const entry of [note, field, tag]) expect(entry!.source).toEqual({ kind: 'operator', keyId: bot.keyId });
        expect(new Set([byAdmin!.change, note!.change, field!.change, tag!.change]).size).toBe(3); // two field sets share a change name
        expect(field!.change).toBe(byAdmin!.change);
        expect(items.slice(4)).toEqual(expect.arrayContaining([expect.objectContaining({ source: { kind: 'channel', eventType: 'tag.added' } })]));

        // Walking pages of two gives the same entries, each once.
        const walked: HistoryItem[] = [];
        let cursor: string | null = null;
        do {
          const page: { status: number; json: { items: HistoryItem[]; nextCursor: string | null } } = await bot.api.get(
            `${userPath(userId)}/history?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          expect(page.status).toBe(200);
          expect(page.json.items.length).toBeLessThanOrEqual(2);
          walked.push(...page.json.items);
          cursor = page.json.nextCursor;
        } while (cursor);
        expect(walked.map((i) => i.id)).toEqual(items.map((i) => i.id));

        expectErrorPaths(await bot.api.get(`${userPath(userId)}/history?limit=0`), ['limit']);
        expectErrorPaths(await bot.api.get(`${userPath(userId)}/history?limit=many`), ['limit']);
        expectErrorPaths(await bot.api.get(`${userPath(userId)}/history?cursor=garbage`), ['cursor']);
      });
    });

    it('lands 50 concurrent tag additions and 50 concurrent field sets on one user', async () => {
      const userId = await createUser(bot, 'busy-user');
      const scores = Array.from({ length: 50 }, (_, i) => i * 10 + 1);
      const results = await Promise.all([
        ...Array.from({ length: 50 }, (_, i) => bot.api.call('PUT', `${userPath(userId)}/tags/t${i}`)),
        ...scores.map((value) => bot.api.call('PUT', `${userPath(userId)}/fields/score`, { value })),
      ]);
      expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
      const detail = await detailOf(userId);
      expect([...detail.tags].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `t${i}`).sort());
      expect(scores).toContain(detail.fields.score);
      const history = await bot.api.get(`${userPath(userId)}/history?limit=500`);
      const operatorEntries = history.json.items.filter((i: HistoryItem) => i.source.kind === 'operator');
      expect(operatorEntries).toHaveLength(100);
    });

    describe('errors common to every endpoint', () => {
      const edits = (userId: string, botId: string): [string, string, unknown?][] => [
        ['PUT', `/v1/bots/${botId}/users/${userId}/tags/VIP`],
        ['DELETE', `/v1/bots/${botId}/users/${userId}/tags/VIP`],
        ['PUT', `/v1/bots/${botId}/users/${userId}/fields/score`, { value: 1 }],
        ['DELETE', `/v1/bots/${botId}/users/${userId}/fields/score`],
        ['POST', `/v1/bots/${botId}/users/${userId}/notes`, { text: 'hello' }],
        ['PATCH', `/v1/bots/${botId}/users/${userId}/notes/some-note`, { text: 'hello' }],
        ['DELETE', `/v1/bots/${botId}/users/${userId}/notes/some-note`],
        ['DELETE', `/v1/bots/${botId}/users/${userId}/sequences/seq-welcome`],
        ['DELETE', `/v1/bots/${botId}/users/${userId}/otn-topics/topic-price`],
        ['GET', `/v1/bots/${botId}/users/${userId}/history`],
      ];
      const catalog = (botId: string): [string, string, unknown?][] => [
        ['GET', `/v1/bots/${botId}/tags`],
        ['POST', `/v1/bots/${botId}/tags`, { name: 'Sneaky' }],
        ['GET', `/v1/bots/${botId}/fields`],
        ['POST', `/v1/bots/${botId}/fields`, { key: 'sneaky', type: 'text' }],
      ];

      it('answers 401 without a key or with an unknown key', async () => {
        const userId = (await findUser(bot, 'tag-user')).id;
        const stranger = anonymous.as('rk_abcdefgh.abcdefghijabcdefghijabcdefghij');
        for (const [method, path, body] of [...edits(userId, bot.id), ...catalog(bot.id)]) {
          expectProblem(await anonymous.call(method, path, body), 401, `${method} ${path}`);
          expectProblem(await stranger.call(method, path, body), 401, `${method} ${path}`);
        }
      });

      it('answers 404 to an unknown user', async () => {
        for (const [method, path, body] of edits(NO_SUCH_USER, bot.id)) {
          expectProblem(await bot.api.call(method, path, body), 404, `${method} ${path}`);
        }
      });

      it('answers 404 to another bot\'s key, on this bot\'s paths and on its own bot\'s paths with this bot\'s user', async () => {
        const userId = (await findUser(bot, 'tag-user')).id;
        const before = await detailOf(userId);
        for (const [method, path, body] of [...edits(userId, bot.id), ...edits(userId, other.id), ...catalog(bot.id)]) {
          expectProblem(await other.api.call(method, path, body), 404, `${method} ${path}`);
        }
        const after = await detailOf(userId);
        expect(after.version).toBe(before.version);
        expect((await bot.api.get(`/v1/bots/${bot.id}/tags`)).json.map((t: { name: string }) => t.name)).not.toContain('Sneaky');
      });
    });

    it('documents every new path in the OpenAPI document', async () => {
      const openapi = await anonymous.get('/docs/openapi.json');
      expect(Object.keys(openapi.json.paths)).toEqual(
        expect.arrayContaining([
          '/v1/bots/{botId}/tags',
          '/v1/bots/{botId}/fields',
          '/v1/bots/{botId}/users/{userId}/tags/{name}',
          '/v1/bots/{botId}/users/{userId}/fields/{key}',
          '/v1/bots/{botId}/users/{userId}/notes',
          '/v1/bots/{botId}/users/{userId}/notes/{noteId}',
          '/v1/bots/{botId}/users/{userId}/sequences/{sequenceId}',
          '/v1/bots/{botId}/users/{userId}/otn-topics/{topicId}',
          '/v1/bots/{botId}/users/{userId}/history',
        ]),
      );
    });
  });
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

interface Bot {
  id: string;
  keyId: string;
  api: Api;
}

interface HistoryItem {
  id: string;
  at: string;
  change: string;
  source: { kind: string; keyId?: string; eventType?: string };
}

type Response = Awaited<ReturnType<Api['call']>>;

function expectProblem(res: Response, status: number, what = ''): void {
  expect({ what, status: res.status }).toEqual({ what, status });
  expect(res.contentType).toContain('application/problem+json');
  expect(res.json).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
}

function expectErrorPaths(res: Response, paths: string[]): void {
  expectProblem(res, 400);
  expect(res.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(expect.arrayContaining([...paths].sort()));
}


/** Creates a user the way channels do (a normalized event) and waits until the list shows it. */
async function createUser(bot: Bot, channelUserId: string, occurredAt = new Date().toISOString()): Promise<string> {
  const res = await bot.api.post(`/v1/bots/${bot.id}/events`, event({ channelUserId, occurredAt }));
  expect(res.status).toBe(202);
  const user = await waitFor(async () => findUser(bot, channelUserId), { what: `${channelUserId} listed` });
  return user.id;
}

async function findUser(bot: Bot, channelUserId: string): Promise<any> {
  let cursor: string | null = null;
  do {
    const page: any = await bot.api.get(`/v1/bots/${bot.id}/users?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const found = page.json.items.find((u: { channelUserId: string }) => u.channelUserId === channelUserId);
    if (found) return found;
    cursor = page.json.nextCursor;
  } while (cursor);
  return undefined;
}

const sortById = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
/** api.md marks `name` optional: an unnamed sequence or topic may leave it out or carry null. */
const withOptionalName = (item: Record<string, unknown>) => ('name' in item ? item : expect.objectContaining(item));
