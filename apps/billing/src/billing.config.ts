import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { bool, infraFields, port, positiveInt } from '@surge/config/config.fields';

// Billing needs PostgreSQL (its state), Redis (its job queue) and ClickHouse
// (readings, read only; plus the billed-reading marks its relay writes). It never talks to Kafka or to the read API, so their
// settings are not part of its configuration: billing starts and runs while
// they are down or lagging.
const { KAFKA_BROKERS: _brokers, KAFKA_CLIENT_ID: _clientId, KAFKA_TOPIC_PREFIX: _topicPrefix, ...stores } = infraFields;

const schema = z.object({
  ...stores,
  HOST: z.string().default('127.0.0.1'),
  PORT: port(3002),
  JWT_PUBLIC_KEY: z.string().min(1, 'a PEM public key (SPKI) that verifies customer tokens'),
  JWT_ALGORITHM: z.enum(['ES256', 'RS256', 'EdDSA']).default('ES256'),
  JWT_ISSUER: z.string().min(1).default('https://id.surge.local'),
  JWT_AUDIENCE: z.string().min(1).default('surge-api'),
  /** Oldest (now - iat) and longest-lived (exp - iat) customer token taken; one in the future is refused too. */
  JWT_MAX_TOKEN_AGE_SECONDS: positiveInt(12 * 3600),
  /** `id:sha256hex:scope|scope,...`; staff keys carry billing:run and/or billing:read. */
  API_KEYS: z.string().default(''),
  /** Run the bill-run worker in this process (false: API only). */
  BILLING_WORKER_ENABLED: bool(true),
  /** Chunks this process bills at once (one waits on a database while another computes). */
  BILLING_WORKER_CONCURRENCY: positiveInt(2),
  /**
   * Accounts per chunk (one job, one ClickHouse query, one PostgreSQL transaction). 1,000: a chunk's ClickHouse
   * query reads about the same granules for 1,000 accounts as for 500 (readings sorted by account, 8,192 rows a
   * granule), so its cost an account falls by a quarter, and the per-chunk statements by half (decision 0003,
   * fourth round: a million accounts in 286 s against 327 s at 500, same host speed).
   */
  BILLING_CHUNK_SIZE: z.coerce.number().int().min(1).max(5000).default(1000),
  /** Namespaces the queue's Redis keys (tests and environments get their own queues). */
  BILLING_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9._-]+$/).default('surge'),
  BILLING_JOB_ATTEMPTS: positiveInt(5),
  /** First retry delay of a failed chunk; doubles on each retry. */
  BILLING_JOB_BACKOFF_MS: positiveInt(2000),
  /** A crashed worker's chunk is taken over after this long. */
  BILLING_LOCK_DURATION_MS: positiveInt(60_000),
  /** How far back readings are read for estimates. */
  BILLING_HISTORY_DAYS: positiveInt(400),
  BILLING_METRICS_INTERVAL_MS: positiveInt(5000),
  /** Relay billed-reading marks (PostgreSQL outbox -> ClickHouse) from this process. Safe in several at once. */
  BILLING_MARKS_RELAY_ENABLED: bool(true),
  /** Bills' marks per ClickHouse insert, at most. */
  BILLING_MARKS_RELAY_BATCH: positiveInt(2000),
  /** With nothing queued, look again after this long; a finished chunk wakes the relay sooner. */
  BILLING_MARKS_RELAY_IDLE_MS: positiveInt(2000),
  /** After a chunk finished, wait this long so chunks finishing together share one insert. */
  BILLING_MARKS_RELAY_COALESCE_MS: z.coerce.number().int().min(0).default(250),
  PG_POOL_MAX: positiveInt(10),
  RUN_MIGRATIONS: bool(true),
});

export type BillingConfig = z.infer<typeof schema>;

export const loadBillingConfig = (env: Record<string, string | undefined>): BillingConfig => loadConfig(schema, env);
