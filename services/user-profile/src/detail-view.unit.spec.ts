import { localTimeIn } from './detail-view';

describe('localTimeIn', () => {
  const now = new Date('2026-07-01T12:00:00.000Z');
  it('gives the wall time with the zone offset, summer time included', () => {
    expect(localTimeIn('Europe/Amsterdam', now)).toBe('2026-07-01T14:00:00+02:00');
    expect(localTimeIn('America/New_York', now)).toBe('2026-07-01T08:00:00-04:00');
    expect(localTimeIn('Asia/Kolkata', now)).toBe('2026-07-01T17:30:00+05:30');
    expect(localTimeIn('UTC', now)).toBe('2026-07-01T12:00:00+00:00');
  });
  it('is null for a missing or unknown timezone, never an error', () => {
    expect(localTimeIn(undefined, now)).toBeNull();
    expect(localTimeIn('Mars/Olympus_Mons', now)).toBeNull();
  });
});
