import { MS_PER_DAY, parseCalendarDate, parseInstant, utcDate } from './instant.model';

/**
 * Great Britain's civil time without a time-zone database: GMT, and BST (UTC+1)
 * from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
 * October (the rule in force since 1996; earlier dates are not billed here).
 * Supply and tariff dates are UK calendar days, so a day starts at 23:00 UTC
 * the evening before while BST is in force.
 */
const HOUR = 3_600_000;

function lastSundayUtc(year: number, month: number): number {
  const lastDay = Date.UTC(year, month, 0); // month is 1-based: day 0 of the next month
  return lastDay - new Date(lastDay).getUTCDay() * MS_PER_DAY;
}

/** Whether British Summer Time is in force at this instant. */
export function isBritishSummerTime(ms: number): boolean {
  const year = new Date(ms).getUTCFullYear();
  return ms >= lastSundayUtc(year, 3) + HOUR && ms < lastSundayUtc(year, 10) + HOUR;
}

/** The UK calendar date (YYYY-MM-DD) on which this instant falls. */
export function ukLocalDate(ms: number): string {
  return utcDate(isBritishSummerTime(ms) ? ms + HOUR : ms);
}

/** The instant a UK calendar day (YYYY-MM-DD) starts, or null for a malformed date. */
export function ukDayStartUtc(date: string): number | null {
  const parsed = parseCalendarDate(date);
  if (!parsed) return null;
  const [y, m, d] = parsed;
  const midnightUtc = Date.UTC(y, m - 1, d);
  // Local midnight is BST exactly when the day lies after the spring change and on or before the autumn one.
  const bst = midnightUtc > lastSundayUtc(y, 3) && midnightUtc <= lastSundayUtc(y, 10);
  return bst ? midnightUtc - HOUR : midnightUtc;
}

/** An instant, or a UK calendar date meaning the start of that day. Null when it is neither. */
export function parseUkDateOrInstant(raw: unknown): number | null {
  if (typeof raw !== 'string') return null;
  return parseCalendarDate(raw) ? ukDayStartUtc(raw) : parseInstant(raw);
}
