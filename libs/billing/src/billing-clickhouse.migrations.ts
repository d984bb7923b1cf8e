import type { ClickHouseMigration } from '@surge/clickhouse/clickhouse.migrator';
import { READING_BILLS_TABLE_DDL } from '@surge/billing-contracts/reading-bills.table';

/** Billing's own ClickHouse migrations, tracked apart from the read path's (each feature owns its list and table). */
export const BILLING_CLICKHOUSE_TRACKING_TABLE = 'billing_clickhouse_migrations';

/**
 * Billing writes one ClickHouse table, the billed-reading marks (contract and DDL in libs/billing-contracts).
 * Run by billing's tools (billing:cli seed, the billing benchmark, test stores). The billing service does not
 * run it at start-up: it must start with ClickHouse down (marks wait in the outbox), and read-sink creates
 * the same table with the read path's migrations.
 */
export const BILLING_CLICKHOUSE_MIGRATIONS: readonly ClickHouseMigration[] = [{ version: 1, name: 'reading_bills', statements: [READING_BILLS_TABLE_DDL] }];
