import type { Decimal } from 'decimal.js';
import { isValidRegisterDigits, parseStoredValue, registerMax } from './reading-value.parser';

/**
 * Consumption of a register between two readings: closing minus opening, and
 * when the closing value is lower, the count that passed the maximum and
 * restarted at zero (max - opening + closing). Whether such a rollover is
 * plausible is the plausibility checker's call, not this function's.
 */
export interface RegisterAdvance {
  advance: Decimal;
  rolledOver: boolean;
}

/** Both values must lie in [0, 10^digits); the result then lies in [0, 10^digits) too. */
export function registerAdvanceOf(opening: Decimal, closing: Decimal, digits: number): RegisterAdvance {
  if (closing.gte(opening)) return { advance: closing.minus(opening), rolledOver: false };
  return { advance: registerMax(digits).minus(opening).plus(closing), rolledOver: true };
}

/**
 * String form for callers outside the domain. Null when a value is not a plain
 * non-negative decimal, does not fit the register, or digits is not 1 to 12.
 */
export function registerAdvance(
  opening: string,
  closing: string,
  digits: number,
): { advance: string; rolledOver: boolean } | null {
  if (!isValidRegisterDigits(digits)) return null;
  const open = parseStoredValue(opening);
  const close = parseStoredValue(closing);
  const max = registerMax(digits);
  if (!open || !close || open.gte(max) || close.gte(max)) return null;
  const { advance, rolledOver } = registerAdvanceOf(open, close, digits);
  return { advance: advance.toFixed(), rolledOver };
}
