import type { ClickHouseMigration } from '@surge/clickhouse/clickhouse.migrator';

/** CSAT's own tracking table in the shared ClickHouse database. */
export const CSAT_CLICKHOUSE_TRACKING_TABLE = 'csat_schema_migrations';

/**
 * The analytical half of CSAT (see docs/decisions/0004-csat-storage.md).
 * Runs on ClickHouse 18.16: no query parameters, DateTime64, TTL or window
 * functions. Every statement is idempotent (IF NOT EXISTS).
 *
 * No personal data: no account id, no comment. Those stay in PostgreSQL.
 */
export const CSAT_CLICKHOUSE_MIGRATIONS: readonly ClickHouseMigration[] = [
  {
    version: 1,
    name: 'csat_answers_and_hourly_rollup',
    statements: [
      // One row per answer. The outbox relay may send an answer twice (a
      // crash between the ClickHouse insert and the PostgreSQL commit): the
      // copies are identical rows with the same sorting key, which
      // ReplacingMergeTree collapses eventually, and every read counts
      // uniqExact(invitation_id) so results never depend on that merge.
      `CREATE TABLE IF NOT EXISTS csat_answers (
        invitation_id String,
        answered_at DateTime('UTC'),
        interaction_at DateTime('UTC'),
        channel Enum8('web' = 1, 'app' = 2, 'collector' = 3),
        category Enum8('A' = 1, 'B' = 2, 'C' = 3, 'D' = 4),
        outcome Enum8('accepted' = 1, 'rejected' = 2, 'held' = 3),
        reason_code String,
        score UInt8
      ) ENGINE = ReplacingMergeTree()
      PARTITION BY toYYYYMM(answered_at)
      ORDER BY (answered_at, invitation_id)`,
      // Exact counts per UTC hour (of the answer) and breakdown, recomputed
      // from csat_answers for every hour the relay touches. Answers are never
      // removed, so a later recomputation of a key is never smaller than an
      // earlier one: the right value is the largest, hence
      // ReplacingMergeTree(responses) and max() at read time (correct before
      // merges, whatever order concurrent recomputations land in).
      `CREATE TABLE IF NOT EXISTS csat_answers_hourly (
        hour DateTime('UTC'),
        channel Enum8('web' = 1, 'app' = 2, 'collector' = 3),
        category Enum8('A' = 1, 'B' = 2, 'C' = 3, 'D' = 4),
        outcome Enum8('accepted' = 1, 'rejected' = 2, 'held' = 3),
        reason_code String,
        responses UInt64,
        satisfied UInt64
      ) ENGINE = ReplacingMergeTree(responses)
      PARTITION BY toYYYYMM(hour)
      ORDER BY (hour, channel, category, outcome, reason_code)`,
    ],
  },
];
