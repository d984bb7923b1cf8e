import type { Decimal } from 'decimal.js';
import { DAYS_PER_YEAR, expectedAdvanceOver } from './estimated-annual-consumption.calculator';
import { MS_PER_DAY, parseInstant } from './instant.model';
import { isEstimate, isReadingSource, type ReadingSource } from './reading.model';
import {
  MAX_REGISTER_DIGITS,
  MeterDecimal,
  fitsRegisterDigits,
  isValidRegisterDigits,
  parseReadingValue,
  parseStoredValue,
  registerMax,
} from './reading-value.parser';
import { registerAdvanceOf } from './register-advance.calculator';
import { parseUkDateOrInstant, ukLocalDate } from './uk-calendar.model';

/**
 * The checks on a reading that need the register's history (domain reference
 * section 4), run after validateReadingFields has passed. Pure, deterministic
 * (no clock, result independent of history order) and total: any input yields
 * an outcome, malformed context is ignored and flagged rather than thrown on.
 *
 * Order of the rules: input sanity; duplicate / conflict at the same instant;
 * supply start; then the reading against its neighbours in time: the previous
 * reading (negative advance with its exceptions, more than twice expected,
 * zero advance) and, for a backdated reading, the next one (which must not
 * then go negative). A rejection outranks a hold, which outranks acceptance.
 */

export type IndustryValidationCode = '03' | '05' | '11' | '20' | '27';
export type PlausibilityStatus = 'accepted' | 'rejected' | 'held';

/** Read as a value: an entry must not be changed once passed in (its parse is remembered, see toPoint). */
export interface HistoricReading {
  readonly readingId: string;
  readonly readAt: string;
  readonly value: string;
  readonly source: ReadingSource;
}

export interface PlausibilityReading {
  readAt: string;
  value: string;
  source: ReadingSource;
}

export interface PlausibilityContext {
  /** The register's dial count: values lie in [0, 10^digits). */
  digits: number;
  /** A UK calendar date (supply starts at 00:00 UK time that day) or an instant. */
  supplyStartDate?: string;
  /** Accepted readings of this register, in any order. */
  history: readonly HistoricReading[];
  /** Units per year on this register (kWh, or the gas register's volume unit); a positive decimal string. */
  estimatedAnnualConsumption?: string;
  /** When the meter was exchanged: readings at or after it are the new meter's. An instant or a UK date. */
  meterExchangedAt?: string;
}

export interface PlausibilityOptions {
  /** A zero advance over at least this many days is flagged ZERO_ADVANCE. Default 90. */
  zeroAdvanceFlagDays?: number;
}

export interface PlausibilityOutcome {
  status: PlausibilityStatus;
  reasonCode?: string;
  industryCode?: IndustryValidationCode;
  /** Set for rejected and held outcomes and for duplicates: what happened and what the person can do. */
  message?: string;
  /** The accepted reading this one repeats; the caller must not store it again. */
  duplicateOf?: string;
  /** Dated before the latest accepted reading of the register. */
  backdated: boolean;
  /** Consumption since the baseline reading (the previous one, or the last actual one when the previous was an estimate). */
  advance?: string;
  rolledOver: boolean;
  /** Sorted; see PLAUSIBILITY_FLAGS. */
  flags: string[];
}

export const PLAUSIBILITY_REASON_CODES = {
  INVALID_READ_AT: 'INVALID_READ_AT',
  INVALID_VALUE: 'INVALID_VALUE',
  INVALID_SOURCE: 'INVALID_SOURCE',
  INVALID_REGISTER_DIGITS: 'INVALID_REGISTER_DIGITS',
  VALUE_EXCEEDS_REGISTER_DIGITS: 'VALUE_EXCEEDS_REGISTER_DIGITS',
  CONFLICTS_WITH_EXISTING_READING: 'CONFLICTS_WITH_EXISTING_READING',
  BEFORE_SUPPLY_START: 'BEFORE_SUPPLY_START',
  NEGATIVE_ADVANCE: 'NEGATIVE_ADVANCE',
  ADVANCE_EXCEEDS_TWICE_EXPECTED: 'ADVANCE_EXCEEDS_TWICE_EXPECTED',
} as const;

