import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { bool, consumerFields, infraFields, port, positiveInt } from '@surge/config/config.fields';

const schema = z.object({
  ...infraFields,
  ...consumerFields,
  HOST: z.string().default('127.0.0.1'),
  PORT: port(3001),
  KAFKA_GROUP_ID: z.string().min(1).default('read-sink'),
  SINK_MAX_BATCH_RECORDS: positiveInt(5000),
  /** Larger batches amortise ClickHouse round trips; freshness stays well under its 5 s objective. */
  SINK_MAX_BATCH_WAIT_MS: positiveInt(300),
  /**
   * Registers whose history tail is kept in memory across batches (RegisterHistoryCache), least recently
   * used dropped first. A kept register costs about 950 bytes of heap with the checker's parse of its tail
   * (measured: 100,000 registers, 95 MB): 50,000 is ~48 MB, 2.5 times the registers of the surge's 20,000
   * customers, and fits the 160 MB old space of scripts/service-node-flags.sh. 0 turns it off.
   */
  SINK_HISTORY_CACHE_REGISTERS: z.coerce.number().int().min(0).default(50_000),
  /**
   * Bytes per Kafka fetch (in total and per partition). A submitted reading is about 0.5 kB, so 4 MiB
   * is roughly 8,000 readings: more than a batch, far less than a backlog held in memory at once.
   */
  SINK_MAX_FETCH_BYTES: positiveInt(4 * 1024 * 1024),
  SINK_RETRY_MIN_MS: positiveInt(200),
  SINK_RETRY_MAX_MS: positiveInt(10_000),
  /**
   * How long start-up waits for the registry projection to read registry.v1 to its end before judging
   * readings. Past it the sink starts anyway (registers not yet known are judged with the default EAC,
   * flagged default-eac) and the projection catches up behind (surge_registry_projection_lag).
   */
  SINK_REGISTRY_CATCH_UP_MS: positiveInt(60_000),
  RUN_MIGRATIONS: bool(true),
  ENSURE_TOPICS: bool(true),
});

export type ReadSinkConfig = z.infer<typeof schema>;

export const loadReadSinkConfig = (env: Record<string, string | undefined>): ReadSinkConfig => loadConfig(schema, env);
