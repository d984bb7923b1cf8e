/**
 * ClickHouse `reading_bills`: billing's published hand-over to the read path ("later billed"), owned by
 * billing and shared the way an event topic is. Which bills used which readings, one row per (reading,
 * bill). Written only by billing's outbox relay (libs/billing/src/billed-reading.relay.ts); read by the
 * read API's reading lookups, joined on reading_id (libs/reading-store). Columns change additively only.
 *
 * Delivery is at least once: a redelivered mark writes an identical row (same key, same values) that
 * ReplacingMergeTree collapses on merge; until then every query deduplicates (groupUniqArray over
 * (bill_id, period)). Ordered for lookups by account, then reading. Not partitioned: a few small rows per
 * bill, and marks never age out. Runs on ClickHouse 18.16 and current releases.
 *
 * Both sides run this (idempotent) statement with their own migrations: billing because it writes the
 * table, the read path because its lookups join it and must work before billing first starts.
 */
export const READING_BILLS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS reading_bills (
        account_id String,
        reading_id String,
        bill_id String,
        period_start Date,
        period_end Date,
        billed_at DateTime('UTC')
      ) ENGINE = ReplacingMergeTree()
      ORDER BY (account_id, reading_id, bill_id)`;