export const PLAUSIBILITY_FLAGS = {
  /** A meter exchange lies between this reading and a neighbour, so the advance across it was not checked (industry 20). */
  METER_EXCHANGE: 'METER_EXCHANGE',
  /** No advance over at least zeroAdvanceFlagDays (industry 27). */
  ZERO_ADVANCE: 'ZERO_ADVANCE',
  /** The previous reading was an estimate above this actual one: re-bill from the actual. */
  PREVIOUS_ESTIMATE_TOO_HIGH: 'PREVIOUS_ESTIMATE_TOO_HIGH',
  /** The next reading is an estimate below this (backdated) actual one: re-estimate it. */
  NEXT_ESTIMATE_TOO_LOW: 'NEXT_ESTIMATE_TOO_LOW',
  IGNORED_MALFORMED_HISTORY: 'IGNORED_MALFORMED_HISTORY',
  IGNORED_INVALID_SUPPLY_START: 'IGNORED_INVALID_SUPPLY_START',
  IGNORED_INVALID_METER_EXCHANGE: 'IGNORED_INVALID_METER_EXCHANGE',
  IGNORED_INVALID_EAC: 'IGNORED_INVALID_EAC',
} as const;

export const DEFAULT_ZERO_ADVANCE_FLAG_DAYS = 90;
/** Without an EAC, a rollover is plausible when the implied advance is at most this share of the register range. */
export const ROLLOVER_MAX_SHARE_OF_RANGE_WITHOUT_EAC = '0.1';

type ReasonCode = keyof typeof PLAUSIBILITY_REASON_CODES;

interface Point {
  id: string;
  t: number;
  v: Decimal;
  raw: string;
  source: ReadingSource;
}

interface Finding {
  status: 'rejected' | 'held';
  reasonCode: ReasonCode;
  industryCode?: IndustryValidationCode;
  message: string;
}

const POSITIVE_DECIMAL = /^\d+(\.\d+)?$/;

/** An EAC as both the exact decimal (messages, near ties) and a double (the fast comparison in exceedsExpected). */
interface ParsedEac {
  readonly value: Decimal;
  readonly number: number;
}
/** Relative margin within which the double comparison defers to the decimal one (see Neighbours.exceedsExpected). */
const FLOAT_MARGIN = 1e-9;
const DAYS_PER_YEAR_NUMBER = Number(DAYS_PER_YEAR);

/**
 * EACs already parsed, by their text: a register's EAC is the same string for each of its readings (the default
 * profile for every register the registry does not know), and parsing it was a decimal per reading. Bounded:
 * cleared when full (an account's own EACs are many, but each costs ~100 bytes and a re-parse is only a miss).
 */
const parsedEacs = new Map<string, ParsedEac | null>();
const MAX_PARSED_EACS = 10_000;
function parseEac(raw: string): ParsedEac | null {
  let parsed = parsedEacs.get(raw);
  if (parsed !== undefined) return parsed;
  const value = POSITIVE_DECIMAL.test(raw) ? new MeterDecimal(raw) : null;
  parsed = value !== null && value.gt(0) ? { value, number: value.toNumber() } : null;
  if (parsedEacs.size >= MAX_PARSED_EACS) parsedEacs.clear();
  parsedEacs.set(raw, parsed);
  return parsed;
}

/**
 * History entries already parsed, by identity. A register's history is passed in again for each of
 * its readings (the sink keeps the same entry objects between batches), and parsing every entry
 * (an instant and a decimal) was the largest part of judging a reading. Sound because entries are
 * read as values: the result for an object never changes as long as the object does not, and no
 * caller changes an entry after passing it in (HistoricReading is treated as immutable). Weak, so
 * an entry the caller drops is forgotten here too.
 */
const parsedEntries = new WeakMap<object, Point | null>();

function toPoint(h: unknown): Point | null {
  if (typeof h !== 'object' || h === null) return null;
  const known = parsedEntries.get(h);
  if (known !== undefined) return known;
  const point = parsePoint(h as Record<string, unknown>);
  parsedEntries.set(h, point);
  return point;
}

