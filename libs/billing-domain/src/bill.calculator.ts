// The pure bill computation. Given readings, tariffs and an account, it prices:
//   * energy: for each register, each reading interval's advance (converted to kWh for gas)
//     is spread evenly per day over the interval (apportionment.ts) and priced per tariff
//     rate period; one line per register x rate period x estimated/actual (consecutive
//     slices sharing all three are merged, so two reading intervals inside one rate period
//     make one line, and an estimated interval never hides inside an actual line);
//   * export: the same, as a credit (negative amount), outside the scope of VAT;
//   * standing charge: one charge per day of supply at that day's rate, one line per
//     standing-charge rate period, per supply point;
//   * VAT: one line per VAT rate, on the sum of the rounded net lines at that rate.
// Amounts are fixed once per line and VAT once per rate (money.ts). Requirements on the
// input: the opening reading stands for the period start and the closing reading (when
// present) for the period end (read-to-read billing: the caller chooses the period from
// the readings); a missing closing reading is estimated at the period end from the
// register's history plus the bill's own readings (reading-estimator.ts). The opening
// reading's rolledOver flag is ignored (it refers to the previous bill).
import { InvalidBillingInputError } from './billing.error';
import {
  AccountInput,
  Bill,
  BillInput,
  BillLine,
  BillReading,
  BillRegister,
  BillTotals,
  CustomerCategory,
  EstimateBasis,
  FlexibilityCreditInput,
  MeterReading,
  RegisterInput,
  SupplyPointInput,
} from './bill.model';
import { DateSpan, compareDates, formatDisplaySpan, spanDays } from './calendar.model';
import { advance, advanceToKwh, assertDigits, gasKwhToVolume } from './consumption.calculator';
import { ApportionedSlice, apportion, readingBoundary } from './apportionment.calculator';
import { freezeBill } from './deep-freeze.helper';
import { Decimal, Money, decimalToString, formatPercent, formatQuantity, formatRatePence, lineAmount, parseDecimal, sumPence, vatOn } from './money.model';
import { EstimatedReading, HistoryReading, estimateClosingReading } from './reading.estimator';
import { REGISTER_KINDS_BY_FUEL, RatePeriod, RegisterKind, Tariff, isDeeplyFrozenTariff, rateSegments, registerRates, validateTariff } from './tariff.model';

export type {
  AccountInput,
  Bill,
  BillInput,
  BillLine,
  BillLineKind,
  BillReading,
  BillRegister,
  BillTotals,
  CustomerCategory,
  MeterReading,
  RegisterInput,
  SupplyPointInput,
} from './bill.model';

/** Reduced VAT rate on domestic fuel and power (gov.uk VAT Notice 701/19). */
export const DOMESTIC_VAT_RATE = '0.05';
/** Standard VAT rate, the usual rate for business supplies (reduced-rate business cases are decided by the caller). */
export const STANDARD_VAT_RATE = '0.20';

/** The usual VAT rate for an account: 5% domestic, 20% business. Business supplies under the de minimis limits or for charitable use also get 5%; callers decide that and pass vatRate explicitly. */
export function defaultVatRate(domestic: boolean): string {
  return domestic ? DOMESTIC_VAT_RATE : STANDARD_VAT_RATE;
}

const CATEGORIES: readonly CustomerCategory[] = ['A', 'B', 'C', 'D'];

const REGISTER_LABELS: Readonly<Record<RegisterKind, string>> = {
  import: 'Electricity import',
  export: 'Electricity export',
  day: 'Electricity day rate',
  night: 'Electricity night rate',
  gas: 'Gas',
};

interface ReadingPoint {
  readonly reading: MeterReading;
  readonly boundary: string;
  readonly estimationMethod?: EstimatedReading['method'];
  readonly estimate?: EstimateBasis;
}

interface PricedSlice extends ApportionedSlice<RatePeriod> {
  readonly estimated: boolean;
}

/** Sums line amounts into totals: net = every non-VAT line, VAT = the VAT lines, total = all lines. */
export function billTotals(lines: readonly BillLine[]): BillTotals {
  const net: string[] = [];
  const vat: string[] = [];
  for (const l of lines) (l.kind === 'vat' ? vat : net).push(l.amountPence);
  const netPence = sumPence(net);
  const vatPence = sumPence(vat);
  return { netPence, vatPence, totalPence: sumPence([netPence, vatPence]) };
}

