import { isValidMeterSerial, MAX_METER_SERIAL_LENGTH } from './meter-serial.validator';
import { mpanCoreProblem } from './mpan.validator';
import { checkMprn } from './mprn.validator';
import { parseUkDateOrInstant } from './uk-calendar.model';
import {
  DEFAULT_REGISTER_DIGITS,
  MAX_REGISTER_DIGITS,
  fitsRegisterDigits,
  isValidRegisterDigits,
  parseReadingValue,
} from './reading-value.parser';
import { ACCEPTED_REGISTER_IDS, fuelOfRegisterKind, isFuel, parseRegisterId, type Fuel } from './register.model';

/**
 * The cheap, stateless checks on a submitted reading, run on the request path
 * before anything is stored or published: formats, check digits, register
 * digits and the clock. Checks that need the register's history live in
 * reading-plausibility.checker.ts.
 *
 * Every issue has a stable UPPER_SNAKE code and a message a person can act on.
 * Submitted text is echoed in a message only once it is known to be digits (or
 * a well-formed instant), so messages never carry arbitrary input.
 */
export interface ValidationIssue {
  code: string;
  field: string;
  message: string;
}

export interface ReadingFieldsInput {
  supplyPointId: string;
  fuel: Fuel;
  meterSerial: string;
  registerId: string;
  readAt: string;
  value: string;
  /** The register's dial count; 5 when the meter record does not say. */
  digits?: number;
}

export const READING_FIELD_CODES = {
  INVALID_FUEL: 'INVALID_FUEL',
  INVALID_MPAN: 'INVALID_MPAN',
  INVALID_MPRN: 'INVALID_MPRN',
  INVALID_METER_SERIAL: 'INVALID_METER_SERIAL',
  INVALID_REGISTER: 'INVALID_REGISTER',
  INVALID_REGISTER_DIGITS: 'INVALID_REGISTER_DIGITS',
  VALUE_EXCEEDS_REGISTER_DIGITS: 'VALUE_EXCEEDS_REGISTER_DIGITS',
  INVALID_VALUE: 'INVALID_VALUE',
  READ_AT_IN_FUTURE: 'READ_AT_IN_FUTURE',
  READ_AT_OUT_OF_RANGE: 'READ_AT_OUT_OF_RANGE',
  INVALID_READ_AT: 'INVALID_READ_AT',
} as const;

/**
 * Clients' clocks (phones, collectors) drift: a reading up to 5 minutes ahead
 * of our clock is taken as "now", anything later is in the future.
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 5 * 60_000;

/**
 * The earliest reading time taken: 2000-01-01T00:00:00Z. No supply we hold started earlier (the oldest
 * agreements migrated into the platform start in 2000), and the readings store cannot hold anything
 * before 1970-01-01 at all (ClickHouse DateTime: 1970 to 2105; earlier instants came back as
 * 0000-00-00 or 1970-01-01). Later instants are bounded by READ_AT_IN_FUTURE.
 */
export const EARLIEST_READ_AT_MS = Date.UTC(2000, 0, 1);
/** The last instant the readings store can hold (ClickHouse DateTime ends early in 2106); reached only with a wrong clock. */
export const LATEST_STORABLE_READ_AT_MS = Date.UTC(2105, 11, 31, 23, 59, 59);

const issue = (code: keyof typeof READING_FIELD_CODES, field: string, message: string): ValidationIssue => ({
  code,
  field,
  message,
});

function supplyPointIssue(fuel: Fuel, id: unknown): ValidationIssue | null {
  if (fuel === 'gas') {
    return typeof id === 'string' && checkMprn(id).valid
      ? null
      : issue(
          'INVALID_MPRN',
          'supplyPointId',
          'The gas supply number (MPRN) must be 6 to 11 digits with no spaces or letters; you can find it on your gas bill.',
        );
  }
  switch (mpanCoreProblem(id)) {
    case null:
      return null;
    case 'FORMAT':
      return issue(
        'INVALID_MPAN',
        'supplyPointId',
        'The MPAN core must be exactly 13 digits with no spaces or letters: the bottom line of the supply number on your electricity bill.',
      );
    case 'DISTRIBUTOR':
      return issue(
        'INVALID_MPAN',
        'supplyPointId',
        `MPAN core ${String(id)} starts with ${String(id).slice(0, 2)}, which is not a GB distributor (10 to 23); check the 13 digits on your bill.`,
      );
    case 'CHECK_DIGIT':
      return issue(
        'INVALID_MPAN',
        'supplyPointId',
        `MPAN core ${String(id)} fails its check digit; check the 13 digits on your bill.`,
      );
  }
}