function parsePoint({ readingId, readAt, value, source }: Record<string, unknown>): Point | null {
  if (typeof readingId !== 'string' || !isReadingSource(source)) return null;
  const t = parseInstant(readAt);
  const v = parseStoredValue(value);
  if (t === null || v === null) return null;
  return { id: readingId, t, v, raw: value as string, source };
}

const inOrder = (points: readonly Point[]): boolean => {
  for (let i = 1; i < points.length; i++) if (byTimeThenId(points[i - 1]!, points[i]!) > 0) return false;
  return true;
};

/** A total order, so the outcome never depends on the order history arrives in. */
function byTimeThenId(a: Point, b: Point): number {
  if (a.t !== b.t) return a.t - b.t;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  if (!a.v.eq(b.v)) return a.v.lt(b.v) ? -1 : 1;
  if (a.raw !== b.raw) return a.raw < b.raw ? -1 : 1;
  return a.source < b.source ? -1 : a.source > b.source ? 1 : 0;
}

const describe = (p: Point): string => `${p.raw} on ${ukLocalDate(p.t)}`;

function build(
  status: PlausibilityStatus,
  fields: {
    reasonCode?: string;
    industryCode?: IndustryValidationCode;
    message?: string;
    duplicateOf?: string;
    backdated?: boolean;
    advance?: Decimal;
    rolledOver?: boolean;
    flags?: Iterable<string>;
  },
): PlausibilityOutcome {
  const out: PlausibilityOutcome = {
    status,
    backdated: fields.backdated ?? false,
    rolledOver: fields.rolledOver ?? false,
    // A Set (the context's flags) is already unique: sorted straight into the array, without a second Set.
    flags: fields.flags instanceof Set ? [...fields.flags].sort() : [...new Set(fields.flags ?? [])].sort(),
  };
  if (fields.reasonCode !== undefined) out.reasonCode = fields.reasonCode;
  if (fields.industryCode !== undefined) out.industryCode = fields.industryCode;
  if (fields.message !== undefined) out.message = fields.message;
  if (fields.duplicateOf !== undefined) out.duplicateOf = fields.duplicateOf;
  if (fields.advance !== undefined) out.advance = fields.advance.toFixed();
  return out;
}

const rejectInput = (reasonCode: ReasonCode, message: string, industryCode?: IndustryValidationCode): PlausibilityOutcome =>
  build('rejected', { reasonCode, message, ...(industryCode ? { industryCode } : {}) });

/**
 * An advance of more than this multiple of the expected advance is held for review (industry code 05,
 * "consumption exceeds twice expected advance"). Why 2: the expected advance is only the EAC pro rata by
 * days, so up to twice it is ordinary variation (a cold spell, a new appliance); beyond it a misread or a
 * wrong meter is likelier. Using the industry's own line means our holds agree with the validation the
 * settlement agents run on the same reads. Rollovers use the same line (see Neighbours.plausibleRollover).
 */
export const HOLD_ABOVE_MULTIPLE_OF_EXPECTED_ADVANCE = 2;

/** The reading itself, checked (section 1): what the later checks need, or the rejection. */
interface CheckedReading {
  t: number;
  v: Decimal;
  raw: string;
  source: ReadingSource;
  digits: number;
  max: Decimal;
}

/** The register's context, parsed (section 2). Malformed parts are left out and flagged in `flags`. */
interface ParsedContext {
  flags: Set<string>;
  /** Valid history, in the total order byTimeThenId. */
  points: Point[];
  supplyStart: number | null;
  exchange: number | null;
  eac: ParsedEac | null;
  zeroAdvanceDays: number;
}

/** What the neighbour checks (sections 5 and 6) found short of a rejection. */
interface NeighbourFindings {
  hold: Finding | null;
  advance: Decimal | undefined;
  rolledOver: boolean;
}

/** The advance arithmetic shared by both neighbour checks: a register, its context and the meter-exchange split. */
class Neighbours {
  constructor(
    private readonly reading: CheckedReading,
    private readonly ctx: ParsedContext,
  ) {}

  /** A meter exchange splits history into two meters that are never compared. */
  sameMeter(a: number, b: number): boolean {
    return this.side(a) === this.side(b);
  }

  expectedOver(fromT: number, toT: number): Decimal | null {
    return this.ctx.eac === null ? null : expectedAdvanceOver(this.ctx.eac.value, toT - fromT);
  }

