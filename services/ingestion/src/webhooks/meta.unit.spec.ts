import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizedEventSchema } from '@roster/contracts';
import { mapMetaWebhook, metaExternalIds, type WebhookMapResult } from './index';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));
const receivedAt = new Date('2026-01-02T03:04:05.678Z');
const PAGE = '106433678512345';
const USER = '6789012345678901';

const events = (result: WebhookMapResult) => result.entries.flatMap((entry) => entry.events);
const expectValid = (result: WebhookMapResult) => {
  for (const event of events(result)) expect(normalizedEventSchema.safeParse(event).error).toBeUndefined();
};
const only = (name: string) => {
  const result = mapMetaWebhook(fixture(name), receivedAt);
  expectValid(result);
  expect(result.rejected).toEqual([]);
  expect(result.entries).toHaveLength(1);
  expect(result.entries[0]).toMatchObject({ externalId: PAGE, channel: 'messenger' });
  return result.entries[0].events;
};

describe('mapMetaWebhook: Messenger', () => {
  it('a text message → message.received, eventId = mid, occurredAt from the ms timestamp', () => {
    expect(only('messenger-text.json')).toEqual([
      {
        eventId: 'm_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P',
        type: 'message.received',
        channel: 'messenger',
        channelUserId: USER,
        occurredAt: '2026-01-01T00:00:00.000Z',
      },
    ]);
  });

  it('attachments and quick replies are messages received', () => {
    expect(only('messenger-attachment.json')).toEqual([expect.objectContaining({ type: 'message.received', eventId: 'm_attachment-0001', channelUserId: USER })]);
    expect(only('messenger-quick-reply.json')).toEqual([expect.objectContaining({ type: 'message.received', eventId: 'm_quick-reply-0001', channelUserId: USER })]);
  });

  it('an echo is message.sent to the recipient (the user), not from the page', () => {
    expect(only('messenger-echo.json')).toEqual([
      { eventId: 'm_echo-0001', type: 'message.sent', channel: 'messenger', channelUserId: USER, occurredAt: '2026-01-01T00:03:00.000Z' },
    ]);
  });

  it('a postback uses its mid, or a hash of sender, timestamp and payload', () => {
    const [withMid, withoutMid] = only('messenger-postback.json');
    expect(withMid).toMatchObject({ type: 'postback', eventId: 'm_postback-0001', channelUserId: USER, occurredAt: '2026-01-01T00:04:00.000Z' });
    expect(withoutMid).toMatchObject({ type: 'postback', channelUserId: USER, occurredAt: '2026-01-01T00:04:05.000Z' });
    expect(withoutMid.eventId).toMatch(/^postback:[0-9a-f]{64}$/);
  });

  it('a referral is a postback-type interaction with a deterministic id', () => {
    const [event] = only('messenger-referral.json');
    expect(event).toMatchObject({ type: 'postback', channelUserId: USER, occurredAt: '2026-01-01T00:05:00.000Z' });
    expect(event.eventId).toMatch(/^referral:[0-9a-f]{64}$/);
  });

  it('a one-time notification opt-in → otn.optin with topic id and name, id from sender + token', () => {
    const [event] = only('messenger-otn-optin.json');
    expect(event).toMatchObject({ type: 'otn.optin', topicId: 'restock-red-sneakers', topicName: 'Back in stock: red sneakers', channelUserId: USER });
    expect(event.eventId).toMatch(/^otn:[0-9a-f]{64}$/);
    // Another token of the same user and topic is another opt-in.
    const again = fixture('messenger-otn-optin.json') as { entry: { messaging: { optin: Record<string, string> }[] }[] };
    again.entry[0].messaging[0].optin.one_time_notif_token = '999';
    expect(events(mapMetaWebhook(again, receivedAt))[0].eventId).not.toBe(event.eventId);
  });

  it('a batch with several entries and items: grouped by entry id, receipts skipped, unsupported items rejected', () => {
    const result = mapMetaWebhook(fixture('messenger-batch.json'), receivedAt);
    expectValid(result);
    expect(result.entries.map((entry) => [entry.externalId, entry.events.map((event) => [event.type, event.channelUserId])])).toEqual([
      [
        PAGE,
        [
          ['message.received', USER],
          ['user.subscribed', '6789012345678902'],
          ['message.received', '6789012345678903'],
        ],
      ],
      [
        '209876543210987',
        [
          ['message.received', '3333444455556666'],
          ['postback', '3333444455556666'],
        ],
      ],
    ]);
    expect(result.rejected).toEqual([{ reason: 'entry[0].messaging[4]: unsupported messaging item (reaction)' }]);
    expect(metaExternalIds(fixture('messenger-batch.json'))).toEqual([PAGE, '209876543210987']);
  });
});

