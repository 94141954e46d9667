import { randomUUID } from 'node:crypto';
import { streams, USER_PROFILE_EVENTS as E } from '@roster/contracts';
import type { DeliveredEvent } from '@roster/messaging';
import { createTestInfra, type TestInfra } from '@roster/platform';
import { UserListProjection } from './user-list.projection';

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
    const projection = new UserListProjection(infra);
    await projection.apply(events);
    expect(await projection.users.get(userId)).toMatchObject(expected);
  });

  it('gives the same document when everything is delivered twice, in other batches', async () => {
    const events = await record();
    const projection = new UserListProjection(infra);
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
    const projection = new UserListProjection(infra);
    await projection.apply(events);
    await projection.apply([events[1]!]);
    await projection.apply([events[0]!]);
    expect(await projection.users.get(userId)).toMatchObject(expected);
  });

  it('keeps its checkpoint in the read store, so a rebuild resumes where it was', async () => {
    const events = await record();
    const projection = new UserListProjection(infra);
    await projection.apply(events);
    expect(projection.position).toBe(events[3]!.position);
    const checkpoints = infra.readStore.collection('checkpoints');
    expect(await checkpoints.positionOf('segmentation-user-list')).toBe(events[3]!.position);
  });
});
