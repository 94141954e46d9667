import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizedEventSchema } from '@roster/contracts';
import { EMPTY_TWIML, mapTwilioSms, mapTwilioVoice, type TwilioMapResult } from './index';

const fixture = (name: string): Record<string, string> => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));
const receivedAt = new Date('2026-01-02T03:04:05.678Z');
const sms = fixture('twilio-sms.json');
const voice = fixture('twilio-voice.json');

const eventOf = (result: TwilioMapResult) => {
  if (result.rejected) throw new Error(result.rejected.reason);
  expect(normalizedEventSchema.safeParse(result.event).error).toBeUndefined();
  return result.event;
};

describe('mapTwilioSms', () => {
  it('an inbound SMS → message.received of From, routed by To, MessageSid as eventId', () => {
    const result = mapTwilioSms(sms, receivedAt);
    expect(result).toEqual({
      externalId: '+14155550100',
      event: {
        eventId: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
        type: 'message.received',
        channel: 'sms',
        channelUserId: '+14155550123',
        occurredAt: '2026-01-02T03:04:05.678Z',
        profile: { phone: '+14155550123' },
      },
    });
    eventOf(result);
  });

  it.each(['STOP', 'stop', '  Stop \n', 'STOPALL', 'unsubscribe', 'Cancel', 'END', 'quit'])('%j → user.unsubscribed', (body) => {
    expect(eventOf(mapTwilioSms({ ...sms, Body: body }, receivedAt)).type).toBe('user.unsubscribed');
  });

  it.each(['START', 'yes', ' Unstop '])('%j → user.subscribed', (body) => {
    expect(eventOf(mapTwilioSms({ ...sms, Body: body }, receivedAt)).type).toBe('user.subscribed');
  });

  it.each(['stop please', 'STOP STOP', 'STOP.', 'yes!', 'help', '', 'S T O P'])('%j → message.received (the whole body must be the keyword)', (body) => {
    expect(eventOf(mapTwilioSms({ ...sms, Body: body }, receivedAt)).type).toBe('message.received');
  });

  it('honours Twilio Advanced Opt-Out (OptOutType) for custom keywords', () => {
    expect(eventOf(mapTwilioSms({ ...sms, Body: 'arrêt', OptOutType: 'STOP' }, receivedAt)).type).toBe('user.unsubscribed');
    expect(eventOf(mapTwilioSms({ ...sms, Body: 'reprendre', OptOutType: 'START' }, receivedAt)).type).toBe('user.subscribed');
    expect(eventOf(mapTwilioSms({ ...sms, Body: 'aide', OptOutType: 'HELP' }, receivedAt)).type).toBe('message.received');
  });

  it('an MMS without Body is a message received', () => {
    const withMedia: Record<string, string> = { ...sms, NumMedia: '1', MediaUrl0: 'https://api.twilio.com/media/ME1' };
    const { Body: _body, ...mms } = withMedia;
    expect(eventOf(mapTwilioSms(mms, receivedAt)).type).toBe('message.received');
  });

  it('is stable on redelivery: the same MessageSid', () => {
    const a = eventOf(mapTwilioSms(sms, receivedAt));
    const b = eventOf(mapTwilioSms(sms, new Date('2026-01-02T03:05:00Z')));
    expect(b.eventId).toBe(a.eventId);
  });

  it('rejects missing parameters, status callbacks and non-phone senders', () => {
    const { MessageSid: _m, ...noSid } = sms;
    const { From: _f, To: _t, ...noParties } = sms;
    expect(mapTwilioSms(noSid, receivedAt)).toEqual({ rejected: { reason: 'missing MessageSid' } });
    expect(mapTwilioSms(noParties, receivedAt)).toEqual({ rejected: { reason: 'missing From, To' } });
    expect(mapTwilioSms({ ...sms, From: '  ' }, receivedAt)).toEqual({ rejected: { reason: 'missing From' } });
    expect(mapTwilioSms({ ...sms, SmsStatus: 'delivered', MessageStatus: 'delivered' }, receivedAt).rejected?.reason).toMatch(/not an inbound message/);
    expect(mapTwilioSms({ ...sms, From: 'whatsapp:+14155550123' }, receivedAt).rejected?.reason).toMatch(/not a phone number/);
    expect(mapTwilioSms(null as unknown as Record<string, string>, receivedAt).rejected?.reason).toBe('parameters are not an object');
    expect(mapTwilioSms(sms, new Date('nope')).rejected?.reason).toBe('receivedAt is not a valid date');
  });
});

describe('mapTwilioVoice', () => {
  it('an inbound call → message.received on channel voice, CallSid as eventId', () => {
    const result = mapTwilioVoice(voice, receivedAt);
    expect(result).toEqual({
      externalId: '+14155550100',
      event: {
        eventId: 'CA5f3c1b1e0a9d8c7b6a5f4e3d2c1b0a99',
        type: 'message.received',
        channel: 'voice',
        channelUserId: '+14155550123',
        occurredAt: '2026-01-02T03:04:05.678Z',
        profile: { phone: '+14155550123' },
      },
    });
    eventOf(result);
  });

  it('rejects missing parameters, outbound calls, withheld caller ids and client identities', () => {
    const { CallSid: _c, ...noSid } = voice;
    expect(mapTwilioVoice(noSid, receivedAt)).toEqual({ rejected: { reason: 'missing CallSid' } });
    expect(mapTwilioVoice({ ...voice, Direction: 'outbound-api' }, receivedAt).rejected?.reason).toMatch(/not an inbound call/);
    expect(mapTwilioVoice({ ...voice, From: '+266696687' }, receivedAt).rejected?.reason).toMatch(/withheld/);
    expect(mapTwilioVoice({ ...voice, From: 'client:alice' }, receivedAt).rejected?.reason).toMatch(/not a phone number/);
  });

  it('EMPTY_TWIML is an empty Response document', () => {
    expect(EMPTY_TWIML).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });
});