describe('mapMetaWebhook: Instagram', () => {
  it('routes by the Instagram account id on channel instagram', () => {
    const result = mapMetaWebhook(fixture('instagram-message.json'), receivedAt);
    expectValid(result);
    expect(result.rejected).toEqual([]);
    expect(result.entries).toEqual([
      {
        externalId: '17841405822304914',
        channel: 'instagram',
        events: [expect.objectContaining({ type: 'message.received', channel: 'instagram', channelUserId: '1234567890123456', occurredAt: '2026-01-01T00:07:00.000Z' })],
      },
    ]);
  });
});

describe('mapMetaWebhook: redelivery and robustness', () => {
  it('gives the same eventIds when the same payload is delivered again later', () => {
    for (const name of ['messenger-text.json', 'messenger-postback.json', 'messenger-referral.json', 'messenger-otn-optin.json', 'messenger-batch.json', 'instagram-message.json']) {
      const first = events(mapMetaWebhook(fixture(name), receivedAt));
      const again = events(mapMetaWebhook(fixture(name), new Date('2026-02-01T00:00:00Z')));
      expect(again).toEqual(first);
      expect(new Set(first.map((e) => e.eventId)).size).toBe(first.length);
    }
  });

  it('rejects unknown objects and shapes with a reason, never throws', () => {
    const bad: unknown[] = [
      null,
      'page',
      [],
      {},
      { object: 'user' },
      { object: 'constructor', entry: [] },
      { object: 'page' },
      { object: 'page', entry: {} },
      { object: 'page', entry: [null, { id: 5 }, { id: 'p' }, { id: 'p', changes: [] }] },
      {
        object: 'page',
        entry: [
          {
            id: 'p',
            messaging: [
              null,
              {},
              { sender: { id: 'u' }, timestamp: 1 },
              { sender: { id: 'u' }, timestamp: 1767225600000, message: { text: 'no mid' } },
              { recipient: { id: 'p' }, timestamp: 1767225600000, message: { mid: 'm1' } },
              { sender: { id: 'p' }, timestamp: 1767225600000, message: { mid: 'm2', is_echo: true } },
              { sender: { id: 'u' }, postback: { payload: 'X' } },
              { sender: { id: 'u' }, timestamp: 1767225600000, optin: { type: 'one_time_notif_req', payload: 'topic' } },
              { recipient: { id: 'p' }, timestamp: 1767225600000, optin: { ref: 'checkbox', user_ref: 'ref-1' } },
              { sender: { id: 'u' }, timestamp: 1767225600000, optin: { type: 'notification_messages', notification_messages_status: 'STOP_NOTIFICATIONS' } },
              { sender: { id: 'x'.repeat(300) }, timestamp: 1767225600000, message: { mid: 'm3' } },
              { sender: { id: 'u' }, timestamp: 1767225600000, message: { mid: 'm4', is_deleted: true } },
              { sender: { id: 'u' }, timestamp: 1767225600000, message_edit: { mid: 'm5', text: 'edited' } },
            ],
          },
        ],
      },
    ];
    for (const payload of bad) {
      const result = mapMetaWebhook(payload, receivedAt);
      expect(result.entries).toEqual([]);
      expect(result.rejected.length).toBeGreaterThan(0);
      for (const r of result.rejected) expect(r.reason).toEqual(expect.any(String));
    }
    const items = mapMetaWebhook(bad[bad.length - 1], receivedAt);
    expect(items.rejected.map((r) => r.reason)).toEqual([
      'entry[0].messaging[0]: not an object',
      'entry[0].messaging[1]: unsupported messaging item (no content)',
      'entry[0].messaging[2]: unsupported messaging item (no content)',
      'entry[0].messaging[3]: message without mid',
      'entry[0].messaging[4]: message without sender id',
      'entry[0].messaging[5]: message without recipient id',
      'entry[0].messaging[6]: postback without mid or timestamp: no stable event id',
      'entry[0].messaging[7]: one-time notification opt-in without token',
      'entry[0].messaging[8]: opt-in without sender id (user_ref only)',
      'entry[0].messaging[9]: notification_messages STOP_NOTIFICATIONS is not mapped',
      'entry[0].messaging[10]: mapped event does not fit the contract at channelUserId',
      'entry[0].messaging[11]: deleted (unsent) message',
      'entry[0].messaging[12]: unsupported messaging item (message_edit)',
    ]);
    expect(mapMetaWebhook({ object: 'page', entry: [{ id: 'p', changes: [] }] }, receivedAt).rejected).toEqual([{ reason: 'entry[0]: no messaging items (changes not mapped)' }]);
  });

  it('falls back to the receive time when a message has no usable timestamp; hashes over-long ids', () => {
    const payload = { object: 'page', entry: [{ id: 'p', messaging: [{ sender: { id: 'u' }, timestamp: 'soon', message: { mid: 'm'.repeat(250) } }] }] };
    const [event] = events(mapMetaWebhook(payload, receivedAt));
    expect(event.occurredAt).toBe('2026-01-02T03:04:05.678Z');
    expect(event.eventId).toMatch(/^h:[0-9a-f]{64}$/);
    expect(normalizedEventSchema.safeParse(event).success).toBe(true);
  });
});