  /**
   * Whether `advance` is more than twice the expected advance from `fromT` to `toT` (false without an EAC).
   * Decided in binary floating point when the two sides differ by more than FLOAT_MARGIN of the limit, far above
   * the error of the few double operations here (~1e-15) and of the decimal path (40 digits), so the answer is
   * the exact one; a near tie goes the decimal way, as before. Why: the decimal division was about 40% of
   * judging a reading, and the limit itself is only needed for a hold's message (the rare case).
   */
  exceedsExpected(advance: Decimal, fromT: number, toT: number): boolean {
    const eac = this.ctx.eac;
    if (eac === null) return false;
    const limit = (HOLD_ABOVE_MULTIPLE_OF_EXPECTED_ADVANCE * eac.number * (toT - fromT)) / MS_PER_DAY / DAYS_PER_YEAR_NUMBER;
    const a = advance.toNumber();
    if (Number.isFinite(limit) && Number.isFinite(a) && limit >= 0) {
      if (a > limit * (1 + FLOAT_MARGIN)) return true;
      if (a < limit * (1 - FLOAT_MARGIN)) return false;
    }
    return advance.gt(expectedAdvanceOver(eac.value, toT - fromT).times(HOLD_ABOVE_MULTIPLE_OF_EXPECTED_ADVANCE));
  }

  /** Consumption from `opening` to `closing` at `toT`, or null when it can only be negative. */
  advanceFrom(opening: Point, closing: Decimal, toT: number): { advance: Decimal; rolledOver: boolean } | null {
    if (closing.gte(opening.v)) return { advance: closing.minus(opening.v), rolledOver: false };
    if (opening.v.gte(this.reading.max)) return null; // an opening beyond this register's range cannot have rolled over on it
    const rolled = registerAdvanceOf(opening.v, closing, this.reading.digits);
    return this.plausibleRollover(rolled.advance, opening.t, toT) ? rolled : null;
  }

  /**
   * What a rollover from `opening` to `closing` would mean, when the register could have rolled over at all:
   * the advance it implies and the most we would believe for the period.
   */
  rolloverIfAny(opening: Point, closing: Decimal, toT: number): { implied: Decimal; limit: Decimal } | null {
    if (closing.gte(opening.v) || opening.v.gte(this.reading.max)) return null;
    return { implied: registerAdvanceOf(opening.v, closing, this.reading.digits).advance, limit: this.rolloverLimit(opening.t, toT) };
  }

  /**
   * A rollover is plausible when the consumption it implies is one we would accept as an ordinary advance:
   * at most twice the expected advance for the period (the line above which an advance is held), so a genuine
   * rollover is never treated worse than the same consumption without one. Without an EAC, a share of the range.
   */
  private plausibleRollover(implied: Decimal, fromT: number, toT: number): boolean {
    return implied.lte(this.rolloverLimit(fromT, toT));
  }

  private rolloverLimit(fromT: number, toT: number): Decimal {
    const expected = this.expectedOver(fromT, toT);
    return expected === null ? this.reading.max.times(ROLLOVER_MAX_SHARE_OF_RANGE_WITHOUT_EAC) : expected.times(HOLD_ABOVE_MULTIPLE_OF_EXPECTED_ADVANCE);
  }

  private side(ms: number): number {
    return this.ctx.exchange !== null && ms >= this.ctx.exchange ? 1 : 0;
  }
}

export function assessReading(
  reading: PlausibilityReading,
  context: PlausibilityContext,
  options: PlausibilityOptions = {},
): PlausibilityOutcome {
  const checked = checkReading(reading, context);
  if ('status' in checked) return checked;
  const ctx = parseContext(context, options);
  const { t } = checked;
  const latest = ctx.points.at(-1);
  const backdated = latest !== undefined && t < latest.t;

  const early = sameInstantOutcome(reading, checked, ctx, backdated) ?? supplyStartOutcome(checked, ctx, backdated);
  if (early) return early;

  const neighbours = new Neighbours(checked, ctx);
  const behind = checkAgainstPrevious(checked, ctx, neighbours, backdated);
  if ('status' in behind) return behind;
  const onward = checkAgainstNext(checked, ctx, neighbours, backdated);
  if ('status' in onward) return onward;
  // A hold found against the previous reading outranks one found against the next.
  return conclude(ctx, backdated, { ...behind, hold: behind.hold ?? onward.hold });
}

