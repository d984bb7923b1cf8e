import 'reflect-metadata';
import { ConfigError } from '@surge/config/config.loader';
import { FLEXIBILITY_MIGRATIONS, FLEXIBILITY_MIGRATIONS_TABLE } from '@surge/flexibility/flexibility-postgres.migrations';
import { ensureTopics } from '@surge/kafka/topic.admin';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { migratePostgres } from '@surge/postgres/postgres.migrator';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createFlexibilityApp } from './flexibility.app';
import { loadFlexibilityConfig } from './flexibility.config';

async function bootstrap(): Promise<void> {
  const config = loadFlexibilityConfig(process.env);
  if (config.RUN_MIGRATIONS) {
    const pool = createPostgresPool(config.DATABASE_URL, { max: 1, applicationName: 'flexibility-migrate' });
    try {
      await migratePostgres(pool, FLEXIBILITY_MIGRATIONS, FLEXIBILITY_MIGRATIONS_TABLE);
    } finally {
      await pool.end();
    }
  }
  if (config.ENSURE_TOPICS) {
    const t = resolveTopics(config.KAFKA_TOPIC_PREFIX);
    // Best effort: with Kafka down flexibility still takes enrolments and dispatches (the outbox holds the facts).
    await ensureTopics(config.KAFKA_BROKERS, [t.flexDispatch, t.flexNotifications, t.flexEarnedValue, t.flexMembership]).catch((e: unknown) =>
      console.error(JSON.stringify({ level: 'warn', service: 'flexibility', msg: 'could not ensure the flex.* topics; the relay retries until Kafka is back', err: String(e) })),
    );
  }
  const app = await createFlexibilityApp(config);
  await app.listen(config.PORT, config.HOST);
  console.log(JSON.stringify({ level: 'info', service: 'flexibility', msg: 'listening', port: config.PORT }));
}

bootstrap().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
