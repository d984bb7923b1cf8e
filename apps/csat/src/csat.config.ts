import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { bool, consumerFields, infraFields, port, positiveInt } from '@surge/config/config.fields';

const schema = z.object({
  ...infraFields,
  ...consumerFields,
  HOST: z.string().default('127.0.0.1'),
  PORT: port(3003),
  JWT_PUBLIC_KEY: z.string().min(1, 'a PEM public key (SPKI) that verifies customer tokens'),
  JWT_ALGORITHM: z.enum(['ES256', 'RS256', 'EdDSA']).default('ES256'),
  JWT_ISSUER: z.string().min(1).default('https://id.surge.local'),
  JWT_AUDIENCE: z.string().min(1).default('surge-api'),
  /** Oldest (now - iat) and longest-lived (exp - iat) customer token taken; one in the future is refused too. */
  JWT_MAX_TOKEN_AGE_SECONDS: positiveInt(12 * 3600),
  API_KEYS: z.string().default(''),
  /** Consumer group on reading.accepted.v1 and reading.rejected.v1; CSAT's own, so its lag never touches ingestion. */
  CSAT_KAFKA_GROUP_ID: z.string().min(1).default('csat'),
  /** Share of eligible interactions invited, 0..1 (decided by a hash of the reading id). */
  CSAT_SAMPLING_RATE: z.coerce.number().min(0).max(1).default(1),
  /** At most one invitation per account per this many days (0 turns the throttle off). */
  CSAT_MIN_DAYS_BETWEEN_INVITATIONS: z.coerce.number().min(0).max(3650).default(30),
  /** An invitation can be answered until this many hours after the interaction. */
  CSAT_INVITATION_TTL_HOURS: z.coerce.number().positive().max(24 * 365).default(72),
  /** Category for accounts the lookup does not know yet (most domestic customers are D). */
  CSAT_DEFAULT_CATEGORY: z.enum(['A', 'B', 'C', 'D']).default('D'),
  CSAT_MAX_BATCH_RECORDS: positiveInt(500),
  CSAT_MAX_BATCH_WAIT_MS: positiveInt(200),
  CSAT_RETRY_MIN_MS: positiveInt(200),
  CSAT_RETRY_MAX_MS: positiveInt(10_000),
  CSAT_RELAY_BATCH: positiveInt(1000),
  CSAT_RELAY_IDLE_MS: positiveInt(1000),
  CSAT_RELAY_COALESCE_MS: z.coerce.number().int().min(0).default(50),
  /** The survey events relay (csat.event_outbox to csat.surveys.v1, for whoever consumes survey events); off only in tests that drive it by hand. */
  CSAT_EVENTS_RELAY_ENABLED: bool(true),
  KAFKA_PUBLISH_DEADLINE_MS: positiveInt(10_000),
  DATABASE_POOL_MAX: positiveInt(10),
  RUN_MIGRATIONS: bool(true),
  ENSURE_TOPICS: bool(true),
});

export type CsatConfig = z.infer<typeof schema>;

export const loadCsatConfig = (env: Record<string, string | undefined>): CsatConfig => loadConfig(schema, env);
