/**
 * MPRN (gas supply point): 6 to 11 digits, usually 10. The domain reference
 * says its check digits come from a weak source, so a failed check is only a
 * warning. No check-digit algorithm is published authoritatively, so none is
 * built in: a caller that has one (e.g. from the gas transporter's data) passes
 * it as `checkDigitRule`, and a mismatch becomes a warning. The one built-in
 * heuristic warns on placeholders made of a single repeated digit.
 */
const MPRN = /^\d{6,11}$/;
const ONE_REPEATED_DIGIT = /^(\d)\1*$/;

export const MIN_MPRN_DIGITS = 6;
export const MAX_MPRN_DIGITS = 11;

/** Returns false when the MPRN's check digits do not match under the caller's rule. */
export type MprnCheckDigitRule = (mprn: string) => boolean;

export interface MprnCheck {
  valid: boolean;
  warning?: string;
}

export function checkMprn(mprn: string, checkDigitRule?: MprnCheckDigitRule): MprnCheck {
  if (typeof mprn !== 'string' || !MPRN.test(mprn)) return { valid: false };
  if (ONE_REPEATED_DIGIT.test(mprn)) {
    return { valid: true, warning: `MPRN ${mprn} looks like a placeholder; check the gas supply number on your bill.` };
  }
  if (checkDigitRule) {
    let matches: boolean;
    try {
      matches = checkDigitRule(mprn);
    } catch {
      // A broken rule must not turn a well-formed MPRN into an error; it is only advisory.
      matches = true;
    }
    if (!matches) {
      return {
        valid: true,
        warning: `MPRN ${mprn} does not pass its check digits, so it may be mistyped; check it against your gas bill.`,
      };
    }
  }
  return { valid: true };
}
