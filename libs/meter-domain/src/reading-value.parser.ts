import { Decimal } from 'decimal.js';

/**
 * Register values are exact decimals held as strings (a meter shows tenths at
 * most). This private Decimal constructor keeps our precision and rounding
 * independent of anything else in the process calling `Decimal.set`.
 */
export const MeterDecimal = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -40,
  toExpPos: 40,
});

/** A register's dial count when the meter record does not say: most UK credit meters show 5 digits. */
export const DEFAULT_REGISTER_DIGITS = 5;
/** Domestic meters have 4 to 9 dials; anything above 12 is a data error, not a meter. */
export const MAX_REGISTER_DIGITS = 12;

export type ReadingValueProblem = 'EMPTY' | 'NOT_A_NUMBER' | 'NEGATIVE' | 'TOO_MANY_DECIMAL_PLACES';

export type ParsedReadingValue = { ok: true; value: Decimal } | { ok: false; problem: ReadingValueProblem };

const PLAIN = /^\d+(\.\d)?$/;
const TOO_PRECISE = /^\d+\.\d{2,}$/;
const NEGATIVE = /^-\d+(\.\d+)?$/;

/**
 * Parses a submitted reading value. Only plain digits with at most one decimal
 * place pass: no sign, exponent, separators or surrounding spaces, so the
 * stored string is exactly what the meter showed (leading zeros allowed: a
 * 5-dial meter reads "01234").
 */
export function parseReadingValue(raw: unknown): ParsedReadingValue {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, problem: 'EMPTY' };
  if (PLAIN.test(raw)) return { ok: true, value: new MeterDecimal(raw) };
  if (TOO_PRECISE.test(raw)) return { ok: false, problem: 'TOO_MANY_DECIMAL_PLACES' };
  if (NEGATIVE.test(raw)) return { ok: false, problem: 'NEGATIVE' };
  return { ok: false, problem: 'NOT_A_NUMBER' };
}

const STORED = /^\d+(\.\d+)?$/;

/**
 * Parses a value already stored in history. More lenient on decimal places than
 * a submission (industry flows and old systems may hold more), but still a
 * plain non-negative decimal; anything else yields null.
 */
export function parseStoredValue(raw: unknown): Decimal | null {
  return isStoredValue(raw) ? new MeterDecimal(raw) : null;
}

/** Whether parseStoredValue would parse `raw`, without making the decimal (for a check alone). */
export function isStoredValue(raw: unknown): raw is string {
  return typeof raw === 'string' && STORED.test(raw);
}

export function isValidRegisterDigits(digits: unknown): digits is number {
  return typeof digits === 'number' && Number.isInteger(digits) && digits >= 1 && digits <= MAX_REGISTER_DIGITS;
}

/** The count at which a register with `digits` dials wraps to zero (10^digits); values lie in [0, max). */
export function registerMax(digits: number): Decimal {
  // Decimals are immutable, so one per dial count serves every reading (computed twice per reading before).
  let max = REGISTER_MAX[digits];
  if (max === undefined) {
    max = new MeterDecimal(10).pow(digits);
    if (isValidRegisterDigits(digits)) REGISTER_MAX[digits] = max;
  }
  return max;
}
const REGISTER_MAX: Decimal[] = [];

/** Whether a value fits the register: 5 dials show 0 to 99999.9. */
export function fitsRegisterDigits(value: Decimal, digits: number): boolean {
  return value.gte(0) && value.lt(registerMax(digits));
}

/**
 * The exact decimal a reading was submitted as, in canonical form: the API normalises a submission
 * ("01234" -> "1234", "10600.0" -> "10600") before it is published, and ClickHouse holds values as
 * Decimal64(1), which prints a tenth always ("10600.0"). Dropping a zero tenth (and any leading zeros)
 * gives back exactly the normalised submission: "10600" stays "10600", "10600.5" stays "10600.5".
 * Non-decimal input is returned unchanged.
 */
export function canonicalReadingValue(raw: string): string {
  const m = /^(\d+)(?:\.(\d*))?$/.exec(raw);
  if (!m) return raw;
  const whole = m[1]!.replace(/^0+(?=\d)/, '');
  const frac = (m[2] ?? '').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}
