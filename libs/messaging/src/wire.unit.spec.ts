import type { RecordedEvent } from '@roster/eventstore';
import { decodeEvent, decodeMessage, encodeBatch, encodeEvent, parsePosition } from './wire';

const event: RecordedEvent = {
  id: 'e-1',
  type: 'user-profile.BotUserCreated.v1',
  streamName: 'botUser-b1-u1',
  revision: 3n,
  position: 2n ** 64n + 1n,
  data: { tags: ['vip'] },
  metadata: { correlationId: 'c-1' },
  recordedAt: '2026-11-25T10:00:00.000Z',
};

describe('wire form of relayed events', () => {
  it('keeps positions beyond 2^53 exact, as decimal strings', () => {
    const json = encodeEvent(event);
    expect(JSON.parse(json)).toMatchObject({ position: '18446744073709551617', revision: '3' });
    expect(decodeEvent(json, 'user-profile')).toEqual({ ...event, source: 'user-profile' });
  });

  it.each([['', 'empty'], [' 1', 'padded'], ['01', 'leading zero'], ['-1', 'negative'], [7, 'a number'], [undefined, 'missing']])(
    'rejects %p as a position (%s)',
    (value, _why) => {
      expect(() => parsePosition(value)).toThrow(/decimal string/);
    },
  );

  it('rejects a body that is not a relayed event', () => {
    expect(() => decodeEvent('{"hello":1}', 's')).toThrow(/lacks id/);
    expect(() => decodeEvent(JSON.stringify({ ...JSON.parse(encodeEvent(event)), position: 5 }), 's')).toThrow(/position/);
  });

  it('reads a message holding a run of events, and a message of one event as written before batching', () => {
    const second = { ...event, id: 'e-2', position: event.position + 1n };
    expect(decodeMessage(encodeBatch([encodeEvent(event), encodeEvent(second)]), 's')).toEqual([
      { ...event, source: 's' },
      { ...second, source: 's' },
    ]);
    expect(decodeMessage(encodeEvent(event), 's')).toEqual([{ ...event, source: 's' }]);
  });

  it('rejects an empty run and a run out of position order', () => {
    expect(() => decodeMessage('[]', 's')).toThrow(/no event/);
    expect(() => decodeMessage(encodeBatch([encodeEvent(event), encodeEvent(event)]), 's')).toThrow(/order/);
    expect(() => decodeMessage('[{"hello":1}]', 's')).toThrow(/lacks id/);
  });
});
