import type { Provider } from '@nestjs/common';
import type { Pool } from 'pg';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import type { HealthChecks } from '@surge/observability/dependency-health.checker';
import { HEALTH_CHECKS } from '@surge/observability/health.controller';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { BATCH_CONSUMER, METRICS, PG_POOL } from './timeline.tokens';

/**
 * Liveness: the process serves HTTP, unless its consumer gave up rebuilding itself (the process then exits).
 * Readiness: PostgreSQL answers (every read needs it). The consumer and its lag are reported, not reasons to be
 * unready: a timeline that is behind still answers with what it has, and catches up.
 */
export const healthChecksProvider: Provider = {
  provide: HEALTH_CHECKS,
  useFactory: (pool: Pool, consumer: BatchConsumer, metrics: SurgeMetrics): HealthChecks => ({
    metrics,
    live: { check: () => consumer.isLive(), message: 'Not live: the timeline consumer gave up rejoining its group; this process is exiting.' },
    dependencies: [
      { name: 'postgres', required: true, check: async () => (await pool.query('SELECT 1'), true) },
      { name: 'consumer', metric: 'kafka', required: false, check: () => consumer.isHealthy() },
    ],
    report: async () => ({ lag: Object.fromEntries(consumer.lag()) }),
  }),
  inject: [PG_POOL, BATCH_CONSUMER, METRICS],
};
