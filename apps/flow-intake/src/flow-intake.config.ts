import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { bool, brokers, consumerFields, logLevel, port, positiveInt } from '@surge/config/config.fields';

// flow-intake takes industry flows (D0010 files) and turns them into readings on meter-readings.v1. It needs
// PostgreSQL (the raw bytes, the flows, their progress) and Kafka (registry.v1 in, meter-readings.v1 out).
// No ClickHouse, no Redis, and nothing of read-api: a 100k-line file is parsed here, never on the
// customers' event loop (docs/decisions/0011-industry-flow-intake.md).
const schema = z.object({
  KAFKA_BROKERS: brokers,
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]*$/).default(''),
  ...consumerFields,
  DATABASE_URL: z.string().default('postgres://surge:surge@127.0.0.1:5432/surge'),
  LOG_LEVEL: logLevel,
  HOST: z.string().default('127.0.0.1'),
  PORT: port(3009),
  JWT_PUBLIC_KEY: z.string().min(1, 'a PEM public key (SPKI) that verifies customer tokens (customers are refused here, but a token must be recognised to be refused as 403)'),
  JWT_ALGORITHM: z.enum(['ES256', 'RS256', 'EdDSA']).default('ES256'),
  JWT_ISSUER: z.string().min(1).default('https://id.surge.local'),
  JWT_AUDIENCE: z.string().min(1).default('surge-api'),
  JWT_MAX_TOKEN_AGE_SECONDS: positiveInt(12 * 3600),
  /** `id:sha256hex:scope|scope,...`; collectors carry flows:submit, operations staff flows:read. */
  API_KEYS: z.string().default(''),
  PG_POOL_MAX: positiveInt(5),
  RUN_MIGRATIONS: bool(true),
  ENSURE_TOPICS: bool(true),
  /** The largest file taken (413 FLOW_TOO_LARGE past it). A 1,000,000-reading D0010 is about 45 MB. */
  FLOW_MAX_BYTES: positiveInt(256 * 1024 * 1024),
  /** Bytes per stored chunk: the most of a file held in memory while it is received. */
  FLOW_CHUNK_BYTES: positiveInt(256 * 1024),
  /** Files received at once (each holds a PostgreSQL connection while it arrives); past it 503 FLOW_INTAKE_BUSY. Below PG_POOL_MAX. */
  FLOW_MAX_CONCURRENT_UPLOADS: positiveInt(2),
  /** Run the processor in this process (stored flows to readings). */
  FLOW_PROCESSOR_ENABLED: bool(true),
  /** Readings published per batch, then checkpointed. */
  FLOW_PROCESSOR_BATCH_READINGS: positiveInt(1000),
  /**
   * Batches published ahead of their checkpoints: parsing, acks=all and the PostgreSQL checkpoint overlap
   * instead of taking turns (each checkpoint still commits only after its own batch is acknowledged).
   */
  FLOW_PROCESSOR_PIPELINE: positiveInt(4),
  /** A processor silent this long is presumed dead and its flow taken over (each batch renews it). */
  FLOW_PROCESSOR_LEASE_MS: positiveInt(30_000),
  /** How often an idle processor looks for stored flows (an upload in this process wakes it at once). */
  FLOW_PROCESSOR_IDLE_MS: positiveInt(1_000),
  /**
   * How often every held reading (registry did not know its register) is looked at again, whatever this
   * process saw on registry.v1: another instance's holds, a change missed. A change this process sees for a
   * supply point it knows to be waiting releases at once.
   */
  FLOW_HELD_SWEEP_MS: positiveInt(60_000),
  /**
   * The Kafka producer on a worker thread (libs/kafka WorkerEventPublisher): the client's per-record encoding
   * runs on the other core while the processor parses and maps. Off by default: measured faster (15.0 s
   * instead of 18.6 s for 200,000 readings) but 446 MiB peak RSS instead of 289 (a second heap with its own
   * Kafka client), past the 300 MB budget (docs/benchmarks.md "D0010 intake").
   */
  FLOW_PUBLISHER_THREAD: bool(false),
  /** How long a processor's publish waits for acks=all before the batch is retried. */
  KAFKA_PUBLISH_DEADLINE_MS: positiveInt(10_000),
  /** Record the sink's decisions about flow readings (outcome topics) for the flows' status. */
  FLOW_OUTCOMES_ENABLED: bool(true),
  /** The consumer group of the outcome recorder (shared by the instances of one environment). */
  KAFKA_GROUP_ID: z.string().min(1).default('flow-intake-outcomes'),
  /** A watched inbox directory (a file gateway drops flows here); unset: no inbox. */
  FLOW_INBOX_DIR: z.string().min(1).optional(),
  /** Whose flows the inbox's files are (the principal id of the collector behind the gateway, as in API_KEYS). */
  FLOW_INBOX_COLLECTOR: z.string().regex(/^[A-Za-z0-9._-]+$/).default('file-gateway'),
  FLOW_INBOX_POLL_MS: positiveInt(2_000),
});

export type FlowIntakeConfig = z.infer<typeof schema>;

export const loadFlowIntakeConfig = (env: Record<string, string | undefined>): FlowIntakeConfig => loadConfig(schema, env);
