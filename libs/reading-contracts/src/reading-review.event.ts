import { PoisonRecordError } from './meter-reading-submitted.event';

/**
 * `reading.review.v1`: a staff decision on a held reading, published by read-api on `meter-readings.v1`
 * itself, keyed by the reading's supply point. Same topic and key as the readings: a register's readings and
 * the decisions on them share a partition, so read-sink applies them in one order, and a decision reaches the
 * sink after the reading it decides (staff can only decide a reading the sink has already held). The record
 * carries the header `schema: reading.review.v1`; the sink tells the two kinds apart by it.
 *
 * Delivery: at least once. `reviewId` is the decision's identity: the sink applies a decision to a reading that
 * is still held, records every decision in the audit trail (applied or not), and recognises a redelivery by
 * its reviewId. Additive changes only; an incompatible one is reading.review.v2.
 */
export const REVIEW_SCHEMA = 'reading.review.v1';

export type ReviewDecision = 'accept' | 'reject';

/** The reason a reading decided on review carries (its held reason is in the audit record). */
export const REVIEW_REASON_CODES = { ACCEPTED_ON_REVIEW: 'ACCEPTED_ON_REVIEW', REJECTED_ON_REVIEW: 'REJECTED_ON_REVIEW' } as const;

export interface ReadingReviewDecidedV1 {
  readonly schema: typeof REVIEW_SCHEMA;
  readonly reviewId: string;
  readonly readingId: string;
  readonly accountId: string;
  readonly supplyPointId: string;
  readonly meterSerial: string;
  readonly registerId: string;
  readonly decision: ReviewDecision;
  /** Why, in the reviewer's words (kept in the audit trail, never overwritten). */
  readonly note: string;
  /** The staff principal (API key id) that decided. */
  readonly reviewedBy: string;
  /** When read-api took the decision (ms ISO). */
  readonly requestedAt: string;
  readonly correlationId: string;
}

export function encodeReview(event: ReadingReviewDecidedV1): Buffer {
  return Buffer.from(JSON.stringify(event));
}

export function decodeReview(value: Buffer): ReadingReviewDecidedV1 {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    throw new PoisonRecordError('MALFORMED_JSON', 'record value is not JSON');
  }
  const e = parsed as Partial<ReadingReviewDecidedV1> | null;
  if (!e || typeof e !== 'object') throw new PoisonRecordError('NOT_AN_OBJECT', 'record value is not an object');
  if (e.schema !== REVIEW_SCHEMA) throw new PoisonRecordError('UNKNOWN_SCHEMA', `unknown schema ${String(e.schema)}`);
  for (const f of ['reviewId', 'readingId', 'accountId', 'supplyPointId', 'meterSerial', 'registerId', 'reviewedBy', 'requestedAt'] as const) {
    if (typeof e[f] !== 'string' || e[f] === '') throw new PoisonRecordError('MISSING_FIELD', `field ${f} missing or not a string`);
  }
  if (e.decision !== 'accept' && e.decision !== 'reject') throw new PoisonRecordError('INVALID_DECISION', `decision ${String(e.decision)} is not accept or reject`);
  if (typeof e.note !== 'string') throw new PoisonRecordError('MISSING_FIELD', 'field note missing or not a string');
  return { ...e, correlationId: typeof e.correlationId === 'string' ? e.correlationId : '' } as ReadingReviewDecidedV1;
}

/** One row of the audit trail (ClickHouse `reading_reviews`): a decision staff sent, and what it did. */
export interface ReviewRecord {
  readonly reviewId: string;
  readonly readingId: string;
  readonly accountId: string;
  readonly decision: ReviewDecision;
  readonly note: string;
  readonly reviewedBy: string;
  readonly requestedAtMs: number;
  /** True when this decision decided the reading; false when the reading was no longer held when it arrived. */
  readonly applied: boolean;
  /** What happened, for a person: "accepted", or why it was not applied. */
  readonly result: string;
  /** Why the sink had held the reading. */
  readonly heldReasonCode: string;
  readonly correlationId: string;
}
