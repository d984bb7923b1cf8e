// Consumption of a register between two readings, and gas volume to energy.
import { BillingDomainError, InvalidBillingInputError, NegativeAdvanceError } from './billing.error';
import { Decimal, parseDecimal } from './money.model';

/** Unit a register counts in: kWh (electricity), cubic metres (metric gas meter) or hundreds of cubic feet (imperial gas meter). */
export type RegisterUnit = 'kWh' | 'm3' | 'ft3x100';

/** Gas volume units. */
export type GasVolumeUnit = Exclude<RegisterUnit, 'kWh'>;

/** Volume correction factor for temperature and pressure (domain README). */
export const GAS_VOLUME_CORRECTION = '1.02264';
/** Cubic metres per hundred cubic feet (domain README). */
export const M3_PER_FT3X100 = '2.83';
/** Megajoules per kWh. */
export const MJ_PER_KWH = '3.6';

/** Throws unless digits is a sensible dial count (1 to 15). */
export function assertDigits(digits: number): void {
  if (!Number.isInteger(digits) || digits < 1 || digits > 15) {
    throw new InvalidBillingInputError(`Register digits must be an integer from 1 to 15, got ${digits}`, { digits });
  }
}

/** 10^digits: the value at which a register of `digits` dials rolls back to zero. */
export function registerModulus(digits: number): Decimal {
  assertDigits(digits);
  // Asked for twice per reading; 15 possible values, each an immutable Decimal.
  return (MODULI[digits] ??= new Decimal(10).pow(digits));
}

const MODULI: Decimal[] = [];

/** Parses a register reading and checks it fits the dials (0 <= value < 10^digits; industry reason code 11 otherwise). */
export function parseRegisterValue(value: string, digits: number): Decimal {
  const parsed = parseDecimal(value, 'reading value');
  if (parsed.isNegative() && !parsed.isZero()) throw new InvalidBillingInputError(`Reading value ${value} is negative`, { value });
  if (parsed.gte(registerModulus(digits))) {
    throw readingExceedsDigits(value, digits);
  }
  return parsed;
}

/**
 * Advance (consumption in the register's unit) from `opening` to `closing`: closing - opening,
 * or closing + 10^digits - opening when the register rolled over (passed its maximum once).
 * Throws NegativeAdvanceError when closing < opening without a rollover, and rejects a
 * rollover flag when closing >= opening (that would be a full revolution or more).
 */
export function advance(opening: string, closing: string, digits: number, rolledOver: boolean): Decimal {
  return advanceOfPlainValues(opening, closing, digits, rolledOver) ?? advanceByDecimal(opening, closing, digits, rolledOver);
}

// Up to 15 digits before and after the point, no sign: what meters send. Both values scaled to the same number of
// decimals are then integers below 10^15 < 2^53, exact as Numbers.
const PLAIN_REGISTER_VALUE = /^(\d{1,15})(?:\.(\d{1,15}))?$/;

/**
 * advance() on scaled integers, for the readings of every bill (profiled, issue 18, fifth round: two Decimals parsed,
 * compared with the dials' modulus and subtracted per interval, about 5% of a bill's computation). The same checks
 * in the same order with the same errors, and the same exact value (no rounding happens on either path: the figures
 * are far below 40 significant digits); undefined when a value is outside the fast path's range (a sign, more than
 * 15 digits), which advanceByDecimal then takes. consumption.calculator.spec.ts holds the two paths equal.
 */
