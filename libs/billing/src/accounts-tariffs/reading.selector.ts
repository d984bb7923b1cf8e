// Choosing, per register, which stored readings a bill uses. Pure: no I/O.
//
// The domain library bills read to read: the opening reading must stand for the
// period start, the closing one for the period end (a reading "stands for" the
// billing day whose London midnight it is nearest to: before 12:00 London time
// the start of its own day, from 12:00 the start of the next; see
// libs/billing-domain README "Reading dates"). So:
//   * every reading is mapped to that billing day (its boundary);
//   * per billing day ONE reading is kept: the one nearest that midnight (ties:
//     the later reading id), so a Meter Reading Day evening read and a
//     1 April morning read do not both count;
//   * opening = the reading kept for the period start, else the closing reading
//     of the account's previous bill (bills chain without gaps), else none;
//     intermediate = those strictly inside the period (they split usage exactly
//     at their dates, e.g. at the 1 April price change); closing = the one kept
//     for the period end, else null (the calculator estimates it from history,
//     marked estimated); history = those before the start (for the estimate).
//   * a rollover flag on a reading that was not kept is carried to the next
//     kept reading, so dropping a same-day duplicate never loses a wrap of the
//     dials.
// Readings of source D (estimated/deemed) stay marked estimated.
// The readings handed to the calculator carry the billing day as readAt (the
// instant and reading id are kept separately as the bill's reading sources).
import type { MeterReading } from '@surge/billing-domain/bill.model';
import { addDays, londonWallClock, type DateSpan } from '@surge/billing-domain/calendar.model';
import type { HistoryReading } from '@surge/billing-domain/reading.estimator';
import type { PreviousClosing, RegisterReading } from './billing-account.model';

/** Industry reading types that are estimates rather than reads of the dials. */
export const ESTIMATED_SOURCES: ReadonlySet<string> = new Set(['D']);

/** Where a reading on a bill came from. */
export type ReadingSource =
  | { readonly from: 'reading'; readonly readingId: string; readonly readAt: string; readonly source: string }
  | { readonly from: 'previous-bill'; readonly billId: string };

export interface SelectedReading {
  readonly reading: MeterReading;
  readonly source: ReadingSource;
}

export interface RegisterSelection {
  readonly opening: SelectedReading | null;
  readonly intermediate: readonly SelectedReading[];
  readonly closing: SelectedReading | null;
  readonly history: readonly HistoryReading[];
}

interface Point {
  readonly reading: RegisterReading;
  readonly day: string;
  readonly minutesFromMidnight: number;
  readonly ms: number;
}

const MINUTES_PER_DAY = 24 * 60;
const NOON = 12 * 60;

/** The billing day a reading stands for and how far (minutes) it is from that day's London midnight. */
export function readingDay(readAtInstant: string): { day: string; minutesFromMidnight: number } {
  const { date, minuteOfDay } = londonWallClock(readAtInstant);
  return minuteOfDay >= NOON ? { day: addDays(date, 1), minutesFromMidnight: MINUTES_PER_DAY - minuteOfDay } : { day: date, minutesFromMidnight: minuteOfDay };
}

function better(candidate: Point, current: Point): boolean {
  if (candidate.minutesFromMidnight !== current.minutesFromMidnight) return candidate.minutesFromMidnight < current.minutesFromMidnight;
  return candidate.reading.readingId > current.reading.readingId;
}

/** See the file comment. `readings` may come in any order. */
export function selectRegisterReadings(readings: readonly RegisterReading[], period: DateSpan, previousClosing?: PreviousClosing | null): RegisterSelection {
  const points: Point[] = readings.map((reading) => {
    const { day, minutesFromMidnight } = readingDay(reading.readAt);
    return { reading, day, minutesFromMidnight, ms: Date.parse(reading.readAt) };
  });
  points.sort((a, b) => a.ms - b.ms || (a.reading.readingId < b.reading.readingId ? -1 : a.reading.readingId > b.reading.readingId ? 1 : 0));

  const kept = new Map<string, Point>();
  for (const p of points) {
    const current = kept.get(p.day);
    if (current === undefined || better(p, current)) kept.set(p.day, p);
  }

  // Walk in time order; a kept reading takes every rollover flag since the previous kept one.
  const chosen: { point: Point; rolledOver: boolean }[] = [];
  const keptSet = new Set(kept.values());
  let rolled = false;
  for (const p of points) {
    rolled ||= p.reading.rolledOver;
    if (keptSet.has(p)) {
      chosen.push({ point: p, rolledOver: rolled });
      rolled = false;
    }
  }

  const toSelected = (c: { point: Point; rolledOver: boolean }): SelectedReading => ({
    reading: {
      readAt: c.point.day,
      value: c.point.reading.value,
      estimated: ESTIMATED_SOURCES.has(c.point.reading.source),
      ...(c.rolledOver ? { rolledOver: true } : {}),
    },
    source: { from: 'reading', readingId: c.point.reading.readingId, readAt: c.point.reading.readAt, source: c.point.reading.source },
  });

  let opening: SelectedReading | null = null;
  let closing: SelectedReading | null = null;
  const intermediate: SelectedReading[] = [];
  const history: HistoryReading[] = [];
  for (const c of chosen) {
    const day = c.point.day;
    if (day < period.start) {
      history.push({
        readAt: day,
        value: c.point.reading.value,
        estimated: ESTIMATED_SOURCES.has(c.point.reading.source),
        ...(c.rolledOver ? { rolledOver: true } : {}),
      });
    } else if (day === period.start) {
      opening = toSelected(c);
    } else if (day < period.end) {
      intermediate.push(toSelected(c));
    } else if (day === period.end) {
      closing = toSelected(c);
    }
  }
  if (opening === null && previousClosing) {
    opening = {
      reading: { readAt: period.start, value: previousClosing.value, estimated: previousClosing.estimated },
      source: { from: 'previous-bill', billId: previousClosing.billId },
    };
  }
  return { opening, intermediate, closing, history };
}