/** 1. The reading itself. validateReadingFields has normally caught these already. */
function checkReading(reading: PlausibilityReading, context: PlausibilityContext): CheckedReading | PlausibilityOutcome {
  const t = parseInstant(reading?.readAt);
  if (t === null) {
    return rejectInput('INVALID_READ_AT', 'The reading time must be a date and time with a time zone, e.g. 2022-03-31T18:30:00Z.');
  }
  const parsedValue = parseReadingValue(reading.value);
  if (!parsedValue.ok) {
    return rejectInput('INVALID_VALUE', 'The reading must be digits with at most one decimal place, e.g. 01234 or 1234.5.');
  }
  const v = parsedValue.value;
  if (!isReadingSource(reading.source)) {
    return rejectInput('INVALID_SOURCE', 'The reading source must be one of C, R, X, D, A, Z, F or I.');
  }
  const digits: unknown = context?.digits;
  if (!isValidRegisterDigits(digits)) {
    return rejectInput(
      'INVALID_REGISTER_DIGITS',
      `Our record of this register's dial count is not a whole number from 1 to ${MAX_REGISTER_DIGITS}; we must correct it before we can check this reading.`,
      '11',
    );
  }
  if (!fitsRegisterDigits(v, digits)) {
    return rejectInput(
      'VALUE_EXCEEDS_REGISTER_DIGITS',
      `This meter has ${digits} digits, so a reading must be below 1${'0'.repeat(digits)}; check you entered the digits left to right with none extra, leaving out any shown in red.`,
      '11',
    );
  }
  return { t, v, raw: reading.value, source: reading.source, digits, max: registerMax(digits) };
}

/** 2. The context. Our own data, so a malformed part is ignored (and flagged) rather than failing the customer. */
function parseContext(context: PlausibilityContext, options: PlausibilityOptions): ParsedContext {
  const flags = new Set<string>();
  const points: Point[] = [];
  for (const h of Array.isArray(context.history) ? context.history : []) {
    const p = toPoint(h);
    if (p) points.push(p);
    else flags.add(PLAUSIBILITY_FLAGS.IGNORED_MALFORMED_HISTORY);
  }
  // The sink passes history in order already: checked in one pass, so the usual case sorts (and copies) nothing.
  if (!inOrder(points)) points.sort(byTimeThenId);
  const optionalInstant = (rawValue: unknown, flag: string): number | null => {
    if (rawValue === undefined || rawValue === null) return null;
    const parsed = parseUkDateOrInstant(rawValue);
    if (parsed === null) flags.add(flag);
    return parsed;
  };
  const supplyStart = optionalInstant(context.supplyStartDate, PLAUSIBILITY_FLAGS.IGNORED_INVALID_SUPPLY_START);
  const exchange = optionalInstant(context.meterExchangedAt, PLAUSIBILITY_FLAGS.IGNORED_INVALID_METER_EXCHANGE);
  let eac: ParsedEac | null = null;
  const rawEac: unknown = context.estimatedAnnualConsumption;
  if (rawEac !== undefined && rawEac !== null) {
    eac = typeof rawEac === 'string' ? parseEac(rawEac) : null;
    if (eac === null) flags.add(PLAUSIBILITY_FLAGS.IGNORED_INVALID_EAC);
  }
  const zeroAdvanceDays =
    typeof options?.zeroAdvanceFlagDays === 'number' &&
    Number.isFinite(options.zeroAdvanceFlagDays) &&
    options.zeroAdvanceFlagDays >= 0
      ? options.zeroAdvanceFlagDays
      : DEFAULT_ZERO_ADVANCE_FLAG_DAYS;
  return { flags, points, supplyStart, exchange, eac, zeroAdvanceDays };
}

