/**
 * NUM(p,s) values of the industry flows: at most p digits in all, at most s
 * of them after the decimal point, unsigned here (a register reading is a
 * count on the dials). Checked character by character and kept as the string
 * the sender wrote: no float ever holds a reading.
 */
export type FlowDecimalProblem = 'EMPTY' | 'NEGATIVE' | 'NOT_A_NUMBER' | 'TOO_MANY_DIGITS' | 'TOO_MANY_DECIMAL_PLACES';

export type ParsedFlowDecimal = { ok: true; value: string } | { ok: false; problem: FlowDecimalProblem };

/** Checks `raw` against NUM(precision, scale); the value returned is `raw` itself. */
export function parseFlowDecimal(raw: string, precision: number, scale: number): ParsedFlowDecimal {
  if (raw.length === 0) return { ok: false, problem: 'EMPTY' };
  if (raw.charCodeAt(0) === 45 /* - */) {
    if (raw.length > 1 && isNumberBody(raw, 1)) return { ok: false, problem: 'NEGATIVE' };
    return { ok: false, problem: 'NOT_A_NUMBER' };
  }
  let intDigits = 0;
  let fracDigits = -1;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 46 /* . */) {
      if (fracDigits >= 0 || intDigits === 0) return { ok: false, problem: 'NOT_A_NUMBER' };
      fracDigits = 0;
    } else if (c >= 48 && c <= 57) {
      if (fracDigits >= 0) fracDigits++;
      else intDigits++;
    } else return { ok: false, problem: 'NOT_A_NUMBER' };
  }
  if (fracDigits === 0) return { ok: false, problem: 'NOT_A_NUMBER' };
  const frac = fracDigits < 0 ? 0 : fracDigits;
  if (frac > scale) return { ok: false, problem: 'TOO_MANY_DECIMAL_PLACES' };
  if (intDigits + frac > precision || intDigits > precision - scale) return { ok: false, problem: 'TOO_MANY_DIGITS' };
  return { ok: true, value: raw };
}

function isNumberBody(s: string, from: number): boolean {
  let dot = false;
  let digits = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 && !dot) dot = true;
    else if (c >= 48 && c <= 57) digits++;
    else return false;
  }
  return digits > 0;
}

export function flowDecimalProblemMessage(problem: FlowDecimalProblem, precision: number, scale: number): string {
  switch (problem) {
    case 'EMPTY':
      return 'is empty';
    case 'NEGATIVE':
      return 'is negative; a register reading is never below zero';
    case 'NOT_A_NUMBER':
      return 'is not a number (digits, optionally a point and decimals)';
    case 'TOO_MANY_DIGITS':
      return `has more digits than NUM(${precision},${scale}) holds (at most ${precision - scale} before the point)`;
    case 'TOO_MANY_DECIMAL_PLACES':
      return `has more than ${scale} decimal place${scale === 1 ? '' : 's'} (NUM(${precision},${scale}))`;
  }
}
