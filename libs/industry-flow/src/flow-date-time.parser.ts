import { daysInMonth } from '@surge/meter-domain/instant.model';
import { isBritishSummerTime } from '@surge/meter-domain/uk-calendar.model';

/**
 * Date-times in the industry flows are CCYYMMDDHHMMSS in UK clock time (GMT
 * in winter, BST in summer), with no offset written. A local time is turned
 * into an instant by trying both offsets and keeping the one the UK was on at
 * that instant (libs/meter-domain's Europe/London rule, no time-zone database):
 * - the hour skipped in spring (01:00-01:59 on the last Sunday of March) names
 *   no instant and is refused (NONEXISTENT_LOCAL_TIME);
 * - the hour repeated in autumn (01:00-01:59 on the last Sunday of October) is
 *   read as its first occurrence, BST, because the flow cannot say which and the
 *   earlier instant never dates a reading after a later one from the same hour.
 * Flows date almost every reading at 00:00:00, where neither case arises.
 */
export type FlowDateTimeProblem = 'FORMAT' | 'CALENDAR' | 'NONEXISTENT_LOCAL_TIME' | 'OUT_OF_RANGE';

export type ParsedFlowDateTime = { ok: true; ms: number } | { ok: false; problem: FlowDateTimeProblem };

const HOUR = 3_600_000;
/** Readings are stored in ClickHouse DateTime (up to 2106) and the read API refuses readings before 2000. */
export const MIN_FLOW_YEAR = 2000;
export const MAX_FLOW_YEAR = 2105;

function digitsAt(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** The instant (epoch ms) a CCYYMMDDHHMMSS UK clock time names, or why it names none. */
export function parseFlowDateTime(raw: string): ParsedFlowDateTime {
  if (raw.length !== 14) return { ok: false, problem: 'FORMAT' };
  const y = digitsAt(raw, 0, 4);
  const mo = digitsAt(raw, 4, 2);
  const d = digitsAt(raw, 6, 2);
  const h = digitsAt(raw, 8, 2);
  const mi = digitsAt(raw, 10, 2);
  const s = digitsAt(raw, 12, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return { ok: false, problem: 'FORMAT' };
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return { ok: false, problem: 'CALENDAR' };
  if (y < MIN_FLOW_YEAR || y > MAX_FLOW_YEAR) return { ok: false, problem: 'OUT_OF_RANGE' };
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const ifBst = asUtc - HOUR;
  if (isBritishSummerTime(ifBst)) return { ok: true, ms: ifBst };
  if (!isBritishSummerTime(asUtc)) return { ok: true, ms: asUtc };
  return { ok: false, problem: 'NONEXISTENT_LOCAL_TIME' };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** The CCYYMMDDHHMMSS UK clock time of an instant (the inverse of parseFlowDateTime; used to write flows). */
export function formatFlowDateTime(ms: number): string {
  const local = new Date(isBritishSummerTime(ms) ? ms + HOUR : ms);
  return (
    pad(local.getUTCFullYear(), 4) +
    pad(local.getUTCMonth() + 1, 2) +
    pad(local.getUTCDate(), 2) +
    pad(local.getUTCHours(), 2) +
    pad(local.getUTCMinutes(), 2) +
    pad(local.getUTCSeconds(), 2)
  );
}

export const FLOW_DATE_TIME_PROBLEM_MESSAGES: Readonly<Record<FlowDateTimeProblem, string>> = {
  FORMAT: 'is not a date-time CCYYMMDDHHMMSS (14 digits)',
  CALENDAR: 'is not a date and time of the calendar (month, day, hour, minute or second out of range)',
  NONEXISTENT_LOCAL_TIME: 'falls in the hour the UK clocks skip when British Summer Time starts, so it names no moment',
  OUT_OF_RANGE: `is outside the years ${MIN_FLOW_YEAR} to ${MAX_FLOW_YEAR} the platform stores`,
};
