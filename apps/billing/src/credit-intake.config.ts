import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { brokers, logLevel, positiveInt } from '@surge/config/config.fields';

// The flexibility credit intake: billing's one Kafka consumer, a process of its own so the billing app
// itself keeps running on PostgreSQL, Redis and ClickHouse alone (Kafka down: bills still issue, credits
// wait on the topic and land on a later bill).
const schema = z.object({
  KAFKA_BROKERS: brokers,
  KAFKA_CLIENT_ID: z.string().min(1).default('billing-credit-intake'),
  KAFKA_GROUP_ID: z.string().min(1).default('billing-flexibility-credits'),
  KAFKA_GROUP_INSTANCE_ID: z.string().min(1).optional(),
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]*$/).default(''),
  DATABASE_URL: z.string().default('postgres://surge:surge@127.0.0.1:5432/surge'),
  LOG_LEVEL: logLevel,
  PG_POOL_MAX: positiveInt(2),
  CREDIT_BATCH_RECORDS: positiveInt(500),
  CREDIT_BATCH_WAIT_MS: positiveInt(200),
});

export type CreditIntakeConfig = z.infer<typeof schema>;
export const loadCreditIntakeConfig = (env: Record<string, string | undefined>): CreditIntakeConfig => loadConfig(schema, env);
