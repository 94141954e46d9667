import type { InboundProfile } from '@roster/contracts';
import { dateToIso, EntryCollector, isObject, platformEventId, secondsToIso, str, type WebhookMapResult } from './common';

/** The route keys (`metadata.phone_number_id`) of a WhatsApp delivery, to find the connection's secret. */
export function whatsAppExternalIds(payload: unknown): string[] {
  const ids = new Set<string>();
  if (!isObject(payload) || !Array.isArray(payload.entry)) return [];
  for (const entry of payload.entry) {
    if (!isObject(entry) || !Array.isArray(entry.changes)) continue;
    for (const change of entry.changes) {
      const id = isObject(change) && isObject(change.value) && isObject(change.value.metadata) ? str(change.value.metadata.phone_number_id) : undefined;
      if (id) ids.add(id);
    }
  }
  return [...ids];
}

const MAX_NAME = 400;

/**
 * Maps a WhatsApp Cloud API delivery (`object: "whatsapp_business_account"`) to `message.received` events grouped by
 * `metadata.phone_number_id`. `statuses` (sent/delivered/read of our messages) are not interactions: skipped.
 * Never throws: what cannot be mapped is listed in `rejected`.
 */
export function mapWhatsAppWebhook(payload: unknown, receivedAt: Date): WebhookMapResult<'whatsapp'> {
  const out = new EntryCollector<'whatsapp'>();
  if (!isObject(payload)) {
    out.reject('payload is not a JSON object');
    return out.result();
  }
  if (payload.object !== 'whatsapp_business_account') {
    out.reject(`unknown object ${JSON.stringify(typeof payload.object === 'string' ? payload.object.slice(0, 40) : typeof payload.object)}`);
    return out.result();
  }
  if (!Array.isArray(payload.entry)) {
    out.reject('entry is not an array');
    return out.result();
  }
  payload.entry.forEach((entry: unknown, e) => {
    if (!isObject(entry) || !Array.isArray(entry.changes)) return out.reject(`entry[${e}]: no changes`);
    entry.changes.forEach((change: unknown, c) => {
      const where = `entry[${e}].changes[${c}]`;
      if (!isObject(change) || !isObject(change.value)) return out.reject(`${where}: no value`);
      if (change.field !== undefined && change.field !== 'messages') {
        return out.reject(`${where}: field ${JSON.stringify(String(change.field).slice(0, 60))} is not mapped`);
      }
      const value = change.value;
      const externalId = isObject(value.metadata) ? str(value.metadata.phone_number_id) : undefined;
      if (!externalId) return out.reject(`${where}: no metadata.phone_number_id`);
      if (value.messages === undefined) {
        if (value.statuses === undefined) out.reject(`${where}: neither messages nor statuses`);
        return;
      }
      if (!Array.isArray(value.messages)) return out.reject(`${where}: messages is not an array`);

      const names = new Map<string, string>();
      if (Array.isArray(value.contacts)) {
        for (const contact of value.contacts) {
          const waId = isObject(contact) ? str(contact.wa_id) : undefined;
          const name = isObject(contact) && isObject(contact.profile) ? str(contact.profile.name)?.trim() : undefined;
          if (waId && name && name.length <= MAX_NAME) names.set(waId, name);
        }
      }

      value.messages.forEach((message: unknown, m) => {
        const at = `${where}.value.messages[${m}]`;
        if (!isObject(message)) return out.reject(`${at}: not an object`);
        const from = str(message.from);
        const wamid = str(message.id);
        if (!from) return out.reject(`${at}: no from`);
        if (!wamid) return out.reject(`${at}: no id`);
        // A system message (e.g. "user changed number") is written by WhatsApp, not by the user.
        if (message.type === 'system') return out.reject(`${at}: system message is not mapped`);
        const occurredAt = secondsToIso(message.timestamp) ?? dateToIso(receivedAt);
        if (!occurredAt) return out.reject(`${at}: no usable timestamp`);
        const name = names.get(from);
        const profile: InboundProfile = { ...(name ? { name } : {}), ...(/^\d{1,20}$/.test(from) ? { phone: `+${from}` } : {}) };
        out.add(
          externalId,
          'whatsapp',
          {
            eventId: platformEventId(wamid),
            type: 'message.received',
            channel: 'whatsapp',
            channelUserId: from,
            occurredAt,
            ...(Object.keys(profile).length ? { profile } : {}),
          },
          at,
        );
      });
    });
  });
  return out.result();
}
