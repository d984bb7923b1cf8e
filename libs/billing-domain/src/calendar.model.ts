// Date-only arithmetic on billing days.
//
// A billing day is a Europe/London calendar date written 'YYYY-MM-DD'. Arithmetic is
// done on the date as if it were a UTC date (Date.UTC), never on local instants: a UTC
// day is always 86,400,000 ms, so the 23-hour and 25-hour London days at the clock
// changes still count as exactly one day each and no DST offset can shift a date.
//
// Spans are half-open [start, end): start is the first day included, end the first
// day NOT included. A period from 2022-03-01 to 2022-04-01 has 31 supply days
// (1 to 31 March); its last day is 2022-03-31.
import { BillingDomainError } from './billing.error';

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** A half-open span of billing days [start, end). */
export interface DateSpan {
  readonly start: string;
  readonly end: string;
}

function invalidDate(value: string, reason: string): BillingDomainError {
  return new BillingDomainError('BILLING_INVALID_DATE', `Invalid date '${value}': ${reason}`, { value });
}

// A bill run asks for the same few hundred dates millions of times (profiled: parsing them was the largest
// single cost of the bill maths). Both directions are pure, so answers are remembered; only valid dates are
// kept (an invalid one throws every time), and the memory is bounded.
const MEMO_LIMIT = 50_000;
const dayNumbers = new Map<string, number>();
const dayStrings = new Map<number, string>();

/** Day number (days since 1970-01-01) of a valid 'YYYY-MM-DD'; throws BILLING_INVALID_DATE on malformed or impossible dates (2022-02-30). */
export function toDayNumber(date: string): number {
  const known = dayNumbers.get(date);
  if (known !== undefined) return known;
  const n = parseDayNumber(date);
  if (dayNumbers.size >= MEMO_LIMIT) dayNumbers.clear();
  dayNumbers.set(date, n);
  return n;
}

function parseDayNumber(date: string): number {
  const match = ISO_DATE.exec(date);
  if (!match) throw invalidDate(date, "expected 'YYYY-MM-DD'");
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
    throw invalidDate(date, 'no such calendar day');
  }
  return ms / MS_PER_DAY;
}

/** 'YYYY-MM-DD' of a day number (inverse of toDayNumber). */
export function fromDayNumber(dayNumber: number): string {
  const known = dayStrings.get(dayNumber);
  if (known !== undefined) return known;
  if (!Number.isSafeInteger(dayNumber)) throw invalidDate(String(dayNumber), 'day number must be an integer');
  const date = new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
  if (dayStrings.size >= MEMO_LIMIT) dayStrings.clear();
  dayStrings.set(dayNumber, date);
  return date;
}

/** True for a well-formed, real 'YYYY-MM-DD'. */
export function isIsoDate(value: string): boolean {
  try {
    toDayNumber(value);
    return true;
  } catch {
    return false;
  }
}

/** Validates and returns a 'YYYY-MM-DD' date (throws BILLING_INVALID_DATE). */
export function assertIsoDate(value: string): string {
  toDayNumber(value);
  return value;
}

/** Whole days from `from` to `to` (to - from); negative when `to` is earlier. daysBetween('2022-03-01', '2022-04-01') === 31. */
export function daysBetween(from: string, to: string): number {
  return toDayNumber(to) - toDayNumber(from);
}

/** The date `days` days after `date` (negative goes back). */
export function addDays(date: string, days: number): string {
  if (!Number.isSafeInteger(days)) throw invalidDate(date, `cannot add ${days} days`);
  return fromDayNumber(toDayNumber(date) + days);
}

/** Negative, zero or positive as a is before, equal to or after b (valid ISO dates compare as strings, but this validates). */
export function compareDates(a: string, b: string): number {
  return toDayNumber(a) - toDayNumber(b);
}

/** The earlier of two dates. */
export function minDate(a: string, b: string): string {
  return compareDates(a, b) <= 0 ? a : b;
}

/** The later of two dates. */
export function maxDate(a: string, b: string): string {
  return compareDates(a, b) >= 0 ? a : b;
}

/** Every day of the half-open span [from, to), in order. */
export function* eachDay(from: string, to: string): Generator<string> {
  const end = toDayNumber(to);
  for (let day = toDayNumber(from); day < end; day++) yield fromDayNumber(day);
}

