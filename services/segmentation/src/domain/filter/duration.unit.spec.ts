import { parseDuration, subtractDuration, type Duration } from './duration';

const zero: Duration = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
const d = (parts: Partial<Duration>): Duration => ({ ...zero, ...parts });

describe('parseDuration', () => {
  it.each([
    ['P7D', d({ days: 7 })],
    ['PT30M', d({ minutes: 30 })],
    ['P1Y2M', d({ years: 1, months: 2 })],
    ['P2W', d({ weeks: 2 })],
    ['P1M', d({ months: 1 })],
    ['PT1M', d({ minutes: 1 })],
    ['P1Y2M3W4DT5H6M7S', d({ years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7 })],
    ['P1DT12H', d({ days: 1, hours: 12 })],
    ['P0D', zero],
    ['PT0S', zero],
    ['PT1.5H', d({ hours: 1.5 })],
    ['P1,5D', d({ days: 1.5 })],
    ['PT0.25S', d({ seconds: 0.25 })],
    ['P365D', d({ days: 365 })],
  ])('reads %s', (text, expected) => {
    expect(parseDuration(text)).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['P', 'no part'],
    ['PT', 'no time part after T'],
    ['P1DT', 'a T with nothing after it'],
    ['7D', 'no leading P'],
    ['p7d', 'lower case'],
    ['P7d', 'lower-case designator'],
    ['-P7D', 'a sign'],
    ['P-7D', 'a negative part'],
    ['P7H', 'hours outside the time part'],
    ['PT7D', 'days inside the time part'],
    ['P1D2Y', 'parts out of order'],
    ['P1.5Y', 'fractional years'],
    ['P1.5M', 'fractional months'],
    ['PT1.5H30M', 'a fraction on a part that is not the last'],
    ['P.5D', 'a fraction without an integer part'],
    ['P1.D', 'a fraction without digits'],
    ['P1D ', 'trailing space'],
    [' P1D', 'leading space'],
    ['P7DD', 'a repeated designator'],
    ['PT1H1H', 'a repeated time designator'],
    ['P1 D', 'inner space'],
  ])('rejects %j (%s)', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('subtractDuration (UTC)', () => {
  const at = (iso: string) => new Date(iso);
  const minus = (now: string, text: string) => subtractDuration(at(now), parseDuration(text)!).toISOString();

  it('subtracts weeks, days, hours, minutes and seconds exactly', () => {
    expect(minus('2026-11-25T10:00:00.000Z', 'P7D')).toBe('2026-11-18T10:00:00.000Z');
    expect(minus('2026-11-25T10:00:00.000Z', 'P2W')).toBe('2026-11-11T10:00:00.000Z');
    expect(minus('2026-11-25T10:00:00.000Z', 'PT30M')).toBe('2026-11-25T09:30:00.000Z');
    expect(minus('2026-11-25T10:00:00.000Z', 'P1DT12H')).toBe('2026-11-23T22:00:00.000Z');
    expect(minus('2026-11-25T10:00:00.000Z', 'PT90S')).toBe('2026-11-25T09:58:30.000Z');
    expect(minus('2026-11-25T10:00:00.000Z', 'PT1.5H')).toBe('2026-11-25T08:30:00.000Z');
    expect(minus('2026-11-25T10:00:00.000Z', 'PT0.0004S')).toBe('2026-11-25T10:00:00.000Z');
    expect(minus('2026-11-25T10:00:00.000Z', 'P0D')).toBe('2026-11-25T10:00:00.000Z');
  });

  it('ignores daylight saving time: a day is 24 hours in UTC', () => {
    expect(minus('2026-03-30T12:00:00.000Z', 'P1D')).toBe('2026-03-29T12:00:00.000Z');
  });

  it('subtracts years and months by the calendar', () => {
    expect(minus('2026-11-25T10:00:00.000Z', 'P1Y2M')).toBe('2025-09-25T10:00:00.000Z');
    expect(minus('2026-01-15T10:00:00.000Z', 'P1M')).toBe('2025-12-15T10:00:00.000Z');
    expect(minus('2026-01-15T10:00:00.000Z', 'P13M')).toBe('2024-12-15T10:00:00.000Z');
    expect(minus('2026-11-25T10:00:00.000Z', 'P10Y')).toBe('2016-11-25T10:00:00.000Z');
  });

  it('clamps to the last day of a shorter month', () => {
    expect(minus('2026-03-31T10:00:00.000Z', 'P1M')).toBe('2026-02-28T10:00:00.000Z');
    expect(minus('2024-03-31T10:00:00.000Z', 'P1M')).toBe('2024-02-29T10:00:00.000Z');
    expect(minus('2024-02-29T10:00:00.000Z', 'P1Y')).toBe('2023-02-28T10:00:00.000Z');
    expect(minus('2026-05-31T10:00:00.000Z', 'P1M')).toBe('2026-04-30T10:00:00.000Z');
    expect(minus('2000-03-31T00:00:00.000Z', 'P1M')).toBe('2000-02-29T00:00:00.000Z');
    expect(minus('1900-03-31T00:00:00.000Z', 'P1M')).toBe('1900-02-28T00:00:00.000Z');
  });

  it('applies the calendar part first, then the exact part', () => {
    // 31 March − 1 month = 28 February, − 1 day = 27 February (not 2 March − 1 day).
    expect(minus('2026-03-31T10:00:00.000Z', 'P1M1D')).toBe('2026-02-27T10:00:00.000Z');
  });

  it('reaches the years 0–99 without mapping them to 1900–1999', () => {
    expect(minus('2026-11-25T10:00:00.000Z', 'P2000Y')).toBe('0026-11-25T10:00:00.000Z');
  });

  it('gives an invalid date beyond the representable time', () => {
    expect(subtractDuration(at('2026-11-25T10:00:00.000Z'), parseDuration('P999999Y')!).getTime()).toBeNaN();
    expect(subtractDuration(at('2026-11-25T10:00:00.000Z'), parseDuration('P99999999999D')!).getTime()).toBeNaN();
    expect(subtractDuration(at('2026-11-25T10:00:00.000Z'), parseDuration(`P${'9'.repeat(400)}D`)!).getTime()).toBeNaN();
  });
});
