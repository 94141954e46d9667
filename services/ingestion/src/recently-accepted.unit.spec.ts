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

  describe('intake waits for the processor (roomFor)', () => {
    let clock = 0;
    const pacing = { pendingLimit: 10, maxWaitMs: 1_000, stallMs: 500, now: () => clock };
    const record = (recent: RecentlyAccepted, ids: readonly string[]) => ids.forEach((id) => recent.remember(id, accepted(id)));
    const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `e${from + i}`);
    /** `recorded` events e0… recorded, e0 then taken by the processor (at `clock`): the others wait. */
    const behind = (recorded: number) => {
      const recent = new RecentlyAccepted(100, pacing);
      record(recent, ids(0, recorded));
      recent.take('e0');
      return recent;
    };
    /** Whether the promise settled once pending callbacks ran. */
    const settled = async (promise: Promise<unknown>) => {
      let done = false;
      void promise.then(() => (done = true));
      await Promise.resolve();
      await Promise.resolve();
      return done;
    };

    beforeEach(() => {
      clock = 0;
      jest.useFakeTimers();
    });
    afterEach(() => jest.useRealTimers());

    it('lets a batch in at once while it fits within the limit with what waits for the processor', async () => {
      const recent = new RecentlyAccepted(100, pacing);
      recent.take('none');
      record(recent, ids(0, 6));
      expect(await recent.roomFor(4)).toBe(0);
    });

    it('holds a batch that does not fit while the processor takes events, until its takes make room', async () => {
      const recent = behind(9);
      const waiting = recent.roomFor(4);
      expect(await settled(waiting)).toBe(false);
      clock = 50;
      recent.take('e1');
      expect(await settled(waiting)).toBe(false);
      clock = 80;
      recent.take('e2');
      expect(await settled(waiting)).toBe(true);
      expect(await waiting).toBe(80);
    });

    it('records a batch after the longest wait when the processor takes too slowly', async () => {
      const recent = behind(10);
      const waiting = recent.roomFor(5);
      clock = 999;
      jest.advanceTimersByTime(999);
      expect(await settled(waiting)).toBe(false);
      clock = 1_000;
      jest.advanceTimersByTime(1);
      expect(await waiting).toBe(1_000);
    });

    it('waits for no stalled processor (nothing taken for stallMs), nor for one that never took anything', async () => {
      const never = new RecentlyAccepted(100, pacing);
      record(never, ids(0, 10));
      expect(await never.roomFor(5)).toBe(0);

      const stalled = behind(10);
      clock = 501;
      expect(await stalled.roomFor(5)).toBe(0);
    });

    it('lets waiting batches in first come first, only as many as fit together', async () => {
      const recent = behind(10);
      const first = recent.roomFor(4);
      const second = recent.roomFor(3);
      recent.take('e1');
      recent.take('e2');
      expect([await settled(first), await settled(second)]).toEqual([false, false]);
      // 6 wait: the first batch (4) fits, the second (3) would not fit beside it.
      recent.take('e3');
      expect([await settled(first), await settled(second)]).toEqual([true, false]);
      // A batch let in counts once it is recorded: here it never is, so the next take makes room for the second.
      recent.take('e4');
      expect(await settled(second)).toBe(true);
    });

    it('lets a batch larger than the limit in once nothing waits for the processor', async () => {
      const recent = behind(3);
      const large = recent.roomFor(50);
      recent.take('e1');
      expect(await settled(large)).toBe(false);
      recent.take('e2');
      expect(await settled(large)).toBe(true);
    });
  });
});
