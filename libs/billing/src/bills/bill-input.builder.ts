// Turns an account's master data, its readings and the tariffs into the pure
// calculator's BillInput. Pure: no I/O. Anything that makes the account
// unbillable as it stands throws an AccountBillingError with a stable code;
// the bill run records it against the account and carries on.
//
// Scope of one bill (documented choices, docs/decisions/0003-billing.md):
//   * every supply point of the account that is on supply for the whole period;
//     one that starts supply inside the period is refused (SUPPLY_STARTS_IN_PERIOD),
//     one that starts after it is left out;
//   * exactly one agreement must cover the whole period per supply point (a
//     tariff switch inside the period is refused: bill up to the switch date);
//   * exactly one meter must be installed for the whole period (a meter
//     exchange inside the period is refused: it needs the exchange readings).
import type { BillInput, RegisterInput, SupplyPointInput } from '@surge/billing-domain/bill.model';
import type { DateSpan } from '@surge/billing-domain/calendar.model';
import type { Tariff } from '@surge/billing-domain/tariff.model';
import { AccountBillingError } from '../bill-run/account-billing.error';
import {
  type BillingAccount,
  type BillingSupplyPoint,
  type PreviousClosing,
  type RegisterReading,
  previousClosingKey,
  registerReadingKey,
} from '../accounts-tariffs/billing-account.model';
import { type ReadingSource, selectRegisterReadings } from '../accounts-tariffs/reading.selector';

export interface BillInputContext {
  readonly period: DateSpan;
  readonly tariffs: ReadonlyMap<string, Tariff>;
  /** Gas calorific value for the period (MJ/m3), or null when none is published for every day of it. */
  readonly calorificValue: string | null;
}

/** Where each reading of each register came from; stored with the bill so every figure can be traced. */
export interface RegisterReadingSources {
  readonly supplyPointId: string;
  readonly meterSerial: string;
  readonly registerId: string;
  readonly opening: ReadingSource;
  readonly intermediate: readonly ReadingSource[];
  readonly closing: ReadingSource | { readonly from: 'estimate' };
}

export interface BuiltBillInput {
  readonly input: BillInput;
  readonly sources: readonly RegisterReadingSources[];
}

const covers = (from: string, to: string | null, period: DateSpan): boolean => from <= period.start && (to === null || to >= period.end);
const overlaps = (from: string, to: string | null, period: DateSpan): boolean => from < period.end && (to === null || to > period.start);

function tariffFor(sp: BillingSupplyPoint, ctx: BillInputContext): Tariff {
  const relevant = sp.agreements.filter((a) => overlaps(a.validFrom, a.validTo, ctx.period));
  if (relevant.length === 0) throw new AccountBillingError('NO_TARIFF_AGREEMENT', `Supply point ${sp.supplyPointId} has no tariff agreement for ${ctx.period.start} to ${ctx.period.end}`);
  const agreement = relevant[0]!;
  if (relevant.length > 1 || !covers(agreement.validFrom, agreement.validTo, ctx.period)) {
    throw new AccountBillingError(
      'TARIFF_CHANGE_IN_PERIOD',
      `Supply point ${sp.supplyPointId} changes tariff inside ${ctx.period.start} to ${ctx.period.end}: bill up to the change date`,
    );
  }
  const tariff = ctx.tariffs.get(agreement.tariffId);
  if (!tariff) throw new AccountBillingError('UNKNOWN_TARIFF', `Supply point ${sp.supplyPointId} is on tariff ${agreement.tariffId}, which is not loaded`);
  return tariff;
}

export function buildBillInput(
  billId: string,
  account: BillingAccount,
  readings: ReadonlyMap<string, readonly RegisterReading[]>,
  previousClosings: ReadonlyMap<string, PreviousClosing>,
  ctx: BillInputContext,
): BuiltBillInput {
  const { period } = ctx;
  const supplyPoints: SupplyPointInput[] = [];
  const sources: RegisterReadingSources[] = [];
  for (const sp of account.supplyPoints) {
    if (sp.supplyStart >= period.end) continue;
    if (sp.supplyStart > period.start) {
      throw new AccountBillingError('SUPPLY_STARTS_IN_PERIOD', `Supply point ${sp.supplyPointId} starts supply on ${sp.supplyStart}, inside the period`);
    }
    const tariff = tariffFor(sp, ctx);
    const meters = sp.meters.filter((m) => overlaps(m.installedOn, m.removedOn, period));
    if (meters.length === 0) throw new AccountBillingError('NO_METER', `Supply point ${sp.supplyPointId} has no meter installed in the period`);
    const meter = meters[0]!;
    if (meters.length > 1 || !covers(meter.installedOn, meter.removedOn, period)) {
      throw new AccountBillingError('METER_EXCHANGE_IN_PERIOD', `Supply point ${sp.supplyPointId} has a meter exchange inside the period`);
    }
    if (meter.registers.length === 0) throw new AccountBillingError('NO_REGISTERS', `Meter ${meter.meterSerial} on ${sp.supplyPointId} has no registers`);
    if (sp.fuel === 'gas' && ctx.calorificValue === null) {
      throw new AccountBillingError('NO_CALORIFIC_VALUE', `No calorific value covers every day of ${period.start} to ${period.end}`);
    }
    const registers: RegisterInput[] = [];
    for (const register of meter.registers) {
      const stored = readings.get(registerReadingKey(sp.supplyPointId, meter.meterSerial, register.registerId)) ?? [];
      const selection = selectRegisterReadings(stored, period, previousClosings.get(previousClosingKey(sp.supplyPointId, register.registerId)));
      if (selection.opening === null) {
        throw new AccountBillingError(
          'NO_OPENING_READING',
          `No accepted reading for ${period.start} on ${sp.supplyPointId} register ${register.registerId} (meter ${meter.meterSerial}) and no previous bill ending then`,
        );
      }
      registers.push({
        registerId: register.registerId,
        kind: register.kind,
        digits: register.digits,
        unit: register.unit,
        opening: selection.opening.reading,
        intermediate: selection.intermediate.map((s) => s.reading),
        closing: selection.closing?.reading ?? null,
        history: selection.history,
        ...(register.eacKwh !== null ? { eacKwh: register.eacKwh } : {}),
      });
      sources.push({
        supplyPointId: sp.supplyPointId,
        meterSerial: meter.meterSerial,
        registerId: register.registerId,
        opening: selection.opening.source,
        intermediate: selection.intermediate.map((s) => s.source),
        closing: selection.closing?.source ?? { from: 'estimate' },
      });
    }
    supplyPoints.push({
      supplyPointId: sp.supplyPointId,
      fuel: sp.fuel,
      tariff,
      ...(sp.fuel === 'gas' ? { calorificValueMjPerM3: ctx.calorificValue as string } : {}),
      registers,
    });
  }
  if (supplyPoints.length === 0) throw new AccountBillingError('NO_SUPPLY_POINTS', `Account ${account.accountId} has no supply point on supply in the period`);
  return {
    input: {
      billId,
      account: { accountId: account.accountId, category: account.category, domestic: account.domestic, vatRate: account.vatRate },
      period,
      supplyPoints,
    },
    sources,
  };
}
