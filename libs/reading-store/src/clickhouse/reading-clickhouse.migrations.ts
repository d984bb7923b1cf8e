import { READING_BILLS_TABLE_DDL } from '@surge/billing-contracts/reading-bills.table';
import type { ClickHouseMigration } from '@surge/clickhouse/clickhouse.migrator';

/**
 * The reading feature's ClickHouse schema, as ordered, append-only migrations, run by read-sink (the
 * writer) at start-up. They live with the repository that reads and writes the table (libs/reading-store,
 * shared by the sink and the query side) rather than in the generic ClickHouse adapter. Each statement
 * must run on ClickHouse 18.16 (the local stack) and on current releases (docker-compose): no
 * DateTime64, no TTL, no JSONExtract, no window functions (see
 * docs/decisions/0002-clickhouse-compatibility.md). Statements are idempotent (IF NOT EXISTS) so a
 * half-applied migration can simply run again.
 */
/** The tracking table keeps its historical name: deployments already record versions 1 and 2 in it. */
export const READING_CLICKHOUSE_TRACKING_TABLE = 'schema_migrations';

export const READING_CLICKHOUSE_MIGRATIONS: readonly ClickHouseMigration[] = [
  {
    version: 1,
    name: 'meter_readings',
    statements: [
      // One row per reading and decision. Deduplication: a redelivered reading
      // writes an identical row (same sorting key, same version) which
      // ReplacingMergeTree collapses; queries never rely on merges having
      // happened (they use argMax/GROUP BY reading_id or FINAL).
      // Partitioned by the month the meter showed the value: a backdated
      // reading lands in its own (old) partition and, with no TTL, is never
      // dropped for its age.
      `CREATE TABLE IF NOT EXISTS meter_readings (
        reading_id String,
        account_id String,
        supply_point_id String,
        fuel Enum8('electricity' = 1, 'gas' = 2),
        meter_serial String,
        register_id String,
        read_at DateTime('UTC'),
        value Decimal64(1),
        unit Enum8('kWh' = 1, 'm3' = 2, 'ft3x100' = 3),
        source String,
        channel Enum8('web' = 1, 'app' = 2, 'collector' = 3, 'd0010' = 4),
        status Enum8('accepted' = 1, 'rejected' = 2, 'held' = 3),
        reason_code String,
        industry_code String,
        message String,
        duplicate_of String,
        backdated UInt8,
        rolled_over UInt8,
        flags Array(String),
        submitted_at_ms UInt64,
        decided_at_ms UInt64,
        correlation_id String,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version)
      PARTITION BY toYYYYMM(read_at)
      ORDER BY (account_id, supply_point_id, register_id, read_at, reading_id)`,
    ],
  },
  {
    version: 2,
    name: 'reading_bills',
    statements: [
      // Billing's table (contract and DDL: libs/billing-contracts/src/reading-bills.table.ts). The reading
      // lookups join it, so the read path makes sure it exists too, before billing first writes a mark.
      READING_BILLS_TABLE_DDL,
    ],
  },
  {
    version: 3,
    name: 'reading_reviews',
    statements: [
      // The account's category as read-sink's registry projection knew it when deciding ('' when the register
      // was not in the registry): staff filter the review queue by it. The review that decided a held reading
      // ('' when none): a redelivered review recognises itself by it and rewrites the same row.
      { addColumn: { table: 'meter_readings', column: 'category', definition: "String DEFAULT ''" } },
      { addColumn: { table: 'meter_readings', column: 'review_id', definition: "String DEFAULT ''" } },
      // The audit trail of review decisions: one row per decision staff sent (applied or not, e.g. a second
      // decision on a reading already decided), never updated. Written only by read-sink, from the review
      // records on meter-readings.v1. A redelivered decision writes an identical row (same key) that
      // ReplacingMergeTree collapses; until then queries take one row per review_id (LIMIT 1 BY).
      `CREATE TABLE IF NOT EXISTS reading_reviews (
        account_id String,
        reading_id String,
        review_id String,
        decision Enum8('accept' = 1, 'reject' = 2),
        note String,
        reviewed_by String,
        requested_at_ms UInt64,
        applied UInt8,
        result String,
        held_reason_code String,
        correlation_id String
      ) ENGINE = ReplacingMergeTree()
      ORDER BY (account_id, reading_id, review_id)`,
    ],
  },
];
