import type { InboundAccepted } from '@roster/contracts';
import { RecentlyAccepted } from './recently-accepted';

const accepted = (userId: string): InboundAccepted =>
  ({ botId: 'b1', userId, receivedAt: '2026-12-05T00:00:00.000Z', event: { type: 'message.received' } }) as unknown as InboundAccepted;

describe('RecentlyAccepted', () => {
  it('gives each entry once', () => {
    const recent = new RecentlyAccepted();
    recent.remember('e1', accepted('u1'));
    expect(recent.take('e1')).toEqual(accepted('u1'));
    expect(recent.take('e1')).toBeUndefined();
    expect(recent.size).toBe(0);
  });

  it('keeps at most its capacity, dropping the oldest recorded first', () => {
    const recent = new RecentlyAccepted(3);
    for (const id of ['e1', 'e2', 'e3', 'e4']) recent.remember(id, accepted(id));
    expect(recent.size).toBe(3);
    expect(recent.take('e1')).toBeUndefined();
    // Taking one makes room: the next entry evicts nothing.
    expect(recent.take('e3')?.userId).toBe('e3');
    recent.remember('e5', accepted('e5'));
    expect([recent.take('e2')?.userId, recent.take('e4')?.userId, recent.take('e5')?.userId]).toEqual(['e2', 'e4', 'e5']);
  });

  it('stays bounded and in order when every entry evicts one (the processor far behind)', () => {
    const recent = new RecentlyAccepted(1000);
    for (let i = 0; i < 50_000; i++) recent.remember(`e${i}`, accepted(`u${i}`));
    expect(recent.size).toBe(1000);
    expect(recent.take('e48999')).toBeUndefined();
    expect(recent.take('e49000')?.userId).toBe('u49000');
    expect(recent.take('e49999')?.userId).toBe('u49999');
  });

  it('forgets every entry of an erased user and nothing else', () => {
    const recent = new RecentlyAccepted();
    recent.remember('e1', accepted('u1'));
    recent.remember('e2', accepted('u2'));
    recent.remember('e3', accepted('u1'));
    recent.forgetUser('u1');
    expect(recent.size).toBe(1);
    expect(recent.take('e1')).toBeUndefined();
    expect(recent.take('e3')).toBeUndefined();
    expect(recent.take('e2')?.userId).toBe('u2');
  });
});
