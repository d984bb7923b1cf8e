import { createServer } from 'node:http';
import { FlexibilityCreditIntake } from '@surge/billing/flex-credits/flexibility-credit.intake';
import { FlexibilityCreditRepository } from '@surge/billing/flex-credits/flexibility-credit.repository';
import { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { ConfigError } from '@surge/config/config.loader';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createLogger } from '@surge/observability/logger.factory';
import { EventOutboxRelay } from '@surge/postgres/event-outbox.relay';
import { renderBillIssuedEvents } from '@surge/billing/bills/bill-event.renderer';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { loadBillingEventsConfig } from './billing-events.config';

/**
 * billing-events: publishes every new bill (bill.issued.v1, from bill_event_outbox, written in the chunk's
 * transaction; the event rendered from the bill's immutable rows) to billing.bills.v1. At least once, in issue order per account; the rows are deleted only
 * after the ack. Billing's migrations create the table: this process waits for it rather than migrating.
 * It also takes flexibility credits (flex.earned-value.v1, issue 17) into billing's flexibility_credits: at
 * least once from Kafka (offsets committed after the insert), once in the table (credit id is the key).
 */
async function main(): Promise<void> {
  const config = loadBillingEventsConfig(process.env);
  const logger = createLogger('billing-events', config.LOG_LEVEL);
  const topics = resolveTopics(config.KAFKA_TOPIC_PREFIX);
  if (config.ENSURE_TOPICS) await ensureTopics(config.KAFKA_BROKERS, [topics.bills, ...(config.FLEX_CREDITS_ENABLED ? [topics.flexEarnedValue] : [])]);
  const pool = createPostgresPool(config.DATABASE_URL, { max: 2, applicationName: 'billing-events' });
  const publisher = new PlatformaticEventPublisher({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID,
    deadlineMs: config.KAFKA_PUBLISH_DEADLINE_MS,
    maxBufferedRecords: config.BILL_EVENTS_BATCH * 2,
    maxBatchRecords: config.BILL_EVENTS_BATCH,
    lingerMs: 2,
    maxInFlightRequests: 1,
    lanes: 1, // one ordered stream: per-account order
  });
  const relay = new EventOutboxRelay(
    pool,
    publisher,
    // Rows carry the bill id (migration v12): the event is rendered from the committed bill and lines as it is published.
    { table: 'bill_event_outbox', topic: topics.bills.name, lockName: 'bill_event_outbox_relay', references: { column: 'bill_id', render: renderBillIssuedEvents } },
    { batchSize: config.BILL_EVENTS_BATCH, idleMs: config.BILL_EVENTS_IDLE_MS, coalesceMs: 0, retryMinMs: config.BILL_EVENTS_RETRY_MIN_MS, retryMaxMs: config.BILL_EVENTS_RETRY_MAX_MS },
    {
      relayed: (n) => logger.debug({ relayed: n }, 'bill events published'),
      failed: (error, attempt) => logger.warn({ attempt, err: String((error as Error)?.message ?? error) }, 'bill events not yet on Kafka (or the outbox not yet migrated); they wait and are retried'),
    },
  );
  relay.start();
  const credits = config.FLEX_CREDITS_ENABLED
    ? new PlatformaticBatchConsumer({
        brokers: config.KAFKA_BROKERS,
        clientId: `${config.KAFKA_CLIENT_ID}-credits`,
        groupId: config.FLEX_CREDITS_GROUP_ID,
        topics: [topics.flexEarnedValue.name],
        maxBatchRecords: config.FLEX_CREDITS_BATCH,
        maxBatchWaitMs: config.FLEX_CREDITS_WAIT_MS,
        retryMinMs: config.BILL_EVENTS_RETRY_MIN_MS,
        retryMaxMs: config.BILL_EVENTS_RETRY_MAX_MS,
        ...(config.KAFKA_GROUP_INSTANCE_ID ? { groupInstanceId: config.KAFKA_GROUP_INSTANCE_ID } : {}),
        onBatchFailed: (e, attempt) => logger.warn({ attempt, err: String(e) }, 'flexibility credits not stored yet (PostgreSQL down or not migrated); the batch is retried'),
        onFatal: (e) => {
          logger.error({ err: String(e) }, 'the credit consumer gave up; exiting for the supervisor to restart it');
          process.exit(70);
        },
      })
    : null;
  if (credits) {
    const intake = new FlexibilityCreditIntake(new FlexibilityCreditRepository(pool), {
      stored: (n, records) => n > 0 && logger.info({ newCredits: n, records }, 'flexibility credits stored'),
      poison: (reason, key) => logger.error({ key, reason }, 'a flex.earned-value.v1 record is not a credit; skipped'),
    });
    await credits.start((batch) => intake.handle(batch));
  }
  // Health for the supervisor and k8s: live while the process runs; ready while PostgreSQL answers (the
  // backlog is reported: Kafka down makes it grow, which is what the outbox is for, not a reason to restart).
  const health = createServer((req, res) => {
    if (req.url === '/health/live') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    if (req.url !== '/health/ready') return void res.writeHead(404).end();
    relay.pending().then(
      (backlog) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', postgres: 'up', backlog, credits: credits ? (credits.isHealthy() ? 'consuming' : 'reconnecting') : 'off' })),
      () => res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '5' }).end('{"error":{"code":"DEPENDENCY_UNAVAILABLE","message":"PostgreSQL down"}}'),
    );
  });
  health.listen(config.PORT, config.HOST);
  logger.info({ topic: topics.bills.name, port: config.PORT }, 'relaying bill events');
  const stop = async () => {
    health.close();
    await credits?.stop().catch(() => undefined);
    await relay.stop();
    await publisher.close().catch(() => undefined);
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
