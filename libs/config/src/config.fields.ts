import { z } from 'zod';

/**
 * Reusable environment fields. Defaults point at the local stack on loopback
 * (`npm run stack -- up`); production sets every address explicitly.
 */
export const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

export const brokers = z
  .string()
  .default('127.0.0.1:9092')
  .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'each broker must be host:port')).min(1));

export const url = (fallback: string) => z.string().url().default(fallback);

export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/** Infrastructure every service may use, with the env var names shared by k8s/ and docker-compose.yml. */
export const infraFields = {
  KAFKA_BROKERS: brokers,
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  /** Prefixes every topic name: one cluster can host several environments or test runs. */
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]*$/).default(''),
  CLICKHOUSE_URL: url('http://127.0.0.1:8123'),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('surge'),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  /** Interactive ClickHouse reads (lookups, reports) give up after this long: a frozen server is a prompt 503, not a 30 s wait. */
  CLICKHOUSE_QUERY_TIMEOUT_MS: positiveInt(4000),
  DATABASE_URL: z.string().default('postgres://surge:surge@127.0.0.1:5432/surge'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  LOG_LEVEL: logLevel,
};

/** For the apps that consume a topic in a consumer group (read-sink, csat). */
export const consumerFields = {
  /**
   * Static group membership: a restarted instance under the same id gets its
   * partitions back at once instead of after the session timeout. Unique per
   * replica (k8s: the pod name; the native supervisor sets one per app). Unset: dynamic membership.
   */
  KAFKA_GROUP_INSTANCE_ID: z.string().regex(/^[A-Za-z0-9._-]+$/).max(200).optional(),
  /** The coordinator's wait for a silent member's heartbeat before its partitions move (broker minimum 6 s). */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(10_000),
  /** A consumer that has failed to rebuild itself for this long gives up; the process exits for its supervisor to restart it. */
  KAFKA_CONSUMER_GIVE_UP_MS: positiveInt(300_000),
};
