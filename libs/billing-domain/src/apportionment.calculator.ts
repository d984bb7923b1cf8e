// Spreading an advance across rate periods when there is no interval data.
//
// Reading-date convention (README "Reading dates"):
//   * A reading dated D ('YYYY-MM-DD') is the register's value at the START of billing day D
//     (00:00 Europe/London). The advance between readings dated A and B is therefore the
//     usage of days [A, B): A included, B excluded.
//   * So a reading dated on a price-change date (2022-04-01) splits the usage exactly at the
//     change: everything before it is on days before 1 April, priced at the old rate.
//   * A reading dated 2022-03-31 is the value at the start of 31 March. Day 31 March then
//     belongs to the NEXT interval; it is still priced at the old rate (every day is always
//     priced at the rate valid that day), but the usage given to it is that interval's daily
//     average rather than what the customer actually used that day.
//   * A reading with a time ('2022-03-31T19:30:00+01:00') is mapped to the nearest London
//     midnight: before 12:00 London time it counts as the start of that day, from 12:00 as
//     the start of the next day. An evening reading on 31 March thus splits at 1 April, which
//     is what a customer reading on Meter Reading Day intends, and the error is at most half
//     a day either way instead of up to a whole day in one direction.
//
// The advance is spread evenly per day over [A, B) and each rate period gets its days' share.
// Shares are exact: cumulative boundaries X x (days so far / all days) are quantised to 12
// decimal places (1e-12 kWh, far below any meter's resolution and worth < 1e-9 p), and the
// last share is X minus the last boundary, so the shares of one advance always sum to
// exactly X (even when X itself is a 40-digit gas conversion). Nothing here is money: no
// billing rounding happens until a line's amount is fixed in money.ts.
import { InvalidBillingInputError } from './billing.error';
import { addDays, daysBetween, isIsoDate, londonWallClock } from './calendar.model';
import { Decimal } from './money.model';
import { ValidityPeriod, rateSegments } from './tariff.model';

/** Decimal places at which cumulative apportionment boundaries are held (a working resolution, not a billing rounding). */
export const APPORTIONMENT_PLACES = 12;

/** One rate period's share of an advance: days [from, to) and their unrounded kWh. */
export interface ApportionedSlice<P extends ValidityPeriod = ValidityPeriod> {
  readonly from: string;
  readonly to: string;
  readonly days: number;
  readonly kWh: Decimal;
  readonly period: P;
}

/** The billing day whose START a reading represents: the date itself for 'YYYY-MM-DD'; for an instant, the nearest Europe/London midnight (from 12:00 local, the next day). */
export function readingBoundary(readAt: string): string {
  if (isIsoDate(readAt)) return readAt;
  // Each reading's boundary is asked for several times per bill (selection, the calculator, estimates), and meter
  // reads cluster on the same instants (profiled, issue 18); a pure function of the string, so kept (bounded).
  const known = boundaries.get(readAt);
  if (known !== undefined) return known;
  const { date, minuteOfDay } = londonWallClock(readAt);
  const boundary = minuteOfDay >= 12 * 60 ? addDays(date, 1) : date;
  if (boundaries.size >= BOUNDARY_MEMO_LIMIT) boundaries.clear();
  boundaries.set(readAt, boundary);
  return boundary;
}

const BOUNDARY_MEMO_LIMIT = 50_000;
const boundaries = new Map<string, string>();

/** Splits `quantity` in proportion to `days` (non-negative integers) so the parts sum to exactly `quantity` (see the file comment for the method). */
export function spreadByDays(quantity: Decimal, days: readonly number[]): Decimal[] {
  const total = days.reduce((a, b) => a + b, 0);
  if (days.some((d) => !Number.isInteger(d) || d < 0)) throw new InvalidBillingInputError('Day counts must be non-negative integers');
  if (total === 0) {
    if (!quantity.isZero()) throw new InvalidBillingInputError('Cannot spread a non-zero quantity over zero days');
    return days.map(() => new Decimal(0));
  }
  const shares: Decimal[] = [];
  let cumulativeDays = 0;
  let previousBoundary = new Decimal(0);
  days.forEach((d, i) => {
    cumulativeDays += d;
    const boundary =
      i === days.length - 1
        ? quantity
        : quantity.times(cumulativeDays).dividedBy(total).toDecimalPlaces(APPORTIONMENT_PLACES, Decimal.ROUND_HALF_UP);
    shares.push(boundary.minus(previousBoundary));
    previousBoundary = boundary;
  });
  return shares;
}

/**
 * Spreads `advanceKwh`, measured between readings taken at `fromReadAt` and `toReadAt`
 * (dates or instants, see readingBoundary), evenly per day and returns one slice per rate
 * period in date order. The slices' kWh sum to exactly `advanceKwh`. Throws TariffGapError
 * if a day has no rate, and rejects readings out of order or a non-zero advance over zero days.
 */
export function apportion<P extends ValidityPeriod>(
  advanceKwh: Decimal,
  fromReadAt: string,
  toReadAt: string,
  periods: readonly P[],
  what = 'unit',
): ApportionedSlice<P>[] {
  const from = readingBoundary(fromReadAt);
  const to = readingBoundary(toReadAt);
  const days = daysBetween(from, to);
  if (days < 0) throw new InvalidBillingInputError(`Reading at ${toReadAt} is before reading at ${fromReadAt}`, { fromReadAt, toReadAt });
  if (days === 0) {
    if (advanceKwh.isZero()) return [];
    throw new InvalidBillingInputError(`Readings at ${fromReadAt} and ${toReadAt} fall on the same billing day but differ`, {
      fromReadAt,
      toReadAt,
    });
  }
  const segments = rateSegments(periods, { start: from, end: to }, what);
  const shares = spreadByDays(
    advanceKwh,
    segments.map((s) => s.days),
  );
  return segments.map((s, i) => ({ from: s.from, to: s.to, days: s.days, kWh: shares[i] as Decimal, period: s.period }));
}
