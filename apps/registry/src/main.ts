import 'reflect-metadata';
import { ConfigError } from '@surge/config/config.loader';
import { ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { migratePostgres } from '@surge/postgres/postgres.migrator';
import { REGISTRY_MIGRATIONS, REGISTRY_MIGRATIONS_TABLE } from '@surge/registry/registry-postgres.migrations';
import { createRegistryApp } from './registry.app';
import { loadRegistryConfig } from './registry.config';

async function bootstrap(): Promise<void> {
  const config = loadRegistryConfig(process.env);
  if (config.RUN_MIGRATIONS) {
    // Only the registry's own migrations: the entity tables are billing's v1, which must have run (the migration says so if not).
    const pool = createPostgresPool(config.DATABASE_URL, { max: 1, applicationName: 'registry-migrate' });
    try {
      await migratePostgres(pool, REGISTRY_MIGRATIONS, REGISTRY_MIGRATIONS_TABLE);
    } finally {
      await pool.end();
    }
  }
  if (config.ENSURE_TOPICS) {
    // Best effort: with Kafka down the registry still takes changes (the outbox holds their events).
    await ensureTopics(config.KAFKA_BROKERS, [resolveTopics(config.KAFKA_TOPIC_PREFIX).registry, ...(config.REGISTRY_FLEX_MEMBERSHIP_ENABLED ? [resolveTopics(config.KAFKA_TOPIC_PREFIX).flexMembership] : [])]).catch((e: unknown) =>
      console.error(JSON.stringify({ level: 'warn', service: 'registry', msg: 'could not ensure registry.v1; the relay retries until Kafka is back', err: String(e) })),
    );
  }
  const app = await createRegistryApp(config);
  await app.listen(config.PORT, config.HOST);
  console.log(JSON.stringify({ level: 'info', service: 'registry', msg: 'listening', port: config.PORT }));
}

bootstrap().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
