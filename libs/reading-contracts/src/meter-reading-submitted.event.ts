/**
 * `meter-readings.v1`: a reading as accepted for processing by the read API.
 * Versioned by the `schema` field and the topic name; additive changes only.
 * `readingId` is the identity everything downstream deduplicates on.
 * The topic also carries staff review decisions (reading-review.event.ts), told apart by the record header
 * `schema: reading.review.v1`; a consumer of submissions skips those.
 */
export interface MeterReadingSubmittedV1 {
  readonly schema: 'meter-reading.submitted.v1';
  readonly readingId: string;
  readonly accountId: string;
  readonly supplyPointId: string;
  readonly fuel: 'electricity' | 'gas';
  readonly meterSerial: string;
  readonly registerId: string;
  /** When the meter showed the value (UTC ISO instant). */
  readonly readAt: string;
  /** Decimal string, at most one decimal place. Never a float. */
  readonly value: string;
  readonly unit: 'kWh' | 'm3' | 'ft3x100';
  /** Industry reading type: C customer, R routine, X smart, D deemed, A/Z change, F final, I initial. */
  readonly source: string;
  readonly channel: 'web' | 'app' | 'collector' | 'd0010';
  /** When our API accepted it (ms precision ISO), the start of freshness. */
  readonly submittedAt: string;
  readonly correlationId: string;
  /** Register digits, for value range checks downstream. */
  readonly digits: number;
  /**
   * Set by a producer that knows the reading must not stand as it is (a D0010 flow's suspect flag, failed
   * sender validation or withdrawn reading type): the sink stores it as held with this reason unless its
   * own checks reject it (staff then decide it like any held reading). Optional and additive: API
   * submissions never carry it.
   */
  readonly hold?: ReadingHoldV1;
}

/** Why the producer asks for a reading to be held for review. */
export interface ReadingHoldV1 {
  readonly reasonCode: string;
  /** The industry validation reason code (two digits), when the producer had one. */
  readonly industryCode?: string;
  readonly message: string;
}

export const SUBMITTED_SCHEMA = 'meter-reading.submitted.v1';

export function encodeSubmitted(event: MeterReadingSubmittedV1): Buffer {
  return Buffer.from(JSON.stringify(event));
}

/** Decodes and structurally checks a record; throws a PoisonRecordError with the reason on anything malformed. */
export function decodeSubmitted(value: Buffer): MeterReadingSubmittedV1 {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    throw new PoisonRecordError('MALFORMED_JSON', 'record value is not JSON');
  }
  const e = parsed as Partial<MeterReadingSubmittedV1> | null;
  if (!e || typeof e !== 'object') throw new PoisonRecordError('NOT_AN_OBJECT', 'record value is not an object');
  if (e.schema !== SUBMITTED_SCHEMA) throw new PoisonRecordError('UNKNOWN_SCHEMA', `unknown schema ${String(e.schema)}`);
  for (const f of ['readingId', 'accountId', 'supplyPointId', 'meterSerial', 'registerId', 'readAt', 'value', 'submittedAt'] as const) {
    if (typeof e[f] !== 'string' || e[f] === '') throw new PoisonRecordError('MISSING_FIELD', `field ${f} missing or not a string`);
  }
  if (!/^\d{1,12}(\.\d)?$/.test(e.value!)) throw new PoisonRecordError('INVALID_VALUE', `value ${e.value} is not a decimal with at most one place`);
  if (Number.isNaN(Date.parse(e.readAt!))) throw new PoisonRecordError('INVALID_READ_AT', 'readAt is not a date');
  if (e.hold !== undefined) {
    const r = e.hold as Partial<ReadingHoldV1> | null;
    if (!r || typeof r !== 'object' || typeof r.reasonCode !== 'string' || r.reasonCode === '' || typeof r.message !== 'string') {
      throw new PoisonRecordError('INVALID_HOLD', 'hold must be an object with a reasonCode and a message');
    }
  }
  return e as MeterReadingSubmittedV1;
}

/** A record that can never be processed, however often it is retried: dead-letter it. */
export class PoisonRecordError extends Error {
  constructor(readonly reason: string, detail: string) {
    super(detail);
    this.name = 'PoisonRecordError';
  }
}
