import { randomUUID } from 'node:crypto';
import { CATALOG_EVENTS, streams, USER_PROFILE_EVENTS as E } from '@roster/contracts';
import type { DeliveredEvent } from '@roster/messaging';
import { createTestInfra, type TestInfra } from '@roster/platform';
import { waitFor } from '@roster/testing';
import { ActiveWalks } from './active-walks';
import { padPosition, sortKeyAt, type WalkableUserDoc } from './domain/search-keys';
import { USER_LIST_VERSION, UserListProjection } from './user-list.projection';

/** Delivery of the same events twice, in other batch cuts, or replayed after newer ones must not change the result. */
describe('UserListProjection', () => {
  let infra: TestInfra;
  const botId = randomUUID();
  const userId = randomUUID();

  beforeEach(async () => {
    infra = await createTestInfra();
  });
  afterEach(async () => {
    await infra.dispose();
  });

  async function record(): Promise<DeliveredEvent[]> {
    const stream = streams.botUser(botId, userId);
    const events = [
      { type: E.created, data: { botId, userId, channel: 'sms', channelUserId: '+31612345678', profile: { firstName: 'Ada', email: 'ada@example.com' }, status: 'subscribed', subscribedAt: '2026-11-01T10:00:00.000Z', lastInteractionAt: '2026-11-01T10:00:00.000Z', createdAt: '2026-11-01T10:00:01.000Z' } },
      { type: E.interacted, data: { botId, userId, occurredAt: '2026-11-02T10:00:00.000Z' } },
      { type: E.profileUpdated, data: { botId, userId, changes: { lastName: 'Lovelace', email: null }, occurredAt: '2026-11-02T10:00:00.000Z' } },
      { type: E.unsubscribed, data: { botId, userId, occurredAt: '2026-11-03T10:00:00.000Z' } },
    ];
    for (const event of events) await infra.eventStore.appendToStream(stream, [await infra.codec.encode(event)]);
    const recorded = await infra.eventStore.readStream(stream);
    return recorded.map((e) => ({ ...e, source: 'user-profile' }));
  }

  const expected = {
    id: userId,
    botId,
    channel: 'sms',
    channelUserId: '+31612345678',
    name: 'Ada Lovelace',
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: null,
    status: 'unsubscribed',
    subscribedAt: '2026-11-01T10:00:00.000Z',
    lastInteractionAt: '2026-11-02T10:00:00.000Z',
  };

  it('folds the events into the list document, personal fields decrypted', async () => {
    const events = await record();
    const projection = new UserListProjection(infra, new ActiveWalks());
    await projection.apply(events);
    expect(await projection.users.get(userId)).toMatchObject(expected);
  });

  it('gives the same document when everything is delivered twice, in other batches', async () => {
    const events = await record();
    const projection = new UserListProjection(infra, new ActiveWalks());
    await projection.apply(events.slice(0, 2));
    await projection.apply(events.slice(0, 3));
    await projection.apply(events);
    const once = await projection.users.get(userId);
    await projection.apply(events);
    await projection.apply([events[3]!, events[0]!]);
    expect(await projection.users.get(userId)).toEqual(once);
    expect(once).toMatchObject(expected);
  });

  it('ignores an older event redelivered after newer ones (position guard)', async () => {
    const events = await record();
    const projection = new UserListProjection(infra, new ActiveWalks());
    await projection.apply(events);
    await projection.apply([events[1]!]);
    await projection.apply([events[0]!]);
    expect(await projection.users.get(userId)).toMatchObject(expected);
  });

  it('keeps its checkpoint in the read store, so a rebuild resumes where it was', async () => {
    const events = await record();
    const projection = new UserListProjection(infra, new ActiveWalks());
    await projection.apply(events);
    expect(projection.position).toBe(events[3]!.position);
    const checkpoints = infra.readStore.collection('checkpoints');
    expect(await checkpoints.positionOf('segmentation-user-list')).toBe(events[3]!.position);
  });

  it('keeps a document\'s earlier sort keys while a walk may ask for them, and drops them when none can', async () => {
    const events = await record();
    const walks = new ActiveWalks();
    const projection = new UserListProjection(infra, walks);
    await projection.apply(events.slice(0, 1));
    const walkStart = padPosition(await projection.currentPosition());
    walks.touch(walkStart);
    await projection.apply(events.slice(1, 2)); // lastInteractionAt moves after the walk's snapshot
    await projection.apply(events.slice(2)); // so does the name (a last name is added)
    const during = (await projection.users.get(userId)) as unknown as WalkableUserDoc;
    expect(during.sortMoves.map((m) => m.pos)).toEqual([padPosition(events[1]!.position), padPosition(events[2]!.position)]);
    expect(sortKeyAt(during, 'lastInteractionAt', walkStart)).toBe('2026-11-01T10:00:00.000Z');

    const idle = new UserListProjection(infra, new ActiveWalks());
    await infra.readStore.collection('users').clear();
    await infra.readStore.collection('checkpoints').clear();
    await idle.apply(events.slice(0, 2));
    // Created and moved in one batch: no walk can ask for a key it had within the batch, so none is remembered.
    expect(((await idle.users.get(userId)) as unknown as WalkableUserDoc).sortMoves).toEqual([]);
    await idle.apply(events.slice(2));
    // Without walks only the first move of the latest batch remains (a walk starting during that batch could need it).
    const after = (await idle.users.get(userId)) as unknown as WalkableUserDoc;
    expect(after.sortMoves.map((m) => m.pos)).toEqual([padPosition(events[2]!.position)]);
    expect(sortKeyAt(after, 'sortName', padPosition(events[1]!.position))).toBe('ada');
  });

  it('clears and rebuilds a list written by another version of the document shape', async () => {
    const events = await record();
    const users = infra.readStore.collection('users');
    const checkpoints = infra.readStore.collection('checkpoints');
    const last = events.at(-1)!.position;
    await users.upsert({ id: 'stale', botId, shape: 'old' }, last);
    await users.upsert({ id: userId, botId, name: 'old shape' }, last);
    await checkpoints.upsert({ id: 'segmentation-user-list', position: last.toString(), version: USER_LIST_VERSION - 1 }, last);
    const projection = new UserListProjection(infra, new ActiveWalks());
    await projection.onApplicationBootstrap();
    try {
      await waitFor(() => projection.position === last, { what: 'the rebuild to catch up' });
      expect(await users.get('stale')).toBeUndefined();
      expect(await projection.users.get(userId)).toMatchObject(expected);
      expect(await checkpoints.get('segmentation-user-list')).toMatchObject({ version: USER_LIST_VERSION });
    } finally {
      await projection.onApplicationShutdown();
    }
  });

  describe('record events (tags, fields, notes, sequences, OTN topics) and catalog events', () => {
    const at = (minute: number) => `2026-11-04T10:${String(minute).padStart(2, '0')}:00.000Z`;
    const ref = (minute: number) => ({ botId, userId, at: at(minute) });
    const catalog = streams.botCatalog(botId);

    /** The user's history with the bot's catalog events in between, as the source delivers it: in global order. */
    async function recordHistory(): Promise<DeliveredEvent[]> {
      const user = streams.botUser(botId, userId);
      const history: [string, { type: string; data: Record<string, unknown> }][] = [
        [user, { type: E.created, data: { botId, userId, channel: 'messenger', channelUserId: 'psid-1', profile: { firstName: 'Ada' }, status: 'subscribed', subscribedAt: at(0), lastInteractionAt: at(0), createdAt: at(0) } }],
        [catalog, { type: CATALOG_EVENTS.tagDefined, data: { botId, name: 'VIP', createdAt: at(1) } }],
        [user, { type: E.tagAdded, data: { ...ref(1), tag: 'VIP' } }],
        [user, { type: E.tagAdded, data: { ...ref(2), tag: 'Lead' } }],
        [catalog, { type: CATALOG_EVENTS.fieldDefined, data: { botId, key: 'age', label: 'Age', type: 'number', createdAt: at(3) } }],
        [user, { type: E.fieldSet, data: { ...ref(3), key: 'age', fieldType: 'number', value: 36 } }],
        [user, { type: E.fieldSet, data: { ...ref(4), key: 'city', fieldType: 'text', value: 'London' } }],
        [user, { type: E.fieldSet, data: { ...ref(5), key: 'vip', fieldType: 'boolean', value: true } }],
        [user, { type: E.noteAdded, data: { ...ref(6), noteId: 'note-1', text: 'called back' } }],
        [user, { type: E.sequenceSubscribed, data: { ...ref(7), sequenceId: 'seq-1', sequenceName: 'Welcome' } }],
        [user, { type: E.sequenceSubscribed, data: { ...ref(8), sequenceId: 'seq-2' } }],
        [user, { type: E.otnOptedIn, data: { ...ref(9), topicId: 'topic-1', topicName: 'Back in stock' } }],
        [user, { type: E.otnOptedIn, data: { ...ref(10), topicId: 'topic-2' } }],
        [user, { type: E.tagRemoved, data: { ...ref(11), tag: 'vip' } }],
        [user, { type: E.fieldCleared, data: { ...ref(12), key: 'city' } }],
        [user, { type: E.fieldSet, data: { ...ref(13), key: 'age', fieldType: 'number', value: 37 } }],
        [user, { type: E.sequenceUnsubscribed, data: { ...ref(14), sequenceId: 'seq-1' } }],
        [user, { type: E.otnRemoved, data: { ...ref(15), topicId: 'topic-2' } }],
        [user, { type: E.noteDeleted, data: { ...ref(16), noteId: 'note-1' } }],
      ];
      for (const [stream, event] of history) await infra.eventStore.appendToStream(stream, [await infra.codec.encode(event)]);
      const recorded = [...(await infra.eventStore.readStream(user)), ...(await infra.eventStore.readStream(catalog))];
      return recorded.sort((a, b) => (a.position < b.position ? -1 : 1)).map((e) => ({ ...e, source: 'user-profile' }));
    }

    const expectedRecord = {
      id: userId,
      botId,
      tags: ['Lead'],
      fields: { age: 37, vip: true },
      fieldTypes: { age: 'number', vip: 'boolean' },
      sequences: ['seq-2'],
      otnTopics: ['topic-1'],
    };
    const isUserEvent = (e: DeliveredEvent) => e.type !== CATALOG_EVENTS.tagDefined && e.type !== CATALOG_EVENTS.fieldDefined;
    const ofType = (events: DeliveredEvent[], type: string) => events.filter((e) => e.type === type);

    it('folds them into the document; field values come back decrypted in their JSON type', async () => {
      const events = await recordHistory();
      const stored = ofType(events, E.fieldSet).map((e) => (e.data as { value: unknown }).value);
      expect(stored).toHaveLength(4);
      for (const value of stored) expect(typeof value).toBe('object'); // ciphertexts in the store, not 36 / 'London' / true
      expect(JSON.stringify(stored)).not.toContain('London');

      const projection = new UserListProjection(infra, new ActiveWalks());
      await projection.apply(events);
      const doc = await projection.users.get(userId);
      expect(doc).toMatchObject(expectedRecord);
      expect(doc).not.toHaveProperty('notes');
    });

    it('gives the same document when everything is delivered twice, one by one or in other batch cuts', async () => {
      const events = await recordHistory();
      const inOneBatch = new UserListProjection(infra, new ActiveWalks());
      await inOneBatch.apply(events);
      const once = await inOneBatch.users.get(userId);
      expect(once).toMatchObject(expectedRecord);

      await inOneBatch.apply([...events, ...events]);
      expect(await inOneBatch.users.get(userId)).toEqual(once);

      for (const cut of [1, 2, 5, 7]) {
        await inOneBatch.users.clear();
        for (let i = 0; i < events.length; i += cut) await inOneBatch.apply(events.slice(0, i + cut));
        await inOneBatch.apply(events.slice(3, 11));
        expect(await inOneBatch.users.get(userId)).toEqual(once);
      }
    });

    it('ignores older record events redelivered after newer ones (position guard)', async () => {
      const events = await recordHistory();
      const projection = new UserListProjection(infra, new ActiveWalks());
      await projection.apply(events);
      const once = await projection.users.get(userId);
      const older = [...ofType(events, E.tagAdded), ...ofType(events, E.fieldSet).slice(0, 2), ...ofType(events, E.sequenceSubscribed), ...ofType(events, E.otnOptedIn)];
      for (const event of older) await projection.apply([event]);
      await projection.apply([...older].reverse());
      expect(await projection.users.get(userId)).toEqual(once);
      expect(once).toMatchObject(expectedRecord);
    });

    it('ignores a catalog event in a batch (it has no user), yet moves its checkpoint past it', async () => {
      const events = await recordHistory();
      const catalogEvents = events.filter((e) => !isUserEvent(e));
      expect(catalogEvents).toHaveLength(2);
      const projection = new UserListProjection(infra, new ActiveWalks());
      await projection.apply(catalogEvents);
      expect(await projection.users.count()).toBe(0);
      expect(projection.position).toBe(catalogEvents[1]!.position);

      await projection.apply(events);
      expect(await projection.users.count()).toBe(1);
      expect(await projection.users.get(userId)).toMatchObject(expectedRecord);
    });

    it('consumes only BotUser events from the bus', async () => {
      const events = await recordHistory();
      const projection = new UserListProjection(infra, new ActiveWalks());
      const delivered: DeliveredEvent[] = [];
      const apply = projection.apply.bind(projection);
      projection.apply = async (batch) => {
        delivered.push(...batch);
        await apply(batch);
      };
      await projection.onApplicationBootstrap();
      try {
        const lastUserEvent = events.filter(isUserEvent).at(-1)!;
        await waitFor(() => projection.position === lastUserEvent.position, { what: 'the projection to catch up' });
        expect(delivered.map((e) => e.type)).toEqual(events.filter(isUserEvent).map((e) => e.type));
        expect(await projection.users.get(userId)).toMatchObject(expectedRecord);
      } finally {
        await projection.onApplicationShutdown();
      }
    });
  });
});
