// Tariff data types and rate lookup.
//
// Design: a Tariff is what one supply point (one fuel) is on. Unit rates are per register
// kind (single-rate import, Economy 7 day and night, export, gas), because each register
// is priced separately; the standing charge is per supply point per day, so it lives once
// on the tariff and an Economy 7 meter with two registers is not charged it twice.
// An export register's unit rate is what the supplier PAYS per kWh exported (a positive
// number); the bill turns it into a credit (a negative line amount).
//
// Every rate is valid over a half-open span of billing days [validFrom, validTo), validTo
// null meaning open-ended (the current rate). Rates are decimal strings in pence; the
// ex-VAT figure is the one billed (VAT is added once on the bill), the inc-VAT figure is
// informational.
import { InvalidBillingInputError, BillingDomainError, TariffGapError, TariffOverlapError } from './billing.error';
import { DateSpan, compareDates, daysBetween, minDate, toDayNumber } from './calendar.model';
import { parseDecimal } from './money.model';

/** The fuel of a supply point. */
export type Fuel = 'electricity' | 'gas';

/** A register's role: single-rate import, export (generation), Economy 7 day or night, or gas. */
export type RegisterKind = 'import' | 'export' | 'day' | 'night' | 'gas';

/** Register kinds plausible per fuel. */
export const REGISTER_KINDS_BY_FUEL: Readonly<Record<Fuel, readonly RegisterKind[]>> = Object.freeze({
  electricity: Object.freeze(['import', 'export', 'day', 'night'] as const),
  gas: Object.freeze(['gas'] as const),
});

/** A half-open validity span of billing days: validFrom inclusive, validTo exclusive, null = open-ended. */
export interface ValidityPeriod {
  readonly validFrom: string;
  readonly validTo: string | null;
}

/** A unit rate valid over [validFrom, validTo), in pence per kWh (for export: pence paid per kWh exported). */
export interface RatePeriod extends ValidityPeriod {
  readonly unitRateExVat: string;
  readonly unitRateIncVat?: string;
}

/** Unit rates of one register kind over time. */
export interface TariffRegisterRates {
  readonly registerKind: RegisterKind;
  readonly periods: readonly RatePeriod[];
}

/** A standing charge valid over [validFrom, validTo), in pence per day of supply. */
export interface StandingChargePeriod extends ValidityPeriod {
  readonly pencePerDayExVat: string;
  readonly pencePerDayIncVat?: string;
}

/** A supply point's tariff: unit rates per register kind, one standing charge per day. */
export interface Tariff {
  readonly tariffId: string;
  readonly name: string;
  readonly fuel: Fuel;
  readonly registers: readonly TariffRegisterRates[];
  readonly standingCharges: readonly StandingChargePeriod[];
}

/** A maximal run of days [from, to) priced by one period. */
export interface RateSegment<P extends ValidityPeriod> {
  readonly from: string;
  readonly to: string;
  readonly days: number;
  readonly period: P;
}

function covers(period: ValidityPeriod, date: string): boolean {
  return compareDates(period.validFrom, date) <= 0 && (period.validTo === null || compareDates(date, period.validTo) < 0);
}

/** The one period valid on `date`; throws TariffGapError if none, TariffOverlapError if several. */
export function rateOn<P extends ValidityPeriod>(periods: readonly P[], date: string, what = 'tariff'): P {
  toDayNumber(date);
  const matches = periods.filter((p) => covers(p, date));
  if (matches.length === 0) throw new TariffGapError(date, what);
  if (matches.length > 1) throw new TariffOverlapError(date, what);
  return matches[0] as P;
}

/** Throws unless every period is a valid non-empty span and no two periods share a day. */
export function assertNoOverlaps(periods: readonly ValidityPeriod[], what = 'tariff'): void {
  for (const p of periods) {
    toDayNumber(p.validFrom);
    if (p.validTo !== null && daysBetween(p.validFrom, p.validTo) <= 0) {
      throw new InvalidBillingInputError(`${what} period ${p.validFrom} to ${p.validTo} is empty or reversed`, { what });
    }
  }
  const sorted = [...periods].sort((a, b) => compareDates(a.validFrom, b.validFrom));
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1] as ValidityPeriod;
    const current = sorted[i] as ValidityPeriod;
    if (previous.validTo === null || compareDates(current.validFrom, previous.validTo) < 0) {
      throw new TariffOverlapError(current.validFrom, what);
    }
  }
}

/** Splits [span.start, span.end) into runs priced by one period each, in date order; throws on any uncovered day (TariffGapError) or overlap. */
export function rateSegments<P extends ValidityPeriod>(periods: readonly P[], span: DateSpan, what = 'tariff'): readonly RateSegment<P>[] {
  // A bill run asks the same frozen tariff for the same spans for every account (profiled, issue 18): the answer
  // depends only on the periods and the span, so it is kept per frozen periods list. Only successes are kept
  // (an error is thrown afresh, with its own `what`), and the kept segments are frozen.
  const frozen = isDeeplyFrozenList(periods);
  const key = `${span.start}|${span.end}`;
  if (frozen) {
    const known = segmentMemo.get(periods)?.get(key);
    if (known !== undefined) return known as readonly RateSegment<P>[];
  }
  const segments = computeRateSegments(periods, span, what);
  if (frozen) {
    let bySpan = segmentMemo.get(periods);
    if (bySpan === undefined) segmentMemo.set(periods, (bySpan = new Map()));
    if (bySpan.size >= SEGMENT_MEMO_LIMIT) bySpan.clear();
    for (const s of segments) Object.freeze(s);
    bySpan.set(key, Object.freeze(segments));
  }
  return segments;
}

