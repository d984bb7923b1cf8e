import 'reflect-metadata';
import { FlexibilityCreditIntake } from '@surge/billing/flex-credits/flexibility-credit.intake';
import { FlexibilityCreditRepository } from '@surge/billing/flex-credits/flexibility-credit.repository';
import { ConfigError } from '@surge/config/config.loader';
import { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { ensureTopics } from '@surge/kafka/topic.admin';
import { createLogger } from '@surge/observability/logger.factory';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { loadCreditIntakeConfig } from './credit-intake.config';

/**
 * flex.earned-value.v1 -> billing's flexibility_credits (billing's migrations, run by the billing app,
 * create the table; until they have, inserts fail and the batch is retried). At least once from Kafka,
 * once in the table. SIGTERM: the batch in hand finishes and commits, then the process exits.
 */
async function main(): Promise<void> {
  const config = loadCreditIntakeConfig(process.env);
  const logger = createLogger('billing-credit-intake', config.LOG_LEVEL);
  const topic = resolveTopics(config.KAFKA_TOPIC_PREFIX).flexEarnedValue;
  await ensureTopics(config.KAFKA_BROKERS, [topic]);
  const pool = createPostgresPool(config.DATABASE_URL, { max: config.PG_POOL_MAX, applicationName: 'billing-credit-intake' });
  const intake = new FlexibilityCreditIntake(new FlexibilityCreditRepository(pool), {
    stored: (n, records) => n > 0 && logger.info({ newCredits: n, records }, 'flexibility credits stored'),
    poison: (reason, key) => logger.error({ key, reason }, 'a flex.earned-value.v1 record is not a credit; skipped'),
  });
  const consumer = new PlatformaticBatchConsumer({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID,
    groupId: config.KAFKA_GROUP_ID,
    topics: [topic.name],
    maxBatchRecords: config.CREDIT_BATCH_RECORDS,
    maxBatchWaitMs: config.CREDIT_BATCH_WAIT_MS,
    retryMinMs: 200,
    retryMaxMs: 10_000,
    ...(config.KAFKA_GROUP_INSTANCE_ID ? { groupInstanceId: config.KAFKA_GROUP_INSTANCE_ID } : {}),
    onBatchFailed: (e, attempt) => logger.warn({ attempt, err: String(e) }, 'credits not stored yet; the batch is retried'),
    onFatal: (e) => {
      logger.error({ err: String(e) }, 'credit intake gave up; exiting for the supervisor to restart it');
      process.exit(70);
    },
  });
  await consumer.start((batch) => intake.handle(batch));
  logger.info({ topic: topic.name }, 'credit intake consuming');
  const stop = async () => {
    await consumer.stop().catch(() => undefined);
    await pool.end().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
