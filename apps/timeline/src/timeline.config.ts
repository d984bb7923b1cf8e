import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { bool, consumerFields, infraFields, port, positiveInt } from '@surge/config/config.fields';

const schema = z.object({
  ...infraFields,
  ...consumerFields,
  HOST: z.string().default('127.0.0.1'),
  PORT: port(3006),
  JWT_PUBLIC_KEY: z.string().min(1, 'a PEM public key (SPKI) that verifies customer tokens'),
  JWT_ALGORITHM: z.enum(['ES256', 'RS256', 'EdDSA']).default('ES256'),
  JWT_ISSUER: z.string().min(1).default('https://id.surge.local'),
  JWT_AUDIENCE: z.string().min(1).default('surge-api'),
  JWT_MAX_TOKEN_AGE_SECONDS: positiveInt(12 * 3600),
  API_KEYS: z.string().default(''),
  /**
   * The timeline's own consumer group on every topic it reads: its lag (or its absence) never touches
   * ingestion, billing or CSAT. A new group id reads every topic from the beginning (the rebuild).
   */
  TIMELINE_KAFKA_GROUP_ID: z.string().min(1).default('timeline'),
  TIMELINE_MAX_BATCH_RECORDS: positiveInt(500),
  TIMELINE_MAX_BATCH_WAIT_MS: positiveInt(200),
  TIMELINE_RETRY_MIN_MS: positiveInt(200),
  TIMELINE_RETRY_MAX_MS: positiveInt(10_000),
  DATABASE_POOL_MAX: positiveInt(10),
  RUN_MIGRATIONS: bool(true),
  ENSURE_TOPICS: bool(true),
});

export type TimelineConfig = z.infer<typeof schema>;

export const loadTimelineConfig = (env: Record<string, string | undefined>): TimelineConfig => loadConfig(schema, env);
