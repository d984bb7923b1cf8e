import 'reflect-metadata';
import { BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE } from '@surge/billing/billing-postgres.migrations';
import { ConfigError } from '@surge/config/config.loader';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { migratePostgres } from '@surge/postgres/postgres.migrator';
import { createBillingApp } from './billing.app';
import { loadBillingConfig } from './billing.config';

async function bootstrap(): Promise<void> {
  const config = loadBillingConfig(process.env);
  if (config.RUN_MIGRATIONS) {
    const pool = createPostgresPool(config.DATABASE_URL, { max: 1, applicationName: 'billing-migrate' });
    try {
      await migratePostgres(pool, BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE);
    } finally {
      await pool.end();
    }
  }
  const app = await createBillingApp(config);
  await app.listen(config.PORT, config.HOST);
  console.log(JSON.stringify({ level: 'info', service: 'billing', msg: 'listening', port: config.PORT, worker: config.BILLING_WORKER_ENABLED }));
}

bootstrap().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
