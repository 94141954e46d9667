import type { NormalizedEvent } from '@roster/contracts';
import { dateToIso, EntryCollector, isObject, msToIso, platformEventId, stableId, str, type JsonObject, type WebhookMapResult } from './common';

export type MetaChannel = 'messenger' | 'instagram';

const OBJECT_CHANNEL: Readonly<Record<string, MetaChannel>> = { page: 'messenger', instagram: 'instagram' };

/** Messaging items that are receipts, not interactions of the user (like WhatsApp `statuses`): skipped, not rejected. */
const RECEIPTS = ['delivery', 'read'] as const;

/** The route keys (`entry[].id`: page id or Instagram account id) of a Meta delivery, to find the connection's secret. */
export function metaExternalIds(payload: unknown): string[] {
  if (!isObject(payload) || !Array.isArray(payload.entry)) return [];
  return [...new Set(payload.entry.map((entry) => (isObject(entry) ? str(entry.id) : undefined)).filter((id): id is string => !!id))];
}

type BaseFields = Pick<NormalizedEvent, 'eventId' | 'channel' | 'channelUserId' | 'occurredAt'>;
type Mapped = { event: NormalizedEvent } | { reject: string } | { skip: true };

/**
 * Maps a Messenger (`object: "page"`) or Instagram (`object: "instagram"`) webhook delivery to normalized events,
 * grouped by `entry[].id`. Never throws: what cannot be mapped is listed in `rejected` with a reason.
 */
export function mapMetaWebhook(payload: unknown, receivedAt: Date): WebhookMapResult<MetaChannel> {
  const out = new EntryCollector<MetaChannel>();
  if (!isObject(payload)) {
    out.reject('payload is not a JSON object');
    return out.result();
  }
  const channel = typeof payload.object === 'string' ? OBJECT_CHANNEL[payload.object] : undefined;
  if (!channel || !Object.hasOwn(OBJECT_CHANNEL, String(payload.object))) {
    out.reject(`unknown object ${JSON.stringify(typeof payload.object === 'string' ? payload.object.slice(0, 40) : typeof payload.object)}`);
    return out.result();
  }
  if (!Array.isArray(payload.entry)) {
    out.reject('entry is not an array');
    return out.result();
  }
  payload.entry.forEach((entry: unknown, e) => {
    const where = `entry[${e}]`;
    if (!isObject(entry) || !str(entry.id)) return out.reject(`${where}: no id`);
    const externalId = entry.id as string;
    if (!Array.isArray(entry.messaging)) {
      const kinds = ['changes', 'standby'].filter((k) => k in entry);
      return out.reject(`${where}: no messaging items${kinds.length ? ` (${kinds.join(', ')} not mapped)` : ''}`);
    }
    entry.messaging.forEach((item: unknown, m) => {
      const at = `${where}.messaging[${m}]`;
      const mapped = mapItem(item, channel, receivedAt);
      if ('event' in mapped) out.add(externalId, channel, mapped.event, at);
      else if ('reject' in mapped) out.reject(`${at}: ${mapped.reject}`);
    });
  });
  return out.result();
}

function mapItem(item: unknown, channel: MetaChannel, receivedAt: Date): Mapped {
  if (!isObject(item)) return { reject: 'not an object' };
  const senderId = isObject(item.sender) ? str(item.sender.id) : undefined;
  const recipientId = isObject(item.recipient) ? str(item.recipient.id) : undefined;
  const occurredAt = msToIso(item.timestamp) ?? dateToIso(receivedAt);
  if (!occurredAt) return { reject: 'no usable timestamp' };
  const hasTimestamp = msToIso(item.timestamp) !== undefined;

  const base = (userId: string | undefined, eventId: string): BaseFields | undefined =>
    userId ? { eventId: platformEventId(eventId), channel, channelUserId: userId, occurredAt } : undefined;

  if (isObject(item.message)) {
    const message = item.message;
    const mid = str(message.mid);
    if (!mid) return { reject: 'message without mid' };
    if (message.is_deleted === true) return { reject: 'deleted (unsent) message' };
    const echo = message.is_echo === true;
    const fields = base(echo ? recipientId : senderId, mid);
    if (!fields) return { reject: `message without ${echo ? 'recipient' : 'sender'} id` };
    return { event: { ...fields, type: echo ? 'message.sent' : 'message.received' } };
  }

  if (isObject(item.postback)) {
    const postback = item.postback;
    const mid = str(postback.mid);
    if (!mid && !hasTimestamp) return { reject: 'postback without mid or timestamp: no stable event id' };
    const fields = base(senderId, mid ?? stableId('postback', senderId, item.timestamp, postback.payload ?? null, postback.title ?? null));
    if (!fields) return { reject: 'postback without sender id' };
    return { event: { ...fields, type: 'postback' } };
  }

  if (isObject(item.referral)) {
    const referral = item.referral;
    if (!hasTimestamp) return { reject: 'referral without timestamp: no stable event id' };
    const fields = base(
      senderId,
      stableId('referral', senderId, item.timestamp, referral.ref ?? null, referral.source ?? null, referral.type ?? null, referral.ad_id ?? null),
    );
    if (!fields) return { reject: 'referral without sender id' };
    return { event: { ...fields, type: 'postback' } };
  }

  if (isObject(item.optin)) return mapOptin(item, item.optin, senderId, base, hasTimestamp);

  for (const receipt of RECEIPTS) if (isObject(item[receipt])) return { skip: true };

  const keys = Object.keys(item).filter((k) => !['sender', 'recipient', 'timestamp'].includes(k));
  return { reject: `unsupported messaging item (${keys.slice(0, 5).join(', ') || 'no content'})` };
}

function mapOptin(
  item: JsonObject,
  optin: JsonObject,
  senderId: string | undefined,
  base: (userId: string | undefined, eventId: string) => BaseFields | undefined,
  hasTimestamp: boolean,
): Mapped {
  if (!senderId) {
    // The checkbox plugin names the user by `user_ref`, not a page-scoped id: the PSID arrives with the first message.
    return { reject: `opt-in without sender id${str(optin.user_ref) ? ' (user_ref only)' : ''}` };
  }
  if (optin.type === 'one_time_notif_req') {
    const token = str(optin.one_time_notif_token);
    const topicId = str(optin.payload);
    if (!token) return { reject: 'one-time notification opt-in without token' };
    if (!topicId) return { reject: 'one-time notification opt-in without payload (topic id)' };
    const fields = base(senderId, stableId('otn', senderId, token))!;
    const title = str(optin.title);
    return { event: { ...fields, type: 'otn.optin', topicId, ...(title ? { topicName: title.slice(0, 200) } : {}) } };
  }
  if (optin.type === 'notification_messages' && optin.notification_messages_status === 'STOP_NOTIFICATIONS') {
    // Stopping marketing messages is not leaving the conversation: no normalized event says it, so none is invented.
    return { reject: 'notification_messages STOP_NOTIFICATIONS is not mapped' };
  }
  if (!hasTimestamp) return { reject: 'opt-in without timestamp: no stable event id' };
  const fields = base(
    senderId,
    stableId('optin', senderId, item.timestamp, optin.type ?? null, optin.ref ?? null, optin.payload ?? null, optin.notification_messages_token ?? null),
  )!;
  return { event: { ...fields, type: 'user.subscribed' } };
}
