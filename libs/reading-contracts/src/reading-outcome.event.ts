/**
 * `reading.accepted.v1` and `reading.rejected.v1`: what became of a reading,
 * for billing, CSAT and customer service. Key: account id (per-account order).
 * Delivery: at least once; consumers deduplicate on `readingId`.
 * A reading held for review is published on `reading.rejected.v1` with
 * status `held` (the customer was told it is not yet accepted).
 */
export interface ReadingOutcomeV1 {
  readonly schema: 'reading.outcome.v1';
  readonly readingId: string;
  readonly accountId: string;
  readonly supplyPointId: string;
  readonly meterSerial: string;
  readonly registerId: string;
  readonly readAt: string;
  readonly value: string;
  readonly channel: string;
  readonly status: 'accepted' | 'rejected' | 'held';
  readonly reasonCode: string | null;
  readonly message: string | null;
  readonly duplicateOf: string | null;
  readonly decidedAt: string;
  readonly correlationId: string;
}
