import type { Decimal } from 'decimal.js';
import { MS_PER_DAY, parseInstant } from './instant.model';
import { MeterDecimal } from './reading-value.parser';
import type { RegisterKind, Unit } from './register.model';

/**
 * Default estimated annual consumption (EAC) for a domestic register when the
 * account has none, from Ofgem's Typical Domestic Consumption Values (medium
 * use, 2023 review): electricity single rate 2,700 kWh, Economy 7 3,900 kWh,
 * gas 11,500 kWh. Economy 7 is split by Ofgem's published GB average, 58% day
 * (peak) and 42% night. Gas registers count volume, so the gas figure is turned
 * into register units with the domain's conversion (kWh = m3 x 1.02264 x CV /
 * 3.6; 100 ft3 = 2.83 m3) at a nominal calorific value of 39.5 MJ/m3, and
 * rounded half up to whole units. Export has no typical value: an absent EAC
 * skips the "more than twice expected" check rather than holding genuine
 * solar exports.
 */
export const TYPICAL_ANNUAL_KWH = {
  electricitySingleRate: '2700',
  electricityEconomy7: '3900',
  gas: '11500',
} as const;
export const ECONOMY7_DAY_SHARE = '0.58';
export const ECONOMY7_NIGHT_SHARE = '0.42';
export const GAS_VOLUME_CORRECTION = '1.02264';
export const NOMINAL_CALORIFIC_VALUE_MJ_PER_M3 = '39.5';
export const M3_PER_HUNDRED_FT3 = '2.83';
const MJ_PER_KWH = '3.6';

/** The mean length of a year in days, so leap years weigh in evenly. */
export const DAYS_PER_YEAR = '365.25';

function gasKwhToM3(kwh: Decimal): Decimal {
  return kwh.times(MJ_PER_KWH).div(new MeterDecimal(GAS_VOLUME_CORRECTION).times(NOMINAL_CALORIFIC_VALUE_MJ_PER_M3));
}

function defaultKwh(kind: RegisterKind): Decimal | undefined {
  switch (kind) {
    case 'import':
      return new MeterDecimal(TYPICAL_ANNUAL_KWH.electricitySingleRate);
    case 'day':
      return new MeterDecimal(TYPICAL_ANNUAL_KWH.electricityEconomy7).times(ECONOMY7_DAY_SHARE);
    case 'night':
      return new MeterDecimal(TYPICAL_ANNUAL_KWH.electricityEconomy7).times(ECONOMY7_NIGHT_SHARE);
    case 'gas':
      return new MeterDecimal(TYPICAL_ANNUAL_KWH.gas);
    case 'export':
      return undefined;
  }
}

/**
 * The default EAC of a register, in its own units, as a whole-unit decimal
 * string; undefined for export, or when the unit does not suit the register
 * (gas registers count m3 or ft3x100, electricity ones kWh). A gas register's
 * unit defaults to m3.
 */
export function defaultEstimatedAnnualConsumption(kind: RegisterKind, unit?: Unit): string | undefined {
  const kwh = defaultKwh(kind);
  if (!kwh) return undefined;
  let inUnits: Decimal;
  if (kind === 'gas') {
    const m3 = gasKwhToM3(kwh);
    if (unit === undefined || unit === 'm3') inUnits = m3;
    else if (unit === 'ft3x100') inUnits = m3.div(M3_PER_HUNDRED_FT3);
    else return undefined;
  } else {
    if (unit !== undefined && unit !== 'kWh') return undefined;
    inUnits = kwh;
  }
  return inUnits.toDecimalPlaces(0, MeterDecimal.ROUND_HALF_UP).toFixed();
}

/** Expected advance over an elapsed time, pro rata by days: EAC x days / 365.25. */
export function expectedAdvanceOver(estimatedAnnualConsumption: Decimal, elapsedMs: number): Decimal {
  return estimatedAnnualConsumption.times(elapsedMs).div(MS_PER_DAY).div(DAYS_PER_YEAR);
}

/**
 * Expected advance between two instants, as a decimal string rounded to one
 * decimal place; null when an instant or the EAC is malformed or the period
 * runs backwards.
 */
export function expectedAdvance(estimatedAnnualConsumption: string, fromInstant: string, toInstant: string): string | null {
  const from = parseInstant(fromInstant);
  const to = parseInstant(toInstant);
  if (from === null || to === null || to < from) return null;
  if (typeof estimatedAnnualConsumption !== 'string' || !/^\d+(\.\d+)?$/.test(estimatedAnnualConsumption)) return null;
  return expectedAdvanceOver(new MeterDecimal(estimatedAnnualConsumption), to - from)
    .toDecimalPlaces(1, MeterDecimal.ROUND_HALF_UP)
    .toFixed(1);
}
