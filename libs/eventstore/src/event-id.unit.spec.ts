import { newEventId } from './event-id';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newEventId (UUIDv7)', () => {
  it('is a version 7, RFC 9562 variant UUID whose first 48 bits are the Unix milliseconds', () => {
    const at = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
    const id = newEventId(at);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts in the order the ids were made, within one millisecond too', () => {
    const at = Date.UTC(2030, 0, 1);
    const ids = [...Array.from({ length: 5_000 }, () => newEventId(at)), newEventId(at + 1), newEventId(at + 1000)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it('keeps the order when the clock steps back', () => {
    const first = newEventId(Date.UTC(2031, 0, 1));
    const second = newEventId(Date.UTC(2031, 0, 1) - 60_000);
    expect(second > first).toBe(true);
  });
});
