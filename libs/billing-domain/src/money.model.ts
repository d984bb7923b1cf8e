// Exact decimal arithmetic and money for billing.
//
// The rounding rule (the only place pence are rounded):
//   1. A line item's amount is fixed exactly once, by `lineAmount(quantity, rate)`:
//      the exact product (kWh x p/kWh, or days x p/day) is rounded to a whole penny,
//      half away from zero (decimal.js ROUND_HALF_UP), so a credit rounds to the same
//      magnitude as the equivalent charge. Quantities and rates are never rounded first.
//   2. VAT is fixed exactly once per VAT rate, by `vatOn(base, rate)`: the base is the sum
//      of the already-rounded net line amounts at that rate; the product is rounded the
//      same way. VAT is never computed per line.
//   3. Totals are plain sums of whole pence and need no rounding.
// Everything before those points (apportioned kWh, ex-VAT rates such as 28.34 / 1.05)
// is carried at 40 significant digits.
import { Decimal as DecimalJs } from 'decimal.js';
import { InvalidBillingInputError } from './billing.error';

/** The billing Decimal constructor: a private clone (40 significant digits, half-up, never exponent notation) so decimal.js's global config is untouched. */
export const Decimal = DecimalJs.clone({
  precision: 40,
  rounding: DecimalJs.ROUND_HALF_UP,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
/** An exact decimal value produced by the billing `Decimal` constructor. */
export type Decimal = DecimalJs;

const DECIMAL_STRING = /^-?\d+(\.\d+)?$/;

// A bill run parses the same rates, VAT rates and calorific values for every account (profiled). A Decimal is
// immutable, so one parsed value can be shared; only valid strings are kept, and the memory is bounded.
const PARSED_LIMIT = 20_000;
const parsed = new Map<string, Decimal>();

/** Parses a plain decimal string ('28.34', '-1', '0.05'); rejects exponents, hex, NaN, Infinity and binary floats so no float ever enters a bill. */
export function parseDecimal(value: string | Decimal, what: string): Decimal {
  if (typeof value !== 'string') {
    if (DecimalJs.isDecimal(value) && value.isFinite()) return new Decimal(value);
    throw new InvalidBillingInputError(`${what} must be a finite decimal`, { what });
  }
  const known = parsed.get(value);
  if (known !== undefined) return known;
  if (!DECIMAL_STRING.test(value)) {
    throw new InvalidBillingInputError(`${what} must be a plain decimal string, got '${value}'`, { what, value });
  }
  const decimal = new Decimal(value);
  if (parsed.size >= PARSED_LIMIT) parsed.clear();
  parsed.set(value, decimal);
  return decimal;
}

/** Rounds an exact pence amount to a whole penny, half away from zero: the single rounding primitive of the library. */
export function roundPence(exactPence: Decimal): Decimal {
  return exactPence.toDecimalPlaces(0, DecimalJs.ROUND_HALF_UP);
}

/** Canonical string of a decimal: plain notation, and '0' instead of decimal.js's '-0'. */
export function decimalToString(value: Decimal): string {
  return value.isZero() ? '0' : value.toString();
}

/** Whole pence as toPence() writes them: '0', or an optional minus and digits without leading zeros (short enough for a safe BigInt). */
const CANONICAL_PENCE = /^(0|-?[1-9]\d{0,30})$/;

const ZERO_PENCE = new Decimal(0);

/** An immutable amount of whole pence. */
export class Money {
  private constructor(private readonly pence: Decimal) {
    Object.freeze(this);
  }

  /** Whole pence from a string ('-1234') or Decimal; throws on fractions of a penny. */
  static ofPence(pence: string | Decimal): Money {
    const value = parseDecimal(pence, 'pence');
    if (!value.isInteger()) throw new InvalidBillingInputError(`Money must be whole pence, got ${value.toString()}`);
    return new Money(value.isZero() ? new Decimal(0) : value);
  }

  /** Zero pence. */
  static zero(): Money {
    return new Money(new Decimal(0));
  }

  /** Fixes an exact pence amount to whole pence by the documented rule (half away from zero). */
  static roundHalfUp(exactPence: Decimal): Money {
    return Money.whole(roundPence(exactPence));
  }

  // A Decimal known to be whole (rounded to 0 places, or a sum, difference or negation of whole pence): no copy and
  // no integer check, which ofPence spends on values from outside (profiled, issue 18, third round). Zero is kept
  // unsigned, as ofPence keeps it.
  private static whole(pence: Decimal): Money {
    return new Money(pence.isZero() ? ZERO_PENCE : pence);
  }

  /** Sum of whole-pence amounts given as Money or pence strings. */
  static sum(amounts: Iterable<Money | string>): Money {
    // Whole pence add up exactly as integers: canonical pence strings (what every line carries) are summed as
    // BigInt, with no Decimal per term (profiled, issue 18). Anything else (Money, other spellings) takes the
    // Decimal path, which also refuses fractions of a penny as before. Nothing is rounded either way.
    let whole = 0n;
    let total: Decimal | null = null;
    for (const a of amounts) {
      if (typeof a === 'string' && CANONICAL_PENCE.test(a)) whole += BigInt(a);
      else total = (total ?? new Decimal(0)).plus(typeof a === 'string' ? Money.ofPence(a).pence : a.pence);
    }
    if (total === null) return Money.ofPence(whole.toString());
    return Money.ofPence(total.plus(whole.toString()));
  }

  /** this + other. */
  plus(other: Money): Money {
    return Money.whole(this.pence.plus(other.pence));
  }

  /** this - other. */
  minus(other: Money): Money {
    return Money.whole(this.pence.minus(other.pence));
  }

  /** -this. */
  negate(): Money {
    return Money.whole(this.pence.negated());
  }

  /** True when zero pence. */
  isZero(): boolean {
    return this.pence.isZero();
  }

  /** True when strictly below zero (a credit). */
  isNegative(): boolean {
    return this.pence.isNegative() && !this.pence.isZero();
  }

  /** Same number of pence. */
  equals(other: Money): boolean {
    return this.pence.eq(other.pence);
  }

  /** Whole pence as a Decimal (for further exact arithmetic). */
  toDecimal(): Decimal {
    return this.pence;
  }

  /** Whole pence as a canonical integer string, e.g. '-1234'. */
  toPence(): string {
    return decimalToString(this.pence);
  }

  /** '£12.34' / '-£1,234.56'. */
  format(): string {
    // The canonical pence string takes formatPounds' digit path; the Decimal itself would take decimal.js's.
    return formatPounds(this.toPence());
  }

  /** Serialises as the pence string so bills stay plain JSON. */
  toJSON(): string {
    return this.toPence();
  }

  /** The pence string. */
  toString(): string {
    return this.toPence();
  }
}

/**
 * The exact sum of whole-pence strings as canonical pence: what Money.sum(amounts).toPence() gives, without a
 * Decimal when every term is canonical (what every line carries): Numbers while every partial sum is a safe
 * integer, BigInt from then on (profiled, issue 18, fifth round: each bill's totals). Anything else, and any error,
 * is Money.sum's.
 */
export function sumPence(amounts: readonly string[]): string {
  let small = 0;
  let big: bigint | null = null;
  for (const a of amounts) {
    if (!CANONICAL_PENCE.test(a)) return Money.sum(amounts).toPence();
    if (big === null) {
      const next = small + Number(a);
      if (Number.isSafeInteger(next) && a.length < 16) {
        small = next;
        continue;
      }
      big = BigInt(small);
    }
    big += BigInt(a);
  }
  return big === null ? String(small) : big.toString();
}

/** THE point where a line item's amount is fixed: exact quantity x exact rate (pence per unit), rounded once to whole pence. */
export function lineAmount(quantity: Decimal, ratePence: Decimal): Money {
  return Money.roundHalfUp(quantity.times(ratePence));
}

/** THE point where VAT is fixed: the rate (a fraction, e.g. 0.05) times the sum of the rounded net lines charged at that rate, rounded once. */
export function vatOn(basePence: Money, vatRate: Decimal): Money {
  return Money.roundHalfUp(basePence.toDecimal().times(vatRate));
}

function groupThousands(integerDigits: string): string {
  return integerDigits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Formats whole pence as pounds: 1234 -> '£12.34', -123456 -> '-£1,234.56'; throws on fractional pence. */
export function formatPounds(pence: string | Decimal | Money): string {
  // Every bill's VAT line prints its base (profiled, issue 18, third round): a Money's canonical pence ('0', or an
  // optional minus and digits without leading zeros) is split into pounds and pence as digits; anything else
  // takes the Decimal path.
  const text = pence instanceof Money ? pence.toPence() : typeof pence === 'string' ? pence : null;
  if (text !== null && CANONICAL_PENCE.test(text)) {
    const negative = text.charCodeAt(0) === 45; // '-'
    const digits = (negative ? text.slice(1) : text).padStart(3, '0');
    return `${negative ? '-' : ''}£${groupThousands(digits.slice(0, -2))}.${digits.slice(-2)}`;
  }
  return formatPoundsByDecimal(pence);
}

/** formatPounds by decimal.js: the reference formula, and the path for anything but canonical whole pence. */
export function formatPoundsByDecimal(pence: string | Decimal | Money): string {
  const value = pence instanceof Money ? pence.toDecimal() : parseDecimal(pence, 'pence');
  if (!value.isInteger()) throw new InvalidBillingInputError(`formatPounds needs whole pence, got ${value.toString()}`);
  const negative = value.isNegative() && !value.isZero();
  const [whole = '0', fraction = '00'] = value.abs().dividedBy(100).toFixed(2).split('.');
  return `${negative ? '-' : ''}£${groupThousands(whole)}.${fraction}`;
}

/** Formats a quantity for a human description with exactly `places` decimals (half-up, display only): '1,122.06'. */
export function formatQuantity(quantity: Decimal, places = 2): string {
  // Every energy line prints its kWh (profiled, issue 18, third round: two Decimals, a toFixed and a regex a line).
  // The same rounding on the canonical digits instead: keep `places` decimals, and when the first digit dropped
  // is 5 or more add one unit in the last place to the magnitude (half away from zero, decimal.js ROUND_HALF_UP);
  // a value that rounds to zero prints unsigned. money.model.spec.ts holds it to the Decimal formula over random values.
  const text = quantity.toString();
  if (!DECIMAL_STRING.test(text) || !Number.isInteger(places) || places < 0) return formatQuantityByDecimal(quantity, places);
  const negative = text.charCodeAt(0) === 45; // '-'
  const body = negative ? text.slice(1) : text;
  const dot = body.indexOf('.');
  const whole = dot < 0 ? body : body.slice(0, dot);
  let fraction = dot < 0 ? '' : body.slice(dot + 1);
  let digits: string;
  if (fraction.length <= places) {
    digits = whole + fraction.padEnd(places, '0');
  } else {
    const up = fraction.charCodeAt(places) >= 53; // '5'
    digits = whole + fraction.slice(0, places);
    if (up) digits = incrementDigits(digits);
  }
  const wholeDigits = digits.slice(0, digits.length - places);
  fraction = digits.slice(digits.length - places);
  const signed = negative && /[1-9]/.test(digits);
  return `${signed ? '-' : ''}${groupThousands(wholeDigits)}${places === 0 ? '' : `.${fraction}`}`;
}

/** A string of decimal digits plus one ('0999' -> '1000', '99' -> '100'). */
function incrementDigits(digits: string): string {
  let i = digits.length - 1;
  while (i >= 0 && digits.charCodeAt(i) === 57) i--; // '9'
  if (i < 0) return `1${'0'.repeat(digits.length)}`;
  return digits.slice(0, i) + String.fromCharCode(digits.charCodeAt(i) + 1) + '0'.repeat(digits.length - i - 1);
}

/** formatQuantity by decimal.js: the reference formula, and the path for anything the digit path does not take. */
export function formatQuantityByDecimal(quantity: Decimal, places = 2): string {
  const fixed = quantity.toDecimalPlaces(places, DecimalJs.ROUND_HALF_UP).toFixed(places);
  const negative = fixed.startsWith('-') && !new Decimal(fixed).isZero();
  const [whole = '0', fraction] = fixed.replace('-', '').split('.');
  return `${negative ? '-' : ''}${groupThousands(whole)}${fraction === undefined ? '' : `.${fraction}`}`;
}

/** Formats a pence rate for a description: at least 2 and at most 4 decimals (display only; amounts use the exact rate): '20.00p', '26.9905p'. */
export function formatRatePence(ratePence: Decimal): string {
  // Rates come from parseDecimal's memo, one Decimal per rate string, and every line prints its rate: kept per
  // Decimal (immutable), so a run formats each rate once (profiled, issue 18).
  const known = ratePenceTexts.get(ratePence);
  if (known !== undefined) return known;
  const text = computeFormatRatePence(ratePence);
  ratePenceTexts.set(ratePence, text);
  return text;
}

const ratePenceTexts = new WeakMap<Decimal, string>();

function computeFormatRatePence(ratePence: Decimal): string {
  const rounded = ratePence.toDecimalPlaces(4, DecimalJs.ROUND_HALF_UP);
  return `${rounded.decimalPlaces() <= 2 ? rounded.toFixed(2) : rounded.toString()}p`;
}

/** Formats a VAT rate fraction as a percentage: '0.05' -> '5%', '0.175' -> '17.5%'. */
export function formatPercent(fraction: Decimal): string {
  // A run prints the same one or two VAT rates on every bill: kept per Decimal (immutable, parseDecimal's memo).
  const known = percentTexts.get(fraction);
  if (known !== undefined) return known;
  const text = `${fraction.times(100).toString()}%`;
  percentTexts.set(fraction, text);
  return text;
}

const percentTexts = new WeakMap<Decimal, string>();

/**
 * The exact sum of plain decimal strings ('12.5', '-0.000000000001', '7'), written as PostgreSQL's numeric
 * `sum()` writes it: the result's scale is the largest scale among the terms ('1.50' + '2' = '3.50'), with no
 * rounding and no limit on digits (decimal.js would round past 40 significant digits). undefined when a term
 * is not a plain decimal string. For sums the database would otherwise take (the settlement summary).
 */
export function sumPlainDecimals(values: readonly string[]): string | undefined {
  let scale = 0;
  for (const v of values) {
    if (!DECIMAL_STRING.test(v)) return undefined;
    const dot = v.indexOf('.');
    if (dot >= 0 && v.length - dot - 1 > scale) scale = v.length - dot - 1;
  }
  let total = 0n;
  for (const v of values) {
    const dot = v.indexOf('.');
    const places = dot < 0 ? 0 : v.length - dot - 1;
    const digits = dot < 0 ? v : v.slice(0, dot) + v.slice(dot + 1);
    total += BigInt(digits) * 10n ** BigInt(scale - places);
  }
  const negative = total < 0n;
  const magnitude = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const whole = magnitude.slice(0, magnitude.length - scale);
  const text = scale === 0 ? whole : `${whole}.${magnitude.slice(magnitude.length - scale)}`;
  return negative ? `-${text}` : text;
}
