import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { bool, brokers, logLevel, port, positiveInt } from '@surge/config/config.fields';

// Flexibility needs PostgreSQL (its own tables) and Kafka (its outbox relay publishes the flex.* topics).
// No ClickHouse, no Redis, no other service: it takes enrolments and dispatches while Kafka is down (the
// facts wait in the outbox), and nothing on the read path or in billing calls it.
const schema = z.object({
  KAFKA_BROKERS: brokers,
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]*$/).default(''),
  DATABASE_URL: z.string().default('postgres://surge:surge@127.0.0.1:5432/surge'),
  LOG_LEVEL: logLevel,
  HOST: z.string().default('127.0.0.1'),
  PORT: port(3010),
  JWT_PUBLIC_KEY: z.string().min(1, 'a PEM public key (SPKI) that verifies customer tokens (members enrol with their own token)'),
  JWT_ALGORITHM: z.enum(['ES256', 'RS256', 'EdDSA']).default('ES256'),
  JWT_ISSUER: z.string().min(1).default('https://id.surge.local'),
  JWT_AUDIENCE: z.string().min(1).default('surge-api'),
  JWT_MAX_TOKEN_AGE_SECONDS: positiveInt(12 * 3600),
  /** `id:sha256hex:scope|scope,...`; the programme team's keys carry flex:manage (flex:read to look only). */
  API_KEYS: z.string().default(''),
  PG_POOL_MAX: positiveInt(5),
  RUN_MIGRATIONS: bool(true),
  ENSURE_TOPICS: bool(true),
  FLEX_RELAY_ENABLED: bool(true),
  /** Large: a dispatch to 100,000 devices queues one record per member per topic. */
  FLEX_RELAY_BATCH: positiveInt(2000),
  FLEX_RELAY_IDLE_MS: positiveInt(1000),
  FLEX_RELAY_COALESCE_MS: z.coerce.number().int().min(0).default(20),
  FLEX_RELAY_RETRY_MIN_MS: positiveInt(200),
  FLEX_RELAY_RETRY_MAX_MS: positiveInt(10_000),
  KAFKA_PUBLISH_DEADLINE_MS: positiveInt(10_000),
  FLEX_METRICS_INTERVAL_MS: positiveInt(5000),
});

export type FlexibilityConfig = z.infer<typeof schema>;

export const loadFlexibilityConfig = (env: Record<string, string | undefined>): FlexibilityConfig => loadConfig(schema, env);
