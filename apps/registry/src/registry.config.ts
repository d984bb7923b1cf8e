import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { bool, brokers, logLevel, port, positiveInt } from '@surge/config/config.fields';

// The registry needs PostgreSQL (the registry's tables, in billing's database: docs/decisions/0008-registry.md)
// and Kafka (its outbox relay publishes registry.v1; it consumes flex.membership.v1). No ClickHouse, no Redis, no other service: it starts and
// takes changes while Kafka is down (events wait in the outbox).
const schema = z.object({
  KAFKA_BROKERS: brokers,
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]*$/).default(''),
  DATABASE_URL: z.string().default('postgres://surge:surge@127.0.0.1:5432/surge'),
  LOG_LEVEL: logLevel,
  HOST: z.string().default('127.0.0.1'),
  PORT: port(3005),
  JWT_PUBLIC_KEY: z.string().min(1, 'a PEM public key (SPKI) that verifies customer tokens (customers are refused here, but a token must be recognised to be refused as 403)'),
  JWT_ALGORITHM: z.enum(['ES256', 'RS256', 'EdDSA']).default('ES256'),
  JWT_ISSUER: z.string().min(1).default('https://id.surge.local'),
  JWT_AUDIENCE: z.string().min(1).default('surge-api'),
  JWT_MAX_TOKEN_AGE_SECONDS: positiveInt(12 * 3600),
  /** `id:sha256hex:scope|scope,...`; staff keys carry registry:write and/or registry:read. */
  API_KEYS: z.string().default(''),
  /** Small: the registry shares billing's database server and must not crowd out bill runs. */
  PG_POOL_MAX: positiveInt(5),
  RUN_MIGRATIONS: bool(true),
  ENSURE_TOPICS: bool(true),
  /** Relay the outbox to registry.v1 from this process (one relay publishes at a time across instances). */
  REGISTRY_RELAY_ENABLED: bool(true),
  REGISTRY_RELAY_BATCH: positiveInt(500),
  REGISTRY_RELAY_IDLE_MS: positiveInt(1000),
  REGISTRY_RELAY_COALESCE_MS: z.coerce.number().int().min(0).default(20),
  REGISTRY_RELAY_RETRY_MIN_MS: positiveInt(200),
  REGISTRY_RELAY_RETRY_MAX_MS: positiveInt(10_000),
  /** How long the relay waits for acks=all before the batch is retried. */
  KAFKA_PUBLISH_DEADLINE_MS: positiveInt(10_000),
  REGISTRY_METRICS_INTERVAL_MS: positiveInt(5000),
  /** Apply the D -> C category change a flexibility enrolment asks for on flex.membership.v1 (issue 17). */
  REGISTRY_FLEX_MEMBERSHIP_ENABLED: bool(true),
  /** The registry's own consumer group: its offsets are nobody else's (each consumer of the topic has its own group). */
  REGISTRY_FLEX_MEMBERSHIP_GROUP_ID: z.string().min(1).default('registry-flex-membership'),
  REGISTRY_FLEX_MEMBERSHIP_BATCH: positiveInt(200),
  REGISTRY_FLEX_MEMBERSHIP_WAIT_MS: positiveInt(200),
  /** Static group membership (KIP-345): the pod or native instance name. */
  KAFKA_GROUP_INSTANCE_ID: z.string().min(1).optional(),
});

export type RegistryConfig = z.infer<typeof schema>;

export const loadRegistryConfig = (env: Record<string, string | undefined>): RegistryConfig => loadConfig(schema, env);
