import { Decimal } from 'decimal.js';

/**
 * Delivered energy and its value for one member and one event.
 *   delivered kWh = sum over the window of (baseline - actual), floored at 0 for the event as a whole
 *     (a member who used more than the baseline earns nothing and owes nothing: the programme pays for
 *     turn-down, it does not charge for turn-up);
 *   value = delivered kWh x event price (pence per kWh), exact, rounded ONCE to whole pence, half up.
 * The kWh are kept unrounded; only the money is rounded, here and nowhere else.
 */
export interface IntervalUsage {
  readonly baselineKwh: string;
  readonly actualKwh: string;
}

export interface EarnedValue {
  readonly baselineKwh: string;
  readonly actualKwh: string;
  readonly deliveredKwh: string;
  readonly pricePencePerKwh: string;
  readonly earnedPence: string;
}

export function earnedValue(intervals: readonly IntervalUsage[], pricePencePerKwh: string): EarnedValue {
  const baseline = Decimal.sum(0, ...intervals.map((i) => i.baselineKwh));
  const actual = Decimal.sum(0, ...intervals.map((i) => i.actualKwh));
  const delivered = Decimal.max(0, baseline.minus(actual));
  const price = new Decimal(pricePencePerKwh);
  if (price.isNegative() || !price.isFinite()) throw new RangeError('The event price is a non-negative number of pence per kWh');
  return {
    baselineKwh: baseline.toString(),
    actualKwh: actual.toString(),
    deliveredKwh: delivered.toString(),
    pricePencePerKwh: price.toString(),
    earnedPence: delivered.times(price).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0),
  };
}
