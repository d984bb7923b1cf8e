/**
 * Instants on the wire are ISO 8601 date-times with an explicit offset
 * (`2022-03-31T18:30:00Z`, `2022-03-31T19:30:00+01:00`). `Date.parse` is not
 * used: it accepts many other shapes and silently rolls invalid calendar dates
 * over (30 February becomes 2 March).
 */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const MS_PER_DAY = 86_400_000;
/** Years outside this range are typing mistakes, not meter readings. */
const MIN_YEAR = 1900;

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validDate(y: number, m: number, d: number): boolean {
  return y >= MIN_YEAR && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** Epoch milliseconds of an ISO 8601 instant with offset, or null when it is not one (fractions below 1 ms are dropped). */
export function parseInstant(raw: unknown): number | null {
  if (typeof raw !== 'string') return null;
  const m = INSTANT.exec(raw);
  if (!m) return null;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const s = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return null;
  let offsetMinutes = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMinutes * 60_000;
}

/** Parses a calendar date `YYYY-MM-DD` into [year, month 1-12, day], or null. */
export function parseCalendarDate(raw: unknown): [number, number, number] | null {
  if (typeof raw !== 'string') return null;
  const m = DATE.exec(raw);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validDate(y, mo, d) ? [y, mo, d] : null;
}

/** The UTC calendar date (YYYY-MM-DD) of an instant. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