/** 3. The same instant again: a repeat is the same reading; a different value is a conflict, never an overwrite. */
function sameInstantOutcome(reading: PlausibilityReading, { t, v }: CheckedReading, { points, flags }: ParsedContext, backdated: boolean): PlausibilityOutcome | null {
  // Usually none: found without building the (empty) list.
  if (!points.some((p) => p.t === t)) return null;
  const sameInstant = points.filter((p) => p.t === t).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const duplicate = sameInstant.find((p) => p.v.eq(v));
  if (duplicate) {
    return build('accepted', {
      duplicateOf: duplicate.id,
      backdated,
      flags,
      message: `We already have this reading (${describe(duplicate)}); it counts once.`,
    });
  }
  const clash = sameInstant[0];
  if (clash) {
    return build('rejected', {
      reasonCode: 'CONFLICTS_WITH_EXISTING_READING',
      backdated,
      flags,
      message: `We already have a different reading (${clash.raw}) for this meter register at ${reading.readAt}; a meter shows one value at a time. Check the date and time you read it; if our reading is wrong, contact us to correct it.`,
    });
  }
  return null;
}

/** 4. Supply start. */
function supplyStartOutcome({ t }: CheckedReading, { supplyStart, flags }: ParsedContext, backdated: boolean): PlausibilityOutcome | null {
  if (supplyStart === null || t >= supplyStart) return null;
  return build('rejected', {
    reasonCode: 'BEFORE_SUPPLY_START',
    backdated,
    flags,
    message: `This reading is dated ${ukLocalDate(t)}, before we started supplying you on ${ukLocalDate(supplyStart)}; send a reading taken on or after that date (an earlier one belongs with your previous supplier).`,
  });
}

/** 5. The previous reading in time: negative advance (with its exceptions), more than twice expected, zero advance. */
function checkAgainstPrevious(
  { t, v, raw }: CheckedReading,
  { points, flags, zeroAdvanceDays }: ParsedContext,
  neighbours: Neighbours,
  backdated: boolean,
): NeighbourFindings | PlausibilityOutcome {
  const found: NeighbourFindings = { hold: null, advance: undefined, rolledOver: false };
  const prevIndex = points.findLastIndex((p) => p.t < t);
  const prev = prevIndex >= 0 ? points[prevIndex] : undefined;
  if (!prev) return found;
  if (!neighbours.sameMeter(prev.t, t)) {
    flags.add(PLAUSIBILITY_FLAGS.METER_EXCHANGE);
    return found;
  }
  // Estimates are replaceable: when the previous reading is one, measure from the last actual reading instead.
  let base: Point | undefined = prev;
  const estimateTooHigh = isEstimate(prev.source) && v.lt(prev.v);
  if (isEstimate(prev.source)) {
    let lastActual: Point | undefined;
    for (let i = prevIndex; i >= 0; i--) {
      const p = points[i]!;
      if (!neighbours.sameMeter(p.t, t)) break;
      if (!isEstimate(p.source)) {
        lastActual = p;
        break;
      }
    }
    // Below an estimate with no actual reading to contradict it: the estimate was simply too high.
    base = lastActual ?? (estimateTooHigh ? undefined : prev);
  }
  if (base) {
    const measured = neighbours.advanceFrom(base, v, t);
    if (!measured) {
      const what = base === prev ? 'the previous reading' : 'your last actual reading';
      const rollover = neighbours.rolloverIfAny(base, v, t);
      const ifRolledOver = rollover
        ? ` If your meter's dials went past their highest value and started again from zero, that would mean ${rollover.implied.toFixed()} units used since then, more than the ${rollover.limit.toDecimalPlaces(1).toFixed()} we could accept for that time: check the reading, or send us a photo of your meter.`
        : '';
      return build('rejected', {
        reasonCode: 'NEGATIVE_ADVANCE',
        industryCode: '03',
        backdated,
        flags,
        message: `This reading (${raw}) is lower than ${what} of ${describe(base)}. Check you read the right meter and register and every digit from left to right; if your meter has been replaced, tell us.${ifRolledOver}`,
      });
    }
    found.advance = measured.advance;
    found.rolledOver = measured.rolledOver;
    if (neighbours.exceedsExpected(measured.advance, base.t, t)) {
      const expected = neighbours.expectedOver(base.t, t)!;
      found.hold = {
        status: 'held',
        reasonCode: 'ADVANCE_EXCEEDS_TWICE_EXPECTED',
        industryCode: '05',
        message: `This reading means ${measured.advance.toFixed()} units used since your reading of ${describe(base)}, more than twice the ${expected.toDecimalPlaces(1).toFixed()} we would expect for that time. We have held it for review: please send us a photo of your meter showing the reading.`,
      };
    }
    if (measured.advance.isZero() && t - base.t >= zeroAdvanceDays * MS_PER_DAY) flags.add(PLAUSIBILITY_FLAGS.ZERO_ADVANCE);
  }
  if (estimateTooHigh) flags.add(PLAUSIBILITY_FLAGS.PREVIOUS_ESTIMATE_TOO_HIGH);
  return found;
}