const SEGMENT_MEMO_LIMIT = 1_000;
const segmentMemo = new WeakMap<readonly ValidityPeriod[], Map<string, readonly RateSegment<ValidityPeriod>[]>>();

/** True when the list and every period in it are frozen, so nothing about them can change after a memo saw them. */
function isDeeplyFrozenList(periods: readonly ValidityPeriod[]): boolean {
  if (!Object.isFrozen(periods)) return false;
  for (const p of periods) if (!Object.isFrozen(p)) return false;
  return true;
}

function computeRateSegments<P extends ValidityPeriod>(periods: readonly P[], span: DateSpan, what: string): RateSegment<P>[] {
  assertNoOverlaps(periods, what);
  const segments: RateSegment<P>[] = [];
  let cursor = span.start;
  while (compareDates(cursor, span.end) < 0) {
    const period = rateOn(periods, cursor, what);
    const to = period.validTo === null ? span.end : minDate(period.validTo, span.end);
    segments.push({ from: cursor, to, days: daysBetween(cursor, to), period });
    cursor = to;
  }
  return segments;
}

/** The unit rates of a register kind; throws BILLING_TARIFF_MISSING_REGISTER if the tariff does not price it. */
export function registerRates(tariff: Tariff, kind: RegisterKind): TariffRegisterRates {
  // Asked for every register of every bill (profiled, issue 18, third round). A tariff in validTariffs passed
  // validateTariff while deeply frozen, so its register lists cannot change: the answer is kept for it.
  const known = validTariffs.has(tariff) ? ratesMemo.get(tariff)?.get(kind) : undefined;
  if (known !== undefined) return known;
  const rates = tariff.registers.filter((r) => r.registerKind === kind);
  if (rates.length !== 1) {
    throw new BillingDomainError(
      'BILLING_TARIFF_MISSING_REGISTER',
      `Tariff ${tariff.tariffId} has ${rates.length === 0 ? 'no' : 'several'} rate lists for register kind '${kind}'`,
      { tariffId: tariff.tariffId, kind },
    );
  }
  const found = rates[0] as TariffRegisterRates;
  if (validTariffs.has(tariff)) {
    let byKind = ratesMemo.get(tariff);
    if (byKind === undefined) ratesMemo.set(tariff, (byKind = new Map()));
    byKind.set(kind, found);
  }
  return found;
}

const ratesMemo = new WeakMap<Tariff, Map<RegisterKind, TariffRegisterRates>>();

/** Checks a tariff is internally consistent (register kinds fit the fuel, rates are decimals, periods valid and not overlapping). Gaps are allowed here and fail only when a bill needs the missing day. */
export function validateTariff(tariff: Tariff): void {
  // A bill run validates the same tariff for every account: a deeply frozen tariff cannot change after it passed,
  // so it is checked once (profiled, issue 18). Anything not frozen is checked every time, as before.
  const frozen = isDeeplyFrozenTariff(tariff);
  if (frozen && validTariffs.has(tariff)) return;
  checkTariff(tariff);
  if (frozen) validTariffs.add(tariff);
}

const validTariffs = new WeakSet<Tariff>();

/** True when the tariff, its lists and every period in them are frozen: nothing a memo derived from it can change. */
export function isDeeplyFrozenTariff(tariff: Tariff): boolean {
  if (!Object.isFrozen(tariff) || !Object.isFrozen(tariff.registers) || !isDeeplyFrozenList(tariff.standingCharges)) return false;
  for (const r of tariff.registers) if (!Object.isFrozen(r) || !isDeeplyFrozenList(r.periods)) return false;
  return true;
}

function checkTariff(tariff: Tariff): void {
  const allowed = REGISTER_KINDS_BY_FUEL[tariff.fuel];
  if (!allowed) throw new InvalidBillingInputError(`Tariff ${tariff.tariffId} has unknown fuel '${String(tariff.fuel)}'`);
  const seen = new Set<RegisterKind>();
  for (const register of tariff.registers) {
    if (!allowed.includes(register.registerKind)) {
      throw new InvalidBillingInputError(`Tariff ${tariff.tariffId}: register kind '${register.registerKind}' is not ${tariff.fuel}`);
    }
    if (seen.has(register.registerKind)) {
      throw new InvalidBillingInputError(`Tariff ${tariff.tariffId}: register kind '${register.registerKind}' listed twice`);
    }
    seen.add(register.registerKind);
    const what = `${tariff.tariffId} ${register.registerKind} unit`;
    assertNoOverlaps(register.periods, what);
    for (const p of register.periods) {
      parseDecimal(p.unitRateExVat, `${what} rate ex VAT`);
      if (p.unitRateIncVat !== undefined) parseDecimal(p.unitRateIncVat, `${what} rate inc VAT`);
    }
  }
  const what = `${tariff.tariffId} standing charge`;
  assertNoOverlaps(tariff.standingCharges, what);
  for (const p of tariff.standingCharges) {
    parseDecimal(p.pencePerDayExVat, `${what} ex VAT`);
    if (p.pencePerDayIncVat !== undefined) parseDecimal(p.pencePerDayIncVat, `${what} inc VAT`);
  }
}
