import { USER_PROFILE_EVENTS as E } from '@roster/contracts';
import { deciderSpec } from '@roster/testing';
import { botUserDecider, type RecordInteraction } from './bot-user';

const botId = '6f1c3c1e-6a0e-4d4f-9d7e-6f3f0b1a2c3d';
const userId = '0d7f6a2b-1c3e-4f5a-8b9c-0d1e2f3a4b5c';
const now = '2026-11-25T12:00:00.000Z';
const spec = deciderSpec(botUserDecider);

const interaction = (occurredAt: string, extra: Partial<RecordInteraction['data']> = {}): RecordInteraction => ({
  type: 'RecordInteraction',
  data: { botId, userId, channel: 'messenger', channelUserId: 'psid-1', eventType: 'message.received', occurredAt, ...extra },
  metadata: { now },
});

const created = (occurredAt: string, profile = {}) => ({
  type: E.created,
  data: {
    botId,
    userId,
    channel: 'messenger' as const,
    channelUserId: 'psid-1',
    profile,
    status: 'subscribed' as const,
    subscribedAt: occurredAt,
    lastInteractionAt: occurredAt,
    createdAt: now,
  },
});

describe('BotUser decider: RecordInteraction', () => {
  it('creates a subscribed user on the first interaction, with the profile the channel sent', () => {
    spec
      .given([])
      .when(interaction('2026-11-25T10:00:00Z', { profile: { firstName: 'Ada', email: 'ada@example.com' } }))
      .then([created('2026-11-25T10:00:00Z', { firstName: 'Ada', email: 'ada@example.com' })]);
  });

  it('creates an unsubscribed user when the first event is an unsubscribe', () => {
    const [event] = botUserDecider.decide(interaction('2026-11-25T10:00:00Z', { eventType: 'user.unsubscribed' }), botUserDecider.initialState());
    expect(event).toMatchObject({ type: E.created, data: { status: 'unsubscribed', subscribedAt: null } });
  });

  it('moves lastInteractionAt forward for a newer event', () => {
    spec
      .given([created('2026-11-25T10:00:00Z')])
      .when(interaction('2026-11-25T11:00:00Z'))
      .then([{ type: E.interacted, data: { botId, userId, occurredAt: '2026-11-25T11:00:00Z' } }]);
  });

  it('ignores an older or equal event (out of order or duplicated): nothing happens', () => {
    spec.given([created('2026-11-25T10:00:00Z')]).when(interaction('2026-11-25T09:00:00Z')).thenNothingHappens();
    spec.given([created('2026-11-25T10:00:00Z')]).when(interaction('2026-11-25T10:00:00Z')).thenNothingHappens();
  });

  it('records only the profile fields that changed', () => {
    spec
      .given([created('2026-11-25T10:00:00Z', { firstName: 'Ada', lastName: 'L' })])
      .when(interaction('2026-11-25T11:00:00Z', { profile: { firstName: 'Ada', lastName: 'Lovelace' } }))
      .then([
        { type: E.interacted, data: { botId, userId, occurredAt: '2026-11-25T11:00:00Z' } },
        { type: E.profileUpdated, data: { botId, userId, changes: { lastName: 'Lovelace' }, occurredAt: '2026-11-25T11:00:00Z' } },
      ]);
  });

  it('does not let an older event overwrite newer profile data', () => {
    spec
      .given([
        created('2026-11-25T10:00:00Z', { firstName: 'Ada' }),
        { type: E.interacted, data: { botId, userId, occurredAt: '2026-11-25T12:00:00Z' } },
        { type: E.profileUpdated, data: { botId, userId, changes: { firstName: 'Augusta' }, occurredAt: '2026-11-25T12:00:00Z' } },
      ])
      .when(interaction('2026-11-25T11:00:00Z', { profile: { firstName: 'Ada' } }))
      .thenNothingHappens();
  });

  it('unsubscribes and resubscribes, ignoring an older status change', () => {
    spec
      .given([created('2026-11-25T10:00:00Z')])
      .when(interaction('2026-11-25T11:00:00Z', { eventType: 'user.unsubscribed' }))
      .then([
        { type: E.interacted, data: { botId, userId, occurredAt: '2026-11-25T11:00:00Z' } },
        { type: E.unsubscribed, data: { botId, userId, occurredAt: '2026-11-25T11:00:00Z' } },
      ]);
    const unsubscribed = { type: E.unsubscribed, data: { botId, userId, occurredAt: '2026-11-25T11:00:00Z' } };
    const interactedAt11 = { type: E.interacted, data: { botId, userId, occurredAt: '2026-11-25T11:00:00Z' } };
    spec
      .given([created('2026-11-25T10:00:00Z'), interactedAt11, unsubscribed])
      .when(interaction('2026-11-25T10:30:00Z', { eventType: 'user.subscribed' }))
      .thenNothingHappens();
    spec
      .given([created('2026-11-25T10:00:00Z'), interactedAt11, unsubscribed])
      .when(interaction('2026-11-25T12:00:00Z', { eventType: 'user.subscribed' }))
      .then([
        { type: E.interacted, data: { botId, userId, occurredAt: '2026-11-25T12:00:00Z' } },
        { type: E.subscribed, data: { botId, userId, occurredAt: '2026-11-25T12:00:00Z' } },
      ]);
  });

  it('a subscribe for an already subscribed user emits no status event', () => {
    spec.given([created('2026-11-25T10:00:00Z')]).when(interaction('2026-11-25T10:00:00Z', { eventType: 'user.subscribed' })).thenNothingHappens();
  });
});
