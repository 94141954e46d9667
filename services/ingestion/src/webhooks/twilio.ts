import type { NormalizedEvent } from '@roster/contracts';
import { checked, dateToIso, platformEventId, type WebhookRejection } from './common';

/** The empty TwiML answer: acknowledges a Twilio webhook without replying or acting. */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** Twilio's standard opt-out and opt-in keywords (the whole body, trimmed, any case). */
export const TWILIO_OPT_OUT_KEYWORDS: readonly string[] = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'];
export const TWILIO_OPT_IN_KEYWORDS: readonly string[] = ['START', 'YES', 'UNSTOP'];

/** `externalId` is the Twilio number called or texted (`To`), the connection's route key. */
export type TwilioMapResult =
  | { externalId: string; event: NormalizedEvent; rejected?: undefined }
  | { rejected: WebhookRejection; externalId?: undefined; event?: undefined };

/**
 * Twilio's stand-ins for a withheld caller id (anonymous, restricted, unavailable, blocked): not one person, so no
 * bot user is made from them.
 */
const WITHHELD_CALLER_IDS = new Set(['+266696687', '+7378742833', '+8656696', '+2562533']);

const reject = (reason: string): TwilioMapResult => ({ rejected: { reason } });

const missing = (params: Readonly<Record<string, string>>, names: string[]): string[] =>
  names.filter((name) => typeof params[name] !== 'string' || params[name].trim().length === 0);

function build(
  params: Readonly<Record<string, string>>,
  idParam: 'MessageSid' | 'CallSid',
  channel: 'sms' | 'voice',
  type: NormalizedEvent['type'],
  receivedAt: Date,
): TwilioMapResult {
  const from = params.From.trim();
  if (from.includes(':')) return reject(`From is not a phone number (${from.split(':')[0]}: address)`);
  if (!from.startsWith('+') || WITHHELD_CALLER_IDS.has(from)) return reject('From is not a phone number (withheld or unknown caller id)');
  const occurredAt = dateToIso(receivedAt);
  if (!occurredAt) return reject('receivedAt is not a valid date');
  const event = { eventId: platformEventId(params[idParam].trim()), type, channel, channelUserId: from, occurredAt, profile: { phone: from } } as NormalizedEvent;
  const result = checked(event, channel);
  return 'rejection' in result ? { rejected: result.rejection } : { externalId: params.To.trim(), event: result.event };
}

const isParams = (params: unknown): params is Record<string, string> => typeof params === 'object' && params !== null;

/**
 * An inbound SMS webhook (form parameters) → one event of the texting user: opt-out keywords → `user.unsubscribed`,
 * opt-in keywords → `user.subscribed`, anything else → `message.received`. Twilio's Advanced Opt-Out `OptOutType`
 * (STOP / START), when present, decides as well. Twilio sends no time: `occurredAt` is `receivedAt`.
 */
export function mapTwilioSms(params: Readonly<Record<string, string>>, receivedAt: Date): TwilioMapResult {
  if (!isParams(params)) return reject('parameters are not an object');
  const absent = missing(params, ['MessageSid', 'From', 'To']);
  if (absent.length) return reject(`missing ${absent.join(', ')}`);
  if (typeof params.SmsStatus === 'string' && params.SmsStatus !== 'received') return reject(`not an inbound message (SmsStatus ${params.SmsStatus.slice(0, 20)})`);
  const body = typeof params.Body === 'string' ? params.Body.trim().toUpperCase() : '';
  const optOutType = typeof params.OptOutType === 'string' ? params.OptOutType.toUpperCase() : '';
  const type: NormalizedEvent['type'] =
    optOutType === 'STOP' || TWILIO_OPT_OUT_KEYWORDS.includes(body)
      ? 'user.unsubscribed'
      : optOutType === 'START' || TWILIO_OPT_IN_KEYWORDS.includes(body)
        ? 'user.subscribed'
        : 'message.received';
  return build(params, 'MessageSid', 'sms', type, receivedAt);
}

/** An inbound call webhook → `message.received` of the caller on channel `voice` (`CallSid` as event id). */
export function mapTwilioVoice(params: Readonly<Record<string, string>>, receivedAt: Date): TwilioMapResult {
  if (!isParams(params)) return reject('parameters are not an object');
  const absent = missing(params, ['CallSid', 'From', 'To']);
  if (absent.length) return reject(`missing ${absent.join(', ')}`);
  // For a call we place, From is our number and To the person: that is not an interaction of a caller.
  if (typeof params.Direction === 'string' && params.Direction.startsWith('outbound')) return reject(`not an inbound call (Direction ${params.Direction.slice(0, 20)})`);
  return build(params, 'CallSid', 'voice', 'message.received', receivedAt);
}
