import type { Provider } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { METRICS } from '@surge/http/metrics.controller';
import type { HealthChecks } from '@surge/observability/dependency-health.checker';
import { HEALTH_CHECKS } from '@surge/observability/health.controller';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { CLICKHOUSE, PG_POOL, REDIS } from './billing.tokens';

/**
 * Liveness: the process serves HTTP. Readiness: it reaches PostgreSQL (bill
 * runs, bills) and Redis (the job queue). ClickHouse is reported but is not
 * part of readiness: bills and runs can still be read and started while it is
 * down (chunks wait and retry). Kafka and the read API are not dependencies
 * at all.
 */
export const healthChecksProvider: Provider = {
  provide: HEALTH_CHECKS,
  useFactory: (pool: Pool, redis: Redis, ch: ClickHouseClient, metrics: SurgeMetrics): HealthChecks => ({
    metrics,
    dependencies: [
      { name: 'postgres', required: true, check: async () => (await pool.query('SELECT 1'), true) },
      { name: 'redis', required: true, check: async () => (await redis.ping(), true) },
      { name: 'clickhouse', required: false, check: async () => (await ch.ping()).success },
    ],
  }),
  inject: [PG_POOL, REDIS, CLICKHOUSE, METRICS],
};
