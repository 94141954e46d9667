import { randomUUID } from 'node:crypto';
import { EventTable, prefixRange } from './event-table';
import { openDatabase } from './schema';

/**
 * A prefix-filtered read takes the (stream, revision) index for prefixes with few events and scans positions for the
 * others: both plans must give exactly the events a plain prefix filter gives, in position order.
 */
describe('EventTable prefix reads', () => {
  const db = openDatabase({ filename: ':memory:', synchronous: 'NORMAL', busyTimeoutMs: 1000, walAutocheckpointPages: 1000 });
  const table = new EventTable(db, 3);
  const streams = ['bot-1', 'bot-2', 'botUser-a', 'botUser-b', 'bot.x', 'bot_%-1', 'bot', 'chännel-1', 'channel-1', 'x-1'];
  const revisions = new Map<string, bigint>();
  // botUser- gets many events (over the threshold), the others few.
  const order = [...streams, ...Array.from({ length: 20 }, (_, i) => (i % 2 ? 'botUser-a' : 'botUser-b')), 'bot-1', 'channel-1'];
  for (const stream of order) {
    const revision = revisions.get(stream) ?? 0n;
    revisions.set(stream, revision + 1n);
    table.insert(stream, revision, { id: randomUUID(), type: 't', data: { stream } }, new Date().toISOString());
  }
  afterAll(() => db.close());

  const expected = (prefixes: string[], after = 0n, max = Infinity) =>
    table
      .readAll(0n, undefined, undefined)
      .filter((e) => e.position > after && prefixes.some((p) => e.streamName.startsWith(p)))
      .slice(0, max)
      .map((e) => [e.position, e.streamName]);

  const cases: [string[], bigint, number | undefined][] = [
    [['bot-'], 0n, undefined],
    [['bot-'], 3n, undefined],
    [['bot-', 'channel-'], 0n, 2],
    [['botUser-'], 0n, undefined],
    [['botUser-'], 12n, 5],
    [['bot-', 'botUser-'], 0n, undefined],
    [['bot_%-'], 0n, undefined],
    [['chännel-'], 0n, undefined],
    [['bot'], 0n, undefined],
    [['nothing-'], 0n, undefined],
  ];
  for (const [prefixes, after, max] of cases) {
    it(`reads ${JSON.stringify(prefixes)} after ${after}${max ? `, at most ${max}` : ''} as a plain filter would`, () => {
      const read = table.readAll(after, max, prefixes).map((e) => [e.position, e.streamName]);
      expect(read).toEqual(expected(prefixes, after, max));
      expect(read.length).toBeGreaterThanOrEqual(prefixes[0] === 'nothing-' ? 0 : 1);
    });
  }

  it('bounds a prefix by the next code point, and declines prefixes it cannot bound', () => {
    expect(prefixRange('bot-')).toEqual(['bot-', 'bot.']);
    expect(prefixRange('')).toBeUndefined();
    expect(prefixRange('a\uffff')).toBeUndefined();
    expect(prefixRange('a\ud83d')).toBeUndefined();
  });

  it('reads a small category through its index range when far behind, and walks positions when caught up', () => {
    const head = table.readAll(0n, undefined, undefined).at(-1)!.position;
    table.readAll(0n, undefined, ['channel-']);
    expect(table.lastPlan).toBe('ranges');
    table.readAll(head - 1n, undefined, ['channel-']);
    expect(table.lastPlan).toBe('positions');
    table.readAll(0n, undefined, ['botUser-']);
    expect(table.lastPlan).toBe('positions');
  });

  it('stops taking a growing category for small while it grows, without waiting for the next probe', () => {
    const grow = new EventTable(openDatabase({ filename: ':memory:', synchronous: 'NORMAL', busyTimeoutMs: 1000, walAutocheckpointPages: 1000 }), 10);
    for (let i = 0; i < 40; i++) grow.insert(`other-${i}`, 0n, { id: randomUUID(), type: 't', data: {} }, new Date().toISOString());
    grow.insert('inbound-0', 0n, { id: randomUUID(), type: 't', data: {} }, new Date().toISOString());
    grow.readAll(0n, undefined, ['inbound-']);
    expect(grow.lastPlan).toBe('ranges');
    for (let i = 1; i < 15; i++) grow.insert(`inbound-${i}`, 0n, { id: randomUUID(), type: 't', data: {} }, new Date().toISOString());
    expect(grow.readAll(0n, undefined, ['inbound-'])).toHaveLength(15);
    expect(grow.lastPlan).toBe('positions');
  });
});