function advanceOfPlainValues(opening: string, closing: string, digits: number, rolledOver: boolean): Decimal | undefined {
  const o = PLAIN_REGISTER_VALUE.exec(opening);
  const c = o === null ? null : PLAIN_REGISTER_VALUE.exec(closing);
  if (o === null || c === null) return undefined;
  const oFraction = o[2] ?? '';
  const cFraction = c[2] ?? '';
  const scale = Math.max(oFraction.length, cFraction.length);
  if (!Number.isInteger(digits) || digits + scale > 15) {
    // Digits not whole, or too many digits for exact Numbers: the Decimal path (its errors are the same).
    return undefined;
  }
  const open = Number(o[1] + oFraction.padEnd(scale, '0'));
  const close = Number(c[1] + cFraction.padEnd(scale, '0'));
  const modulus = 10 ** (digits + scale);
  assertDigits(digits);
  if (open >= modulus) throw readingExceedsDigits(opening, digits);
  if (close >= modulus) throw readingExceedsDigits(closing, digits);
  let units: number;
  if (rolledOver) {
    if (close >= open) throw new InvalidBillingInputError(`Rollover flagged but closing ${closing} is not below opening ${opening}`, { opening, closing });
    units = close + modulus - open;
  } else {
    if (close < open) throw new NegativeAdvanceError(opening, closing);
    units = close - open;
  }
  if (scale === 0) return new Decimal(units);
  const text = String(units).padStart(scale + 1, '0');
  return new Decimal(`${text.slice(0, text.length - scale)}.${text.slice(text.length - scale)}`);
}

function readingExceedsDigits(value: string, digits: number): BillingDomainError {
  return new BillingDomainError('BILLING_READING_EXCEEDS_DIGITS', `Reading value ${value} does not fit a ${digits}-digit register`, { value, digits });
}

/** advance() by decimal.js: the reference formula, and the path for values the plain path does not take. */
export function advanceByDecimal(opening: string, closing: string, digits: number, rolledOver: boolean): Decimal {
  const open = parseRegisterValue(opening, digits);
  const close = parseRegisterValue(closing, digits);
  if (rolledOver) {
    if (close.gte(open)) {
      throw new InvalidBillingInputError(`Rollover flagged but closing ${closing} is not below opening ${opening}`, { opening, closing });
    }
    return close.plus(registerModulus(digits)).minus(open);
  }
  if (close.lt(open)) throw new NegativeAdvanceError(opening, closing);
  return close.minus(open);
}

function cubicMetres(volume: Decimal, unit: GasVolumeUnit): Decimal {
  if (unit === 'm3') return volume;
  if (unit === 'ft3x100') return volume.times(M3_PER_FT3X100);
  throw new InvalidBillingInputError(`Unknown gas volume unit '${String(unit)}'`);
}

function calorificValue(cv: string): Decimal {
  const value = parseDecimal(cv, 'calorific value (MJ/m3)');
  if (value.lte(0)) throw new InvalidBillingInputError(`Calorific value must be positive, got ${cv}`);
  return value;
}

/** Gas energy of a volume: kWh = m3 x 1.02264 x CV (MJ/m3) / 3.6, where hundreds of ft3 x 2.83 = m3. Unrounded (40 significant digits). */
export function gasVolumeToKwh(volume: Decimal, unit: GasVolumeUnit, calorificValueMjPerM3: string): Decimal {
  return cubicMetres(volume, unit).times(GAS_VOLUME_CORRECTION).times(calorificValue(calorificValueMjPerM3)).dividedBy(MJ_PER_KWH);
}

/** Inverse of gasVolumeToKwh: the volume (in `unit`) holding `kWh` of energy; used to turn an annual quantity in kWh into register units. */
export function gasKwhToVolume(kWh: Decimal, unit: GasVolumeUnit, calorificValueMjPerM3: string): Decimal {
  const m3 = kWh.times(MJ_PER_KWH).dividedBy(new Decimal(GAS_VOLUME_CORRECTION).times(calorificValue(calorificValueMjPerM3)));
  if (unit === 'm3') return m3;
  if (unit === 'ft3x100') return m3.dividedBy(M3_PER_FT3X100);
  throw new InvalidBillingInputError(`Unknown gas volume unit '${String(unit)}'`);
}

/** Energy in kWh of an advance in the register's unit (identity for kWh registers; gas needs the calorific value). */
export function advanceToKwh(units: Decimal, unit: RegisterUnit, calorificValueMjPerM3?: string): Decimal {
  if (unit === 'kWh') return units;
  if (calorificValueMjPerM3 === undefined) throw new InvalidBillingInputError(`A calorific value is needed to convert ${unit} to kWh`);
  return gasVolumeToKwh(units, unit, calorificValueMjPerM3);
}
