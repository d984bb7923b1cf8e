/**
 * Every topic of the backbone, with its partitioning. Names carry a schema
 * version: an incompatible change makes a new topic, consumed in parallel
 * while producers move over.
 *
 * Retention is by size and a long time, never short: a backdated reading may
 * sit behind a lagging consumer, and it must not age out before the sink has
 * it. (Kafka retention is by append time, not by the reading's own date.)
 */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly config: Readonly<Record<string, string>>;
}

const RETAIN_7_DAYS = { 'retention.ms': String(7 * 24 * 3600 * 1000), 'min.insync.replicas': '1' };

export const TOPICS = {
  /** Readings as submitted (read-api → validation/sink). Key: supply point id, so one register's readings stay ordered. */
  meterReadings: { name: 'meter-readings.v1', partitions: 6, config: RETAIN_7_DAYS },
  /** Records the sink could not process, with the reason in headers. Never auto-deleted before someone looked. */
  meterReadingsDeadLetter: { name: 'meter-readings.v1.dlq', partitions: 1, config: { 'retention.ms': String(30 * 24 * 3600 * 1000) } },
  /** Outcome events for the rest of the platform (billing, CSAT, customer service). Key: account id. */
  readingAccepted: { name: 'reading.accepted.v1', partitions: 6, config: RETAIN_7_DAYS },
  readingRejected: { name: 'reading.rejected.v1', partitions: 6, config: RETAIN_7_DAYS },
  /**
   * Bills issued and corrected (libs/billing-contracts), from billing's outbox; and survey invitations and
   * answers (libs/survey-contracts), from CSAT's outbox. Key: account id. Kept without an age limit
   * (retention.ms -1, a few hundred bytes a bill or answer): the account timeline is rebuilt from the
   * topics, and a bill or an answer must still be on them years later.
   */
  bills: { name: 'billing.bills.v1', partitions: 6, config: { 'retention.ms': '-1', 'min.insync.replicas': '1' } },
  surveys: { name: 'csat.surveys.v1', partitions: 6, config: { 'retention.ms': '-1', 'min.insync.replicas': '1' } },
  /**
   * The registry's state (libs/registry-contracts): one snapshot per change, key = account id or tariff:<id>.
   * Compacted, never deleted by age: the last record of each key is that entity's current state, so a new
   * consumer builds its local state by reading from the beginning.
   */
  registry: { name: 'registry.v1', partitions: 6, config: { 'cleanup.policy': 'compact', 'min.insync.replicas': '1', 'min.compaction.lag.ms': '60000' } },
} as const satisfies Record<string, TopicSpec>;

export type TopicCatalog = { readonly [K in keyof typeof TOPICS]: TopicSpec };

/**
 * The catalog with every name prefixed, so an environment (or a test run)
 * gets its own topics on a shared cluster. The empty prefix is production.
 */
export function resolveTopics(prefix: string): TopicCatalog {
  return Object.fromEntries(Object.entries(TOPICS).map(([k, spec]) => [k, { ...spec, name: `${prefix}${spec.name}` }])) as unknown as TopicCatalog;
}