function assertNonEmpty(value: string, what: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidBillingInputError(`${what} is required`);
}

function validateAccount(account: AccountInput): Decimal {
  assertNonEmpty(account.accountId, 'accountId');
  if (!CATEGORIES.includes(account.category)) {
    throw new InvalidBillingInputError(`Unknown customer category '${String(account.category)}'`, { accountId: account.accountId });
  }
  const vatRate = parseDecimal(account.vatRate, 'VAT rate');
  if (vatRate.isNegative() || vatRate.gte(1)) throw new InvalidBillingInputError(`VAT rate must be a fraction in [0, 1), got ${account.vatRate}`);
  return vatRate;
}

function dedupeReadings(readings: readonly HistoryReading[]): HistoryReading[] {
  const seen = new Set<string>();
  return readings.filter((r) => {
    const key = `${r.readAt}|${r.value}|${r.estimated}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function readingPoints(register: RegisterInput, supplyPoint: SupplyPointInput, period: DateSpan, cv: string | undefined): ReadingPoint[] {
  const where = { supplyPointId: supplyPoint.supplyPointId, registerId: register.registerId };
  const opening: ReadingPoint = { reading: register.opening, boundary: readingBoundary(register.opening.readAt) };
  if (opening.boundary !== period.start) {
    throw new InvalidBillingInputError(`Opening reading at ${register.opening.readAt} does not stand for the period start ${period.start}`, where);
  }
  const points: ReadingPoint[] = [opening];
  for (const reading of register.intermediate ?? []) {
    const boundary = readingBoundary(reading.readAt);
    const previous = points[points.length - 1] as ReadingPoint;
    if (compareDates(boundary, previous.boundary) <= 0 || compareDates(boundary, period.end) >= 0) {
      throw new InvalidBillingInputError(
        `Intermediate reading at ${reading.readAt} must fall after ${previous.reading.readAt} and before the period end ${period.end}, on its own billing day`,
        where,
      );
    }
    points.push({ reading, boundary });
  }
  if (register.closing !== null) {
    const boundary = readingBoundary(register.closing.readAt);
    if (boundary !== period.end) {
      throw new InvalidBillingInputError(`Closing reading at ${register.closing.readAt} does not stand for the period end ${period.end}`, where);
    }
    points.push({ reading: register.closing, boundary });
    return points;
  }
  // The bill's own readings go last so that, on the same billing day, they are the base.
  const history = dedupeReadings([...(register.history ?? []), ...points.map((p) => p.reading)]);
  let eac: string | undefined;
  if (register.eacKwh !== undefined) {
    const eacKwh = parseDecimal(register.eacKwh, 'EAC (kWh)');
    eac = decimalToString(register.unit === 'kWh' ? eacKwh : gasKwhToVolume(eacKwh, register.unit, cv as string));
  }
  const estimate = estimateClosingReading({ digits: register.digits, readings: history }, period.end, eac);
  points.push({
    reading: { readAt: estimate.readAt, value: estimate.value, estimated: true, rolledOver: estimate.rolledOver },
    boundary: period.end,
    estimationMethod: estimate.method,
    estimate: {
      method: estimate.method,
      dailyUsage: estimate.dailyUsage,
      basedOnReadAt: estimate.basedOnReadAt,
      ...(estimate.method === 'eac-pro-rata' ? { eacKwh: register.eacKwh, eac: estimate.eac, daysPerYear: estimate.daysPerYear } : {}),
    },
  });
  return points;
}

function validateRegister(register: RegisterInput, supplyPoint: SupplyPointInput): void {
  assertNonEmpty(register.registerId, 'registerId');
  assertDigits(register.digits);
  const where = { supplyPointId: supplyPoint.supplyPointId, registerId: register.registerId };
  if (!REGISTER_KINDS_BY_FUEL[supplyPoint.fuel].includes(register.kind)) {
    throw new InvalidBillingInputError(`Register kind '${register.kind}' is not ${supplyPoint.fuel}`, where);
  }
  const unitFits = supplyPoint.fuel === 'electricity' ? register.unit === 'kWh' : register.unit === 'm3' || register.unit === 'ft3x100';
  if (!unitFits) throw new InvalidBillingInputError(`Register unit '${register.unit}' does not fit ${supplyPoint.fuel}`, where);
}

/** Merges consecutive slices priced by the same rate period with the same estimated flag. */
function mergeRuns(slices: readonly PricedSlice[]): PricedSlice[] {
  const runs: PricedSlice[] = [];
  for (const slice of slices) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.period === slice.period && last.estimated === slice.estimated && last.to === slice.from) {
      runs[runs.length - 1] = { ...last, to: slice.to, days: last.days + slice.days, kWh: last.kWh.plus(slice.kWh) };
    } else {
      runs.push(slice);
    }
  }
  return runs;
}

function registerLines(
  register: RegisterInput,
  supplyPoint: SupplyPointInput,
  points: readonly ReadingPoint[],
  vatRate: string,
): { lines: BillLine[]; summary: BillRegister } {
  const rates = registerRates(supplyPoint.tariff, register.kind);
  const what = `${supplyPoint.tariff.tariffId} ${register.kind} unit`;
  const slices: PricedSlice[] = [];
  let totalUnits = new Decimal(0);
  let totalKwh = new Decimal(0);
  for (let i = 1; i < points.length; i++) {
    const from = points[i - 1] as ReadingPoint;
    const to = points[i] as ReadingPoint;
    const units = advance(from.reading.value, to.reading.value, register.digits, to.reading.rolledOver === true);
    const kWh = advanceToKwh(units, register.unit, supplyPoint.calorificValueMjPerM3);
    totalUnits = totalUnits.plus(units);
    totalKwh = totalKwh.plus(kWh);
    const estimated = from.reading.estimated || to.reading.estimated;
    for (const slice of apportion(kWh, from.boundary, to.boundary, rates.periods, what)) slices.push({ ...slice, estimated });
  }
  const isExport = register.kind === 'export';
  const lines = mergeRuns(slices).map((run): BillLine => {
    const rate = parseDecimal(run.period.unitRateExVat, `${what} rate`);
    const amount = isExport ? lineAmount(run.kWh, rate).negate() : lineAmount(run.kWh, rate);
    const description =
      `${REGISTER_LABELS[register.kind]} ${formatDisplaySpan({ start: run.from, end: run.to })}: ` +
      `${formatQuantity(run.kWh)} kWh at ${formatRatePence(rate)}/kWh${isExport ? ' (credit)' : ''}${run.estimated ? ' (estimated)' : ''}`;
    return {
      kind: isExport ? 'export-credit' : 'energy',
      description,
      periodFrom: run.from,
      periodTo: run.to,
      supplyPointId: supplyPoint.supplyPointId,
      fuel: supplyPoint.fuel,
      tariffId: supplyPoint.tariff.tariffId,
      ratePeriodFrom: run.period.validFrom,
      ratePeriodTo: run.period.validTo,
      registerId: register.registerId,
      registerKind: register.kind,
      kWh: decimalToString(run.kWh),
      days: run.days,
      ratePence: decimalToString(rate),
      // Export payments to a domestic generator are not a supply by the customer for VAT:
      // they are outside the scope of VAT and do not reduce the VAT base.
      vatRate: isExport ? null : vatRate,
      amountPence: amount.toPence(),
      estimated: run.estimated,
    };
  });
  const summary: BillRegister = {
    supplyPointId: supplyPoint.supplyPointId,
    registerId: register.registerId,
    kind: register.kind,
    unit: register.unit,
    readings: points.map(
      (p): BillReading => ({
        readAt: p.reading.readAt,
        boundary: p.boundary,
        value: p.reading.value,
        estimated: p.reading.estimated,
        rolledOver: p.reading.rolledOver === true,
        ...(p.estimationMethod ? { estimationMethod: p.estimationMethod } : {}),
        ...(p.estimate ? { estimate: p.estimate } : {}),
      }),
    ),
    advance: decimalToString(totalUnits),
    kWh: decimalToString(totalKwh),
  };
  return { lines, summary };
}

// The standing-charge lines of a tariff over a period at a VAT rate are the same for every account on it but for
// the supply point (profiled, issue 18): kept per frozen tariff (validateTariff's rule: a frozen tariff cannot
// change), each line then copied with its supply point. Same values, same rounding, field order unchanged.
const STANDING_MEMO_LIMIT = 1_000;
const standingMemo = new WeakMap<Tariff, Map<string, readonly BillLine[]>>();

function standingChargeLines(supplyPoint: SupplyPointInput, period: DateSpan, vatRate: string): BillLine[] {
  const tariff = supplyPoint.tariff;
  const frozen = isDeeplyFrozenTariff(tariff);
  const key = `${supplyPoint.fuel}|${period.start}|${period.end}|${vatRate}`;
  let lines = frozen ? standingMemo.get(tariff)?.get(key) : undefined;
  if (lines === undefined) {
    lines = computeStandingChargeLines(supplyPoint, period, vatRate);
    if (frozen) {
      let byKey = standingMemo.get(tariff);
      if (byKey === undefined) standingMemo.set(tariff, (byKey = new Map()));
      if (byKey.size >= STANDING_MEMO_LIMIT) byKey.clear();
      byKey.set(key, lines);
    }
  }
  const supplyPointId = supplyPoint.supplyPointId;
  return lines.map((l) => ({ ...l, supplyPointId }));
}

function computeStandingChargeLines(supplyPoint: SupplyPointInput, period: DateSpan, vatRate: string): BillLine[] {
  const tariff: Tariff = supplyPoint.tariff;
  const label = supplyPoint.fuel === 'electricity' ? 'Electricity standing charge' : 'Gas standing charge';
  return rateSegments(tariff.standingCharges, period, `${tariff.tariffId} standing charge`).map((segment): BillLine => {
    const rate = parseDecimal(segment.period.pencePerDayExVat, `${tariff.tariffId} standing charge`);
    return {
      kind: 'standing-charge',
      description: `${label} ${formatDisplaySpan({ start: segment.from, end: segment.to })}: ${segment.days} day${segment.days === 1 ? '' : 's'} at ${formatRatePence(rate)}/day`,
      periodFrom: segment.from,
      periodTo: segment.to,
      supplyPointId: supplyPoint.supplyPointId,
      fuel: supplyPoint.fuel,
      tariffId: tariff.tariffId,
      ratePeriodFrom: segment.period.validFrom,
      ratePeriodTo: segment.period.validTo,
      days: segment.days,
      ratePence: decimalToString(rate),
      vatRate,
      amountPence: lineAmount(new Decimal(segment.days), rate).toPence(),
      estimated: false,
    };
  });
}

/** One VAT line per VAT rate present on the net lines: VAT = rate x (sum of those rounded lines), rounded once. */
export function vatLines(netLines: readonly BillLine[], period: DateSpan): BillLine[] {
  const rates = [...new Set(netLines.filter((l) => l.kind !== 'vat' && l.vatRate !== null).map((l) => l.vatRate as string))];
  return rates.map((rateString): BillLine => {
    const rate = parseDecimal(rateString, 'VAT rate');
    const charged = netLines.filter((l) => l.kind !== 'vat' && l.vatRate === rateString);
    const base = Money.sum(charged.map((l) => l.amountPence));
    return {
      kind: 'vat',
      description: `VAT at ${formatPercent(rate)} on ${base.format()}`,
      periodFrom: period.start,
      periodTo: period.end,
      ratePence: null,
      vatRate: rateString,
      basePence: base.toPence(),
      amountPence: vatOn(base, rate).toPence(),
      estimated: charged.some((l) => l.estimated),
    };
  });
}

/**
 * One line per flexibility credit, the amount already in whole pence (rounded once, by the flexibility
 * domain, when the event was settled), negative, outside the scope of VAT (vatRate null: no VAT line
 * picks it up). A credit id twice on one bill is a bug upstream and refused.
 */
export function flexibilityCreditLines(credits: readonly FlexibilityCreditInput[], period: DateSpan): BillLine[] {
  const seen = new Set<string>();
  return credits.map((c) => {
    if (seen.has(c.creditId)) throw new InvalidBillingInputError(`Flexibility credit ${c.creditId} listed twice`);
    seen.add(c.creditId);
    if (!/^\d+$/.test(c.earnedPence)) throw new InvalidBillingInputError(`Flexibility credit ${c.creditId}: earnedPence must be whole pence, got '${c.earnedPence}'`);
    return {
      kind: 'flexibility-credit',
      description: c.description,
      periodFrom: period.start,
      periodTo: period.end,
      kWh: c.deliveredKwh,
      ratePence: null,
      vatRate: null,
      amountPence: c.earnedPence === '0' ? '0' : `-${c.earnedPence}`,
      estimated: false,
      creditId: c.creditId,
    };
  });
}

/**
 * Computes a bill: energy and export lines per register x tariff rate period, standing
 * charges per day at that day's rate, VAT per rate, and totals equal to the sum of the lines.
 * Pure and deterministic; returns a deeply frozen bill. Throws a BillingDomainError on
 * inconsistent input, a tariff gap (TariffGapError) or a negative advance.
 */
export function calculateBill(input: BillInput): Bill {
  assertNonEmpty(input.billId, 'billId');
  const vatRateDecimal = validateAccount(input.account);
  const vatRate = decimalToString(vatRateDecimal);
  const period = input.period;
  const supplyDays = spanDays(period);
  if (supplyDays === 0) throw new InvalidBillingInputError(`Bill period ${period.start} to ${period.end} has no days`);
  if (input.supplyPoints.length === 0) throw new InvalidBillingInputError('A bill needs at least one supply point');

  const seenSupplyPoints = new Set<string>();
  const netLines: BillLine[] = [];
  const registers: BillRegister[] = [];
  for (const supplyPoint of input.supplyPoints) {
    assertNonEmpty(supplyPoint.supplyPointId, 'supplyPointId');
    if (seenSupplyPoints.has(supplyPoint.supplyPointId)) {
      throw new InvalidBillingInputError(`Supply point ${supplyPoint.supplyPointId} listed twice`);
    }
    seenSupplyPoints.add(supplyPoint.supplyPointId);
    validateTariff(supplyPoint.tariff);
    if (supplyPoint.tariff.fuel !== supplyPoint.fuel) {
      throw new InvalidBillingInputError(`Supply point ${supplyPoint.supplyPointId} is ${supplyPoint.fuel} but tariff ${supplyPoint.tariff.tariffId} is ${supplyPoint.tariff.fuel}`);
    }
    if (supplyPoint.fuel === 'gas') {
      if (supplyPoint.calorificValueMjPerM3 === undefined) {
        throw new InvalidBillingInputError(`Gas supply point ${supplyPoint.supplyPointId} needs a calorific value`);
      }
      parseDecimal(supplyPoint.calorificValueMjPerM3, 'calorific value');
    }
    const seenRegisters = new Set<string>();
    for (const register of supplyPoint.registers) {
      validateRegister(register, supplyPoint);
      if (seenRegisters.has(register.registerId)) {
        throw new InvalidBillingInputError(`Register ${register.registerId} listed twice on ${supplyPoint.supplyPointId}`);
      }
      seenRegisters.add(register.registerId);
      const points = readingPoints(register, supplyPoint, period, supplyPoint.calorificValueMjPerM3);
      const { lines, summary } = registerLines(register, supplyPoint, points, vatRate);
      netLines.push(...lines);
      registers.push(summary);
    }
    netLines.push(...standingChargeLines(supplyPoint, period, vatRate));
  }
  netLines.push(...flexibilityCreditLines(input.credits ?? [], period));
  const lines = [...netLines, ...vatLines(netLines, period)];
  return freezeBill({
    billId: input.billId,
    correctsBillId: null,
    accountId: input.account.accountId,
    category: input.account.category,
    domestic: input.account.domestic,
    period: { start: period.start, end: period.end },
    supplyDays,
    estimated: lines.some((l) => l.estimated),
    lines,
    registers,
    totals: billTotals(lines),
  });
}