/** Number of days in a half-open span; throws if end is before start. */
export function spanDays(span: DateSpan): number {
  const days = daysBetween(span.start, span.end);
  if (days < 0) throw invalidDate(span.end, `span end is before its start ${span.start}`);
  return days;
}

/** The last day included in a non-empty half-open span (end - 1 day). */
export function lastDayOf(span: DateSpan): string {
  return addDays(span.end, -1);
}

/** A day as printed on a bill: '2022-03-01' -> '01 Mar 2022'. */
export function formatDisplayDate(date: string): string {
  toDayNumber(date);
  const [year, month, day] = date.split('-');
  return `${day} ${MONTHS[Number(month) - 1]} ${year}`;
}

/** A half-open span as printed on a bill, by its first and last included day: [2022-03-01, 2022-04-01) -> '01 Mar 2022 – 31 Mar 2022'. */
export function formatDisplaySpan(span: DateSpan): string {
  // Every line of every bill prints a span, and a run prints the same few spans a million times (profiled, issue 18).
  const key = `${span.start}|${span.end}`;
  const known = displaySpans.get(key);
  if (known !== undefined) return known;
  const text = `${formatDisplayDate(span.start)} – ${formatDisplayDate(lastDayOf(span))}`;
  if (displaySpans.size >= MEMO_LIMIT) displaySpans.clear();
  displaySpans.set(key, text);
  return text;
}

const displaySpans = new Map<string, string>();

/** The UTC instant (ms) at which UK summer time starts or ends in `year`: 01:00 UTC on the last Sunday of March (month 2) or October (month 9). */
function lastSunday0100Utc(year: number, month: number): number {
  const lastOfMonth = new Date(Date.UTC(year, month + 1, 0));
  const day = lastOfMonth.getUTCDate() - lastOfMonth.getUTCDay();
  return Date.UTC(year, month, day, 1);
}

/** Epoch milliseconds of an ISO 8601 instant with an explicit offset ('2022-03-31T19:30:00Z', '...+01:00'); naive local times are rejected as ambiguous. */
export function parseInstant(value: string): number {
  const m = ISO_INSTANT.exec(value);
  if (!m) throw invalidDate(value, "expected 'YYYY-MM-DDTHH:MM[:SS[.fff]]' with 'Z' or '±HH:MM'");
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  const dayMs = toDayNumber(date) * MS_PER_DAY;
  const [hours, minutes, seconds] = [Number(m[4]), Number(m[5]), Number(m[6] ?? '0')];
  if (hours > 23 || minutes > 59 || seconds > 59) throw invalidDate(value, 'time out of range');
  const millis = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const zone = m[8] ?? 'Z';
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [oh, om] = zone.slice(1).split(':').map(Number) as [number, number];
    if (oh > 18 || om > 59) throw invalidDate(value, 'offset out of range');
    offsetMinutes = sign * (oh * 60 + om);
  }
  return dayMs + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis - offsetMinutes * 60_000;
}

/**
 * The Europe/London wall-clock date and minute of day of an instant. Uses the UK rule in
 * force since 1996 (BST = UTC+1 from 01:00 UTC on the last Sunday of March to 01:00 UTC on
 * the last Sunday of October, GMT otherwise) rather than Intl, so the result does not depend
 * on the ICU data the runtime ships.
 */
export function londonWallClock(instant: string): { readonly date: string; readonly minuteOfDay: number } {
  // Reading selection and apportionment ask this of every reading, several times a bill (profiled, issue 18): a pure
  // function of the string, kept (bounded; only valid instants, frozen answers).
  const known = wallClocks.get(instant);
  if (known !== undefined) return known;
  const answer = Object.freeze(computeLondonWallClock(instant));
  if (wallClocks.size >= MEMO_LIMIT) wallClocks.clear();
  wallClocks.set(instant, answer);
  return answer;
}

const wallClocks = new Map<string, { readonly date: string; readonly minuteOfDay: number }>();

function computeLondonWallClock(instant: string): { date: string; minuteOfDay: number } {
  const utcMs = parseInstant(instant);
  const year = new Date(utcMs).getUTCFullYear();
  const bst = utcMs >= lastSunday0100Utc(year, 2) && utcMs < lastSunday0100Utc(year, 9);
  const localMs = utcMs + (bst ? 3_600_000 : 0);
  const dayNumber = Math.floor(localMs / MS_PER_DAY);
  return { date: fromDayNumber(dayNumber), minuteOfDay: Math.floor((localMs - dayNumber * MS_PER_DAY) / 60_000) };
}
