/**
 * MPAN core (electricity supply point): 13 digits. The first two are the
 * distributor id (10 to 23 in Great Britain); the 13th is a check digit over
 * the first 12 (weights below; 11 is deliberately absent from the primes).
 */
const WEIGHTS = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43] as const;
const FIRST_12 = /^\d{12}$/;
const CORE = /^\d{13}$/;

export const MIN_DISTRIBUTOR_ID = 10;
export const MAX_DISTRIBUTOR_ID = 23;

/** Why a string is not a valid MPAN core; lets callers tell a person which check failed. */
export type MpanCoreProblem = 'FORMAT' | 'DISTRIBUTOR' | 'CHECK_DIGIT';

/**
 * The check digit for the first 12 digits of an MPAN core: the weighted sum,
 * mod 11, mod 10. Throws RangeError unless given exactly 12 digits (a caller
 * bug, not user input: validate with `isValidMpanCore`).
 */
export function mpanCheckDigit(first12: string): number {
  if (!FIRST_12.test(first12)) throw new RangeError('mpanCheckDigit needs exactly 12 digits');
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * WEIGHTS[i]!;
  return (sum % 11) % 10;
}

/** Which check an MPAN core fails first (format, then distributor, then check digit), or null when it is valid. */
export function mpanCoreProblem(core: unknown): MpanCoreProblem | null {
  if (typeof core !== 'string' || !CORE.test(core)) return 'FORMAT';
  const distributor = Number(core.slice(0, 2));
  if (distributor < MIN_DISTRIBUTOR_ID || distributor > MAX_DISTRIBUTOR_ID) return 'DISTRIBUTOR';
  if (mpanCheckDigit(core.slice(0, 12)) !== Number(core[12])) return 'CHECK_DIGIT';
  return null;
}

export function isValidMpanCore(core: string): boolean {
  return mpanCoreProblem(core) === null;
}
