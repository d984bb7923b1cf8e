import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { bool, brokers, logLevel, port, positiveInt } from '@surge/config/config.fields';

/**
 * The billing-events process: billing's own Kafka side. Out: the relay from its PostgreSQL outbox
 * (bill_event_outbox) to billing.bills.v1. In: flexibility credits from flex.earned-value.v1 into billing's
 * flexibility_credits (issue 17). A process of its own, so the billing API and bill-run workers keep no Kafka
 * setting and no Kafka code (billing.isolation.spec.ts): with Kafka down, bills still issue, their events
 * wait, and credits wait on the topic for a later bill.
 */
const schema = z.object({
  HOST: z.string().default('127.0.0.1'),
  /** Health only (/health/live, /health/ready with the outbox backlog): the process serves no API. */
  PORT: port(3008),
  DATABASE_URL: z.string().default('postgres://surge:surge@127.0.0.1:5432/surge'),
  KAFKA_BROKERS: brokers,
  KAFKA_CLIENT_ID: z.string().min(1).default('billing-events'),
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]*$/).default(''),
  KAFKA_PUBLISH_DEADLINE_MS: positiveInt(10_000),
  LOG_LEVEL: logLevel,
  BILL_EVENTS_BATCH: positiveInt(500),
  BILL_EVENTS_IDLE_MS: positiveInt(500),
  BILL_EVENTS_RETRY_MIN_MS: positiveInt(200),
  BILL_EVENTS_RETRY_MAX_MS: positiveInt(10_000),
  ENSURE_TOPICS: bool(true),
  /** Consume flex.earned-value.v1 into flexibility_credits (its own consumer group). */
  FLEX_CREDITS_ENABLED: bool(true),
  FLEX_CREDITS_GROUP_ID: z.string().min(1).default('billing-flexibility-credits'),
  /** Static membership id (services.sh and k8s set one per replica); unset, one of its own per start. */
  KAFKA_GROUP_INSTANCE_ID: z.string().min(1).optional(),
  FLEX_CREDITS_BATCH: positiveInt(500),
  FLEX_CREDITS_WAIT_MS: positiveInt(200),
});

export type BillingEventsConfig = z.infer<typeof schema>;

export const loadBillingEventsConfig = (env: Record<string, string | undefined>): BillingEventsConfig => loadConfig(schema, env);
