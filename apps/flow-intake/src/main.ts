import 'reflect-metadata';
import { ConfigError } from '@surge/config/config.loader';
import { FLOW_MIGRATIONS, FLOW_MIGRATIONS_TABLE } from '@surge/flow-intake/flow.migrations';
import { ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { migratePostgres } from '@surge/postgres/postgres.migrator';
import { createFlowIntakeApp } from './flow-intake.app';
import { loadFlowIntakeConfig } from './flow-intake.config';

async function bootstrap(): Promise<void> {
  const config = loadFlowIntakeConfig(process.env);
  if (config.RUN_MIGRATIONS) {
    const pool = createPostgresPool(config.DATABASE_URL, { max: 1, applicationName: 'flow-intake-migrate' });
    try {
      await migratePostgres(pool, FLOW_MIGRATIONS, FLOW_MIGRATIONS_TABLE);
    } finally {
      await pool.end();
    }
  }
  if (config.ENSURE_TOPICS) {
    const topics = resolveTopics(config.KAFKA_TOPIC_PREFIX);
    // Everything it consumes must exist before it subscribes (a consumer of a missing topic fails to start).
    await ensureTopics(config.KAFKA_BROKERS, [topics.meterReadings, topics.registry, topics.readingAccepted, topics.readingRejected, topics.industryFlows]);
  }
  const app = await createFlowIntakeApp(config);
  await app.listen(config.PORT, config.HOST);
  console.log(JSON.stringify({ level: 'info', service: 'flow-intake', msg: 'listening', port: config.PORT }));
}

bootstrap().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
