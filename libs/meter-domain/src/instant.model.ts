/**
 * Instants on the wire are ISO 8601 date-times with an explicit offset
 * (`2022-03-31T18:30:00Z`, `2022-03-31T19:30:00+01:00`). `Date.parse` is not
 * used: it accepts many other shapes and silently rolls invalid calendar dates
 * over (30 February becomes 2 March).
 *
 * The grammar (what parseInstant accepts) is exactly
 *   ^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))$
 * read character by character: the sink parses every reading and its history
 * neighbourhood, and the regex with its match array was about 12% of the
 * sink's CPU during a surge (profile in the closing note of issue 3).
 */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const MS_PER_DAY = 86_400_000;
/** Years outside this range are typing mistakes, not meter readings. */
const MIN_YEAR = 1900;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Days in a month (1-12) of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return DAYS_IN_MONTH[month - 1] ?? Number.NaN;
}

function validDate(y: number, m: number, d: number): boolean {
  return y >= MIN_YEAR && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** The value of `count` ASCII digits at `at`, or -1 when any is not a digit. */
function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  // Past the end charCodeAt is NaN, which passes both comparisons above: caught here.
  return Number.isNaN(n) ? -1 : n;
}

/** Epoch milliseconds of an ISO 8601 instant with offset, or null when it is not one (fractions below 1 ms are dropped). */
export function parseInstant(raw: unknown): number | null {
  if (typeof raw !== 'string' || raw.length < 17) return null;
  const s = raw;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0) return null;
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':') return null;
  let i = 16;
  let sec = 0;
  let ms = 0;
  if (s[i] === ':') {
    sec = digits(s, i + 1, 2);
    if (sec < 0) return null;
    i += 3;
    if (s[i] === '.') {
      let n = 0;
      while (n < 9 && i + 1 + n < s.length) {
        const c = s.charCodeAt(i + 1 + n) - 48;
        if (c < 0 || c > 9) break;
        if (n < 3) ms = ms * 10 + c;
        n++;
      }
      if (n === 0) return null;
      for (let k = n; k < 3; k++) ms *= 10;
      i += 1 + n;
    }
  }
  let offsetMinutes = 0;
  if (s[i] === 'Z' && i + 1 === s.length) {
    // UTC
  } else if ((s[i] === '+' || s[i] === '-') && i + 6 === s.length && s[i + 3] === ':') {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || om < 0) return null;
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (s[i] === '-' ? -1 : 1) * (oh * 60 + om);
  } else return null;
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) return null;
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offsetMinutes * 60_000;
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
