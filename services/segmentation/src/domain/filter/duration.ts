/**
 * ISO 8601 durations as the filter language uses them (`withinLast P7D`): `PnYnMnWnDTnHnMnS`, each part optional but
 * at least one present, in that order. Weeks may be combined with the other parts (ISO 8601-1:2019, as JavaScript's
 * Temporal does). Numbers are non-negative integers; only the last part may carry a decimal fraction (`PT1.5H`,
 * `P1,5D`), and not years or months, whose length depends on the calendar. No sign, no lower case.
 */
export interface Duration {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

const NUMBER = String.raw`(\d+(?:[.,]\d+)?)`;
const PATTERN = new RegExp(
  `^P(?:${NUMBER}Y)?(?:${NUMBER}M)?(?:${NUMBER}W)?(?:${NUMBER}D)?(?:T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`,
);
const PARTS = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'] as const;
const CALENDAR_PARTS = 2; // years and months

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** The duration, or undefined when the text is not one (the parser reports it as a value of the wrong shape). */
export function parseDuration(text: string): Duration | undefined {
  const match = PATTERN.exec(text);
  if (!match || text.endsWith('T')) return undefined;
  const raw = match.slice(1, 1 + PARTS.length);
  const present = raw.flatMap((part, i) => (part === undefined ? [] : [i]));
  if (present.length === 0) return undefined;
  const last = present[present.length - 1]!;
  for (const i of present) {
    const fractional = /[.,]/.test(raw[i]!);
    if (fractional && (i !== last || i < CALENDAR_PARTS)) return undefined;
  }
  const values = raw.map((part) => (part === undefined ? 0 : Number(part.replace(',', '.'))));
  return Object.fromEntries(PARTS.map((name, i) => [name, values[i]!])) as unknown as Duration;
}

/**
 * `now` minus the duration, in UTC: years and months by the calendar (a day that the target month lacks becomes its
 * last day, so 31 March − P1M is 28 or 29 February), then weeks, days, hours, minutes and seconds exactly.
 * An invalid Date when the result lies outside JavaScript's time range.
 */
export function subtractDuration(now: Date, duration: Duration): Date {
  const totalMonths = now.getUTCFullYear() * 12 + now.getUTCMonth() - (duration.years * 12 + duration.months);
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const shifted = new Date(now.getTime());
  // setUTCFullYear, unlike Date.UTC, does not map the years 0–99 to 1900–1999.
  shifted.setUTCFullYear(year, month, Math.min(now.getUTCDate(), daysInMonth(year, month)));
  const exact =
    duration.weeks * WEEK + duration.days * DAY + duration.hours * HOUR + duration.minutes * MINUTE + duration.seconds * SECOND;
  return new Date(shifted.getTime() - Math.round(exact));
}

function daysInMonth(year: number, month: number): number {
  if (month === 1) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month]!;
}