function registerIssue(fuel: Fuel | null, registerId: unknown): ValidationIssue | null {
  const accepted = fuel
    ? `for ${fuel} it is one of ${ACCEPTED_REGISTER_IDS[fuel].join(', ')}`
    : `it is one of ${[...ACCEPTED_REGISTER_IDS.electricity, ...ACCEPTED_REGISTER_IDS.gas].join(', ')}`;
  const parsed = typeof registerId === 'string' ? parseRegisterId(registerId) : null;
  if (!parsed) {
    return issue('INVALID_REGISTER', 'registerId', `Choose which register you read; ${accepted}.`);
  }
  if (fuel && fuelOfRegisterKind(parsed.kind) !== fuel) {
    return issue(
      'INVALID_REGISTER',
      'registerId',
      `Register ${parsed.id} is not on ${fuel === 'gas' ? 'a gas' : 'an electricity'} meter; ${accepted}.`,
    );
  }
  return null;
}

function valueIssues(value: unknown, digits: number | undefined): ValidationIssue[] {
  const parsed = parseReadingValue(value);
  if (!parsed.ok) {
    const messages = {
      EMPTY: 'Enter the reading shown on your meter, e.g. 01234 or 1234.5.',
      NOT_A_NUMBER:
        'The reading must be digits only, with at most one decimal point and no spaces or commas, e.g. 01234 or 1234.5.',
      NEGATIVE: 'A meter reading cannot be negative; enter the digits shown on your meter, e.g. 01234.',
      TOO_MANY_DECIMAL_PLACES:
        'Enter at most one digit after the decimal point; leave out any further digits (often shown in red).',
    } as const;
    return [issue('INVALID_VALUE', 'value', messages[parsed.problem])];
  }
  const dials = digits ?? DEFAULT_REGISTER_DIGITS;
  if (!isValidRegisterDigits(dials)) {
    return [
      issue(
        'INVALID_REGISTER_DIGITS',
        'digits',
        `The register's dial count must be a whole number from 1 to ${MAX_REGISTER_DIGITS}; this is a problem with our meter record, please contact us.`,
      ),
    ];
  }
  if (!fitsRegisterDigits(parsed.value, dials)) {
    return [
      issue(
        'VALUE_EXCEEDS_REGISTER_DIGITS',
        'value',
        `Your meter has ${dials} digits, so the reading must be below 1${'0'.repeat(dials)}; check you entered the digits left to right with none extra, leaving out any shown in red.`,
      ),
    ];
  }
  return [];
}

/**
 * readAt is an ISO 8601 instant with an offset, or a date alone: "a reading dated D" is 00:00 Europe/London
 * on D (the product's convention; non-smart meters need only a date), e.g. '2022-03-31' is
 * 2022-03-30T23:00:00Z under BST. The bounds below apply to that instant.
 */
function readAtIssue(readAt: unknown, now: Date): ValidationIssue | null {
  const at = parseUkDateOrInstant(readAt);
  if (at === null) {
    return issue(
      'INVALID_READ_AT',
      'readAt',
      'Give the date you read the meter (2022-03-31, meaning the start of that day, UK time) or the date and time with a time zone, e.g. 2022-03-31T18:30:00Z.',
    );
  }
  if (at < EARLIEST_READ_AT_MS) {
    return issue(
      'READ_AT_OUT_OF_RANGE',
      'readAt',
      `The reading time ${String(readAt)} is before 1 January 2000, earlier than any supply we hold; enter the date and time you actually read the meter.`,
    );
  }
  const nowMs = now instanceof Date ? now.getTime() : Number.NaN;
  if (Number.isFinite(nowMs) && at > nowMs + CLOCK_SKEW_ALLOWANCE_MS) {
    return issue(
      'READ_AT_IN_FUTURE',
      'readAt',
      `The reading time ${String(readAt)} is in the future; enter the date and time you actually read the meter.`,
    );
  }
  if (at > LATEST_STORABLE_READ_AT_MS) {
    return issue('READ_AT_OUT_OF_RANGE', 'readAt', `The reading time ${String(readAt)} is later than we can store; enter the date and time you actually read the meter.`);
  }
  return null;
}

/**
 * All field issues of a submission (not just the first), so a person can fix
 * them in one go. An empty array means the fields are valid. Never throws.
 */
export function validateReadingFields(input: ReadingFieldsInput, now: Date): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const fuel: unknown = input?.fuel;
  if (!isFuel(fuel)) {
    issues.push(issue('INVALID_FUEL', 'fuel', 'Say whether this is an electricity or a gas reading.'));
  } else {
    const sp = supplyPointIssue(fuel, input.supplyPointId);
    if (sp) issues.push(sp);
  }
  if (!isValidMeterSerial(input?.meterSerial)) {
    issues.push(
      issue(
        'INVALID_METER_SERIAL',
        'meterSerial',
        `The meter serial number is 1 to ${MAX_METER_SERIAL_LENGTH} letters and digits with no spaces, as printed on your meter or bill.`,
      ),
    );
  }
  const reg = registerIssue(isFuel(fuel) ? fuel : null, input?.registerId);
  if (reg) issues.push(reg);
  issues.push(...valueIssues(input?.value, input?.digits));
  const at = readAtIssue(input?.readAt, now);
  if (at) issues.push(at);
  return issues;
}
