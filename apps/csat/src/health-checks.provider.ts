import type { Provider } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool } from 'pg';
import { AnswerOutboxRelay } from '@surge/csat/answer-outbox.relay';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import type { HealthChecks } from '@surge/observability/dependency-health.checker';
import { probeValue } from '@surge/observability/dependency.probe';
import { HEALTH_CHECKS } from '@surge/observability/health.controller';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { BATCH_CONSUMER, CLICKHOUSE, METRICS, PG_POOL } from './csat.tokens';

/**
 * Liveness: the process serves HTTP, unless the outcome consumer gave up rebuilding itself (the process then
 * also exits). Readiness: PostgreSQL answers (every API call needs it) and the outcome consumer is in its
 * group. ClickHouse is probed (1 s) and reported, but deliberately not part of readiness: while it is down,
 * answers are still taken and wait in the outbox; only the programme team's report fails. The outbox backlog
 * and the consumer's lag are reported, not reasons to be unready.
 */
export const healthChecksProvider: Provider = {
  provide: HEALTH_CHECKS,
  useFactory: (pool: Pool, consumer: BatchConsumer, relay: AnswerOutboxRelay, metrics: SurgeMetrics, ch: ClickHouseClient): HealthChecks => ({
    metrics,
    live: { check: () => consumer.isLive(), message: 'Not live: the outcome consumer gave up rejoining its group; this process is exiting.' },
    dependencies: [
      { name: 'postgres', required: true, check: async () => (await pool.query('SELECT 1'), true) },
      { name: 'consumer', metric: 'kafka', required: true, check: () => consumer.isHealthy() },
      { name: 'clickhouse', required: false, check: async () => (await ch.ping()).success },
    ],
    report: async (up) => ({
      analyticsBacklog: up.get('postgres') ? await probeValue(() => relay.pending()) : null,
      lag: Object.fromEntries(consumer.lag()),
    }),
  }),
  inject: [PG_POOL, BATCH_CONSUMER, AnswerOutboxRelay, METRICS, CLICKHOUSE],
};
