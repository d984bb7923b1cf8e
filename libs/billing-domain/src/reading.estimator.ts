// Estimating a register's reading at the end of a bill period when no actual reading
// exists. The estimate is marked estimated and is replaced (re-billed through
// bill-correction.ts) once an actual reading arrives.
//
// Method:
//   * daily usage = consumption between the earliest and the latest ACTUAL readings in the
//     history / days between them ('average-daily'); with fewer than two actual readings on
//     different days, the estimated annual consumption / DAYS_PER_YEAR ('eac-pro-rata'; 365.25, the
//     one definition in libs/meter-domain, shared with the read path's expected-advance check).
//   * the estimate = the LATEST reading in the history (actual or a previous estimate) +
//     daily usage x days from it to the period end, the consumption rounded half-up to whole
//     register units (meters show whole units; estimates are not more precise than that).
//     Basing it on the latest reading, even a previous estimate, means consecutive estimates
//     never go backwards, so a bill opening on an estimate never gets a negative advance.
//   * rolls over past 10^digits like the dials would (rolledOver: true).
import { BillingDomainError } from './billing.error';
import { compareDates, daysBetween } from './calendar.model';
import { advance, assertDigits, parseRegisterValue, registerModulus } from './consumption.calculator';
import { readingBoundary } from './apportionment.calculator';
import { Decimal, decimalToString, parseDecimal } from './money.model';
import { DAYS_PER_YEAR } from '@surge/meter-domain/estimated-annual-consumption.calculator';

export { DAYS_PER_YEAR };

/** A past reading of one register; rolledOver = the dials passed their maximum since the previous reading in the history. */
export interface HistoryReading {
  readonly readAt: string;
  readonly value: string;
  readonly estimated: boolean;
  readonly rolledOver?: boolean;
}

/** The reading history of one register and its dial count. */
export interface RegisterHistory {
  readonly digits: number;
  readonly readings: readonly HistoryReading[];
}

/** How an estimate was made. */
export type EstimationMethod = 'average-daily' | 'eac-pro-rata';

/** An estimated closing reading (always estimated: true), with how it was made. */
export interface EstimatedReading {
  readonly readAt: string;
  readonly value: string;
  readonly estimated: true;
  readonly rolledOver: boolean;
  readonly method: EstimationMethod;
  /** Register units a day the estimate used. */
  readonly dailyUsage: string;
  /** The reading the estimate advances from. */
  readonly basedOnReadAt: string;
  /** eac-pro-rata only: the EAC in the register's unit and the days per year it was divided by. */
  readonly eac?: string;
  readonly daysPerYear?: string;
}

function impossible(message: string, details: Record<string, unknown> = {}): BillingDomainError {
  return new BillingDomainError('BILLING_ESTIMATION_IMPOSSIBLE', message, details);
}

function averageDailyFromActuals(history: RegisterHistory, sorted: readonly HistoryReading[]): Decimal | null {
  let earliest: HistoryReading | null = null;
  let previousActual: HistoryReading | null = null;
  let rolledSincePreviousActual = false;
  let consumed = new Decimal(0);
  let latest: HistoryReading | null = null;
  for (const reading of sorted) {
    rolledSincePreviousActual ||= reading.rolledOver === true;
    if (reading.estimated) continue;
    if (previousActual === null) {
      earliest = reading;
    } else {
      consumed = consumed.plus(advance(previousActual.value, reading.value, history.digits, rolledSincePreviousActual));
    }
    previousActual = reading;
    latest = reading;
    rolledSincePreviousActual = false;
  }
  if (earliest === null || latest === null) return null;
  const days = daysBetween(readingBoundary(earliest.readAt), readingBoundary(latest.readAt));
  return days > 0 ? consumed.dividedBy(days) : null;
}

/**
 * Estimates the register's reading at the start of `periodEnd` (see the file comment).
 * `eac` is the estimated annual consumption in the register's own unit per year (kWh, m3 or
 * hundreds of ft3), used only when the history has fewer than two actual readings on
 * different days. Throws BILLING_ESTIMATION_IMPOSSIBLE with no history, no usable average
 * and no EAC, or when periodEnd is before the latest reading.
 */
export function estimateClosingReading(history: RegisterHistory, periodEnd: string, eac?: string | null): EstimatedReading {
  assertDigits(history.digits);
  if (history.readings.length === 0) throw impossible('No reading history to estimate from');
  const sorted = [...history.readings].sort((a, b) => compareDates(readingBoundary(a.readAt), readingBoundary(b.readAt)));
  const base = sorted[sorted.length - 1] as HistoryReading;
  const days = daysBetween(readingBoundary(base.readAt), periodEnd);
  if (days < 0) throw impossible(`Period end ${periodEnd} is before the latest reading at ${base.readAt}`, { periodEnd });

  let method: EstimationMethod = 'average-daily';
  let eacUsed: string | undefined;
  let daily = averageDailyFromActuals(history, sorted);
  if (daily === null) {
    if (eac === undefined || eac === null) {
      throw impossible('Fewer than two actual readings on different days and no estimated annual consumption', { periodEnd });
    }
    const annual = parseDecimal(eac, 'estimated annual consumption');
    if (annual.isNegative()) throw impossible(`Estimated annual consumption ${eac} is negative`);
    daily = annual.dividedBy(DAYS_PER_YEAR);
    method = 'eac-pro-rata';
    eacUsed = decimalToString(annual);
  }

  const modulus = registerModulus(history.digits);
  const consumption = daily.times(days).toDecimalPlaces(0, Decimal.ROUND_HALF_UP);
  if (consumption.gte(modulus)) throw impossible(`Estimated consumption ${consumption.toString()} exceeds one turn of the dials`);
  let value = parseRegisterValue(base.value, history.digits).plus(consumption);
  const rolledOver = value.gte(modulus);
  if (rolledOver) value = value.minus(modulus);
  return {
    readAt: periodEnd,
    value: decimalToString(value),
    estimated: true,
    rolledOver,
    method,
    dailyUsage: decimalToString(daily),
    basedOnReadAt: base.readAt,
    ...(eacUsed !== undefined ? { eac: eacUsed, daysPerYear: DAYS_PER_YEAR } : {}),
  };
}
