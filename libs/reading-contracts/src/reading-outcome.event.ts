/**
 * `reading.accepted.v1` and `reading.rejected.v1`: what became of a reading,
 * for billing, CSAT and customer service. Key: account id (per-account order).
 * Delivery: at least once; consumers deduplicate on `readingId`.
 * A reading held for review is published on `reading.rejected.v1` with
 * status `held` (the customer was told it is not yet accepted).
 * A held reading decided by staff gets a second outcome for the same readingId, with a later `decidedAt` and
 * its `reviewId` (additive to v1: consumers that ignore it see a newer decision, which is what it is;
 * consumers that deduplicate on readingId keep the first and may use reviewId to take the decision).
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
  /** Set when a staff review decided this reading (reading.review.v1); the audit trail is in reading_reviews. */
  readonly reviewId?: string;
  /**
   * The reviewer's note, on the outcome the review decided (and on its redelivery). Staff only: a consumer that
   * shows outcomes to customers must not show it (the account timeline keeps it among its staff notes).
   */
  readonly reviewNote?: string;
}
