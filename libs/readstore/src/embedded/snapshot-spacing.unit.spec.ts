import { nextPeriodicWrite, SNAPSHOT_DUTY_FACTOR } from './embedded-read-store';

describe('periodic snapshot spacing', () => {
  it('waits several times the last write after it ended, so writing takes at most a tenth of the time', () => {
    expect(nextPeriodicWrite({ endedAt: 100_000, tookMs: 15_000 })).toBe(100_000 + SNAPSHOT_DUTY_FACTOR * 15_000);
    expect(SNAPSHOT_DUTY_FACTOR).toBeGreaterThanOrEqual(9);
  });

  it('does not hold back the first write, nor after quick ones', () => {
    expect(nextPeriodicWrite({ endedAt: -Infinity, tookMs: 0 })).toBe(-Infinity);
    expect(nextPeriodicWrite({ endedAt: 5_000, tookMs: 999 })).toBe(-Infinity);
    expect(nextPeriodicWrite({ endedAt: 5_000, tookMs: 1_000 })).toBe(14_000);
  });
});
