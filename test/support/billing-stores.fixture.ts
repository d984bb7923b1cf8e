import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool } from 'pg';
import { seedPopulation, seedReadings, seedReferenceData } from '@surge-test/support/billing.seeder';
import { createClickHouse, ensureDatabase } from '@surge/clickhouse/clickhouse.factory';
import { READING_CLICKHOUSE_MIGRATIONS } from '@surge/reading-store/clickhouse/reading-clickhouse.migrations';
import { BILLING_CLICKHOUSE_MIGRATIONS, BILLING_CLICKHOUSE_TRACKING_TABLE } from '@surge/billing/billing-clickhouse.migrations';
import { migrateClickHouse } from '@surge/clickhouse/clickhouse.migrator';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { clickHouseSettings, testEnv, uniqueName } from './test-env.config';

/** A test's own billing stores: a PostgreSQL database with tariffs and a demo population, a ClickHouse database with their readings. */
export interface BillingTestStores {
  readonly chName: string;
  readonly databaseUrl: string;
  readonly pool: Pool;
  readonly ch: ClickHouseClient;
  /** Ends the pool and drops both databases (call after whatever else holds connections has stopped). */
  drop(): Promise<void>;
}

export async function openBillingTestStores(
  name: string,
  population: { count: number; prefix: string; batchSize?: number },
  poolMax = 4,
): Promise<BillingTestStores> {
  const pgName = uniqueName(name);
  const chName = uniqueName(`${name}_ch`);
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  await ensurePostgresDatabase(admin, pgName);
  const url = new URL(testEnv.DATABASE_URL);
  url.pathname = `/${pgName}`;
  const pool = createPostgresPool(url.toString(), { max: poolMax });
  await seedReferenceData(pool);
  await seedPopulation(pool, population);
  await ensureDatabase(clickHouseSettings(chName));
  const ch = createClickHouse(clickHouseSettings(chName));
  await migrateClickHouse(ch, READING_CLICKHOUSE_MIGRATIONS);
  await migrateClickHouse(ch, BILLING_CLICKHOUSE_MIGRATIONS, BILLING_CLICKHOUSE_TRACKING_TABLE);
  await seedReadings(ch, { count: population.count, prefix: population.prefix });
  return {
    chName,
    databaseUrl: url.toString(),
    pool,
    ch,
    async drop() {
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`);
      await admin.end();
      await ch.command({ query: `DROP DATABASE IF EXISTS ${chName}` });
      await ch.close();
    },
  };
}