/** 6. A backdated reading must also leave the next reading plausible: a rejection, or what would hold it. */
function checkAgainstNext(
  { t, v, raw, source }: CheckedReading,
  { points, flags }: ParsedContext,
  neighbours: Neighbours,
  backdated: boolean,
): PlausibilityOutcome | { hold: Finding | null } {
  const nextIndex = points.findIndex((p) => p.t > t);
  const next = nextIndex >= 0 ? points[nextIndex] : undefined;
  if (!next) return { hold: null };
  if (!neighbours.sameMeter(t, next.t)) {
    flags.add(PLAUSIBILITY_FLAGS.METER_EXCHANGE);
    return { hold: null };
  }
  let ahead: Point | undefined = next;
  const nextEstimateTooLow = isEstimate(next.source) && !isEstimate(source) && next.v.lt(v);
  if (isEstimate(next.source) && !isEstimate(source)) {
    // An actual reading outranks a later estimate; compare with the next actual reading instead.
    ahead = undefined;
    for (let i = nextIndex; i < points.length; i++) {
      const p = points[i]!;
      if (!neighbours.sameMeter(t, p.t)) break;
      if (!isEstimate(p.source)) {
        ahead = p;
        break;
      }
    }
  }
  let hold: Finding | null = null;
  if (ahead) {
    const onward = neighbours.advanceFrom({ id: '', t, v, raw, source }, ahead.v, ahead.t);
    if (!onward) {
      return build('rejected', {
        reasonCode: 'NEGATIVE_ADVANCE',
        industryCode: '03',
        backdated,
        flags,
        message: `This reading (${raw}) is higher than a later reading of ${describe(ahead)}, so both cannot be right. Check the date you read the meter and every digit; if the later reading is wrong, contact us.`,
      });
    }
    if (!isEstimate(ahead.source) && neighbours.exceedsExpected(onward.advance, t, ahead.t)) {
      const expected = neighbours.expectedOver(t, ahead.t)!;
      hold = {
        status: 'held',
        reasonCode: 'ADVANCE_EXCEEDS_TWICE_EXPECTED',
        industryCode: '05',
        message: `With this reading, your later reading of ${describe(ahead)} would mean ${onward.advance.toFixed()} units used in between, more than twice the ${expected.toDecimalPlaces(1).toFixed()} we would expect for that time. We have held it for review: please send us a photo of your meter showing this reading.`,
      };
    }
  }
  if (nextEstimateTooLow) flags.add(PLAUSIBILITY_FLAGS.NEXT_ESTIMATE_TOO_LOW);
  return { hold };
}

/** The outcome when nothing rejected the reading: held when a neighbour check found it implausible, else accepted (with 20 or 27 when flagged). */
function conclude({ flags }: ParsedContext, backdated: boolean, { hold, advance, rolledOver }: NeighbourFindings): PlausibilityOutcome {
  const common = { backdated, rolledOver, flags, ...(advance !== undefined ? { advance } : {}) };
  if (hold) return build('held', { ...common, reasonCode: hold.reasonCode, industryCode: hold.industryCode, message: hold.message });
  const industryCode: IndustryValidationCode | undefined = flags.has(PLAUSIBILITY_FLAGS.METER_EXCHANGE)
    ? '20'
    : flags.has(PLAUSIBILITY_FLAGS.ZERO_ADVANCE)
      ? '27'
      : undefined;
  return build('accepted', { ...common, ...(industryCode ? { industryCode } : {}) });
}
