import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizedEventSchema } from '@roster/contracts';
import { mapWhatsAppWebhook, whatsAppExternalIds } from './index';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));
const receivedAt = new Date('2026-01-02T03:04:05.678Z');

describe('mapWhatsAppWebhook', () => {
  it('maps messages to message.received with the contact name and phone, routed by phone_number_id', () => {
    const result = mapWhatsAppWebhook(fixture('whatsapp-text.json'), receivedAt);
    expect(result.rejected).toEqual([]);
    const profile = { name: 'Sheena Nelson', phone: '+16505551234' };
    expect(result.entries).toEqual([
      {
        externalId: '106540352242922',
        channel: 'whatsapp',
        events: [
          {
            eventId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
            type: 'message.received',
            channel: 'whatsapp',
            channelUserId: '16505551234',
            occurredAt: '2026-01-01T00:10:00.000Z',
            profile,
          },
          {
            eventId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RwA=',
            type: 'message.received',
            channel: 'whatsapp',
            channelUserId: '16505551234',
            occurredAt: '2026-01-01T00:11:00.000Z',
            profile,
          },
        ],
      },
    ]);
    for (const event of result.entries[0].events) expect(normalizedEventSchema.safeParse(event).error).toBeUndefined();
    expect(whatsAppExternalIds(fixture('whatsapp-text.json'))).toEqual(['106540352242922']);
  });

  it('ignores statuses: no events, nothing rejected', () => {
    expect(mapWhatsAppWebhook(fixture('whatsapp-statuses.json'), receivedAt)).toEqual({ entries: [], rejected: [] });
  });

  it('gives the same eventIds on redelivery', () => {
    const ids = (at: Date) => mapWhatsAppWebhook(fixture('whatsapp-text.json'), at).entries.flatMap((e) => e.events.map((ev) => ev.eventId));
    expect(ids(new Date('2026-03-01T00:00:00Z'))).toEqual(ids(receivedAt));
  });

  it('maps interactive replies and media without a matching contact (no name), and skips over-long names', () => {
    const value = (messages: unknown[], contacts: unknown[] = []) => ({
      object: 'whatsapp_business_account',
      entry: [{ id: 'waba', changes: [{ field: 'messages', value: { metadata: { phone_number_id: 'pn1' }, contacts, messages } }] }],
    });
    const result = mapWhatsAppWebhook(
      value(
        [
          { from: '447700900123', id: 'wamid.A', timestamp: '1767226200', type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } } },
          { from: '447700900124', id: 'wamid.B', timestamp: 1767226201, type: 'image', image: { id: 'media-1', mime_type: 'image/jpeg' } },
        ],
        [{ wa_id: '447700900124', profile: { name: 'n'.repeat(401) } }],
      ),
      receivedAt,
    );
    expect(result.rejected).toEqual([]);
    expect(result.entries[0].events.map((e) => [e.eventId, e.profile, e.occurredAt])).toEqual([
      ['wamid.A', { phone: '+447700900123' }, '2026-01-01T00:10:00.000Z'],
      ['wamid.B', { phone: '+447700900124' }, '2026-01-01T00:10:01.000Z'],
    ]);
  });

  it('rejects unknown objects and shapes with a reason, never throws', () => {
    const wa = (changes: unknown) => ({ object: 'whatsapp_business_account', entry: [{ id: 'waba', changes }] });
    const cases: [unknown, string[]][] = [
      [null, ['payload is not a JSON object']],
      [{ object: 'page', entry: [] }, ['unknown object "page"']],
      [{ object: 'whatsapp_business_account' }, ['entry is not an array']],
      [{ object: 'whatsapp_business_account', entry: [{ id: 'waba' }] }, ['entry[0]: no changes']],
      [wa([null]), ['entry[0].changes[0]: no value']],
      [wa([{ field: 'message_template_status_update', value: { event: 'APPROVED' } }]), ['entry[0].changes[0]: field "message_template_status_update" is not mapped']],
      [wa([{ field: 'messages', value: { messages: [] } }]), ['entry[0].changes[0]: no metadata.phone_number_id']],
      [wa([{ field: 'messages', value: { metadata: { phone_number_id: 'pn' } } }]), ['entry[0].changes[0]: neither messages nor statuses']],
      [wa([{ field: 'messages', value: { metadata: { phone_number_id: 'pn' }, messages: {} } }]), ['entry[0].changes[0]: messages is not an array']],
      [
        wa([
          {
            field: 'messages',
            value: {
              metadata: { phone_number_id: 'pn' },
              messages: [
                7,
                { id: 'wamid.x', timestamp: '1', type: 'text' },
                { from: '1555', timestamp: '1', type: 'text' },
                { from: '1555', id: 'wamid.y', timestamp: '1', type: 'system', system: { type: 'user_changed_number' } },
              ],
            },
          },
        ]),
        [
          'entry[0].changes[0].value.messages[0]: not an object',
          'entry[0].changes[0].value.messages[1]: no from',
          'entry[0].changes[0].value.messages[2]: no id',
          'entry[0].changes[0].value.messages[3]: system message is not mapped',
        ],
      ],
    ];
    for (const [payload, reasons] of cases) {
      expect(mapWhatsAppWebhook(payload, receivedAt)).toEqual({ entries: [], rejected: reasons.map((reason) => ({ reason })) });
    }
  });
});
