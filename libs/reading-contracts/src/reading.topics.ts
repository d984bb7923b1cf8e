/**
 * The reading feature's topics. Names carry a schema version: an incompatible change makes a new topic,
 * consumed in parallel while producers move over.
 *
 * Retention is by size and a long time, never short: a backdated reading may sit behind a lagging consumer,
 * and it must not age out before the sink has it. (Kafka retention is by append time, not by the reading's
 * own date.)
 */
const RETAIN_7_DAYS = { 'retention.ms': String(7 * 24 * 3600 * 1000), 'min.insync.replicas': '1' };

export const READING_TOPICS = {
  /**
   * Readings as submitted (read-api → validation/sink), MeterReadingSubmittedV1, and staff decisions on held readings
   * (ReadingReviewDecidedV1, header `schema: reading.review.v1`). Key: supply point id, so one register's readings and
   * the decisions on them stay ordered.
   */
  meterReadings: { name: 'meter-readings.v1', partitions: 6, config: RETAIN_7_DAYS },
  /** Records the sink could not process, with the reason in headers. Never auto-deleted before someone looked. */
  meterReadingsDeadLetter: { name: 'meter-readings.v1.dlq', partitions: 1, config: { 'retention.ms': String(30 * 24 * 3600 * 1000) } },
  /** Outcome events (ReadingOutcomeV1) for the rest of the platform (billing, CSAT, customer service). Key: account id. */
  readingAccepted: { name: 'reading.accepted.v1', partitions: 6, config: RETAIN_7_DAYS },
  readingRejected: { name: 'reading.rejected.v1', partitions: 6, config: RETAIN_7_DAYS },
} as const;
