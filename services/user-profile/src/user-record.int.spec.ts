import { randomUUID } from 'node:crypto';
import { streams } from '@roster/contracts';
import { createTestInfra, serviceMetrics, type TestInfra } from '@roster/platform';
import { CatalogService } from './catalog.service';
import { UserProfileService } from './user-profile.service';

describe('the bot user record (UserProfileService + CatalogService)', () => {
  let infra: TestInfra;
  let users: UserProfileService;
  let catalog: CatalogService;
  const botId = randomUUID();
  const operator = { kind: 'operator' as const, keyId: 'key-1' };

  beforeEach(async () => {
    infra = await createTestInfra();
    catalog = new CatalogService(infra);
    users = new UserProfileService(infra, catalog);
  });
  afterEach(async () => {
    await infra.dispose();
  });

  async function newUser(extra: Record<string, unknown> = {}) {
    const userId = randomUUID();
    await users.recordInteractions([{ botId, userId, channel: 'sms', channelUserId: '+31600000009', eventType: 'message.received', occurredAt: '2026-11-01T10:00:00.000Z', ...extra }]);
    return userId;
  }

  it('lands 50 concurrent tag additions and 50 concurrent field sets on one user', async () => {
    const userId = await newUser();
    await catalog.defineField(botId, 'score', null, 'number');
    await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => users.edit(botId, userId, { type: 'AddTag', data: { tag: `t${i}`, at: new Date().toISOString() } }, operator)),
      ...Array.from({ length: 50 }, (_, i) => users.edit(botId, userId, { type: 'SetField', data: { key: 'score', fieldType: 'number', value: i, at: new Date().toISOString() } }, operator)),
    ]);
    const user = await users.getUser(botId, userId);
    expect(new Set(user!.tags)).toEqual(new Set(Array.from({ length: 50 }, (_, i) => `t${i}`)));
    expect(typeof user!.fields.score).toBe('number');
    expect((await catalog.listTags(botId)).map((t) => t.name)).toHaveLength(50);
  });

  it('keeps field values and note texts out of the store in clear', async () => {
    const userId = await newUser();
    await catalog.defineField(botId, 'email', null, 'text');
    await users.edit(botId, userId, { type: 'SetField', data: { key: 'email', fieldType: 'text', value: 'ada@example.com', at: new Date().toISOString() } }, operator);
    await users.addNote(botId, userId, 'lives at Main Street 1', operator);
    const stored = JSON.stringify((await infra.eventStore.readStream(streams.botUser(botId, userId))).map((e) => e.data));
    expect(stored).not.toContain('ada@example.com');
    expect(stored).not.toContain('Main Street');
    const user = await users.getUser(botId, userId);
    expect(user).toMatchObject({ fields: { email: 'ada@example.com' }, notes: [{ text: 'lives at Main Street 1' }] });
  });

  it('applies channel tag and field events, and rejects (never stores) a value the field cannot hold', async () => {
    await catalog.defineField(botId, 'score', null, 'number');
    const userId = await newUser();
    const event = (eventType: string, second: number, extra: Record<string, unknown>) => ({
      botId, userId, channel: 'sms' as const, channelUserId: '+31600000009', eventType, occurredAt: `2026-11-01T11:00:${String(second).padStart(2, '0')}.000Z`, ...extra,
    });
    await users.recordInteractions([
      event('tag.added', 1, { tag: 'Onboarded' }),
      event('field.set', 2, { key: 'score', value: 7 }),
      event('field.set', 3, { key: 'score', value: 'eight' }),
      event('field.set', 4, { key: 'unknown_key', value: 1 }),
      event('sequence.subscribed', 5, { sequenceId: 's1', sequenceName: 'Welcome' }),
      event('otn.optin', 6, { topicId: 'o1', topicName: 'Restock' }),
    ]);
    const user = await users.getUser(botId, userId);
    expect(user).toMatchObject({ tags: ['Onboarded'], fields: { score: 7 }, sequences: [{ id: 's1', name: 'Welcome' }], otnTopics: [{ id: 'o1', name: 'Restock' }] });
    const rejected = (reason: string) => serviceMetrics(infra, 'user-profile').value('roster_channel_changes_rejected_total', { reason });
    expect([await rejected('invalid_value'), await rejected('unknown_field')]).toEqual([1, 1]);
    const history = await users.history(botId, userId, 50);
    expect(history!.items[0]).toMatchObject({ change: 'otn.optedIn', source: { kind: 'channel', eventType: 'otn.optin' } });
  });

  it('finds a field another instance defined after this one cached the catalog (a miss reads the store)', async () => {
    const otherInstance = new CatalogService(infra);
    await catalog.defineField(botId, 'first', null, 'text');
    expect(await catalog.field(botId, 'first')).toBeDefined();
    await otherInstance.defineField(botId, 'second', null, 'number');
    expect(await catalog.field(botId, 'second')).toMatchObject({ key: 'second', type: 'number' });
    expect(await catalog.ensureTag(botId, 'Fresh')).toBe('Fresh');
    expect(await otherInstance.ensureTag(botId, 'fresh')).toBe('Fresh');
  });

  it('answers the history newest first in cursor pages, with the operator as source', async () => {
    const userId = await newUser();
    for (const tag of ['a', 'b', 'c']) await users.edit(botId, userId, { type: 'AddTag', data: { tag, at: new Date().toISOString() } }, operator);
    const first = await users.history(botId, userId, 2);
    expect(first!.items.map((i) => i.details.tag)).toEqual(['c', 'b']);
    expect(first!.items[0]!.source).toEqual(operator);
    const second = await users.history(botId, userId, 2, first!.nextCursor!);
    expect(second!.items.map((i) => i.change)).toEqual(['tag.added', 'user.created']);
    expect(second!.nextCursor).toBeNull();
  });
});
