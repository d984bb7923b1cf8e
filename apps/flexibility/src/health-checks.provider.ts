import type { Provider } from '@nestjs/common';
import type { Pool } from 'pg';
import { METRICS } from '@surge/http/metrics.controller';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import type { HealthChecks } from '@surge/observability/dependency-health.checker';
import { HEALTH_CHECKS } from '@surge/observability/health.controller';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { PG_POOL, PUBLISHER } from './flexibility.tokens';

/**
 * Liveness: the process serves HTTP. Readiness: it reaches PostgreSQL (every request is a PostgreSQL
 * transaction). Kafka is reported but not part of readiness: enrolments and dispatches still commit while it is down, and
 * their facts wait in the outbox.
 */
export const healthChecksProvider: Provider = {
  provide: HEALTH_CHECKS,
  useFactory: (pool: Pool, publisher: EventPublisher, metrics: SurgeMetrics): HealthChecks => ({
    metrics,
    dependencies: [
      { name: 'postgres', required: true, check: async () => (await pool.query('SELECT 1'), true) },
      { name: 'kafka', required: false, check: () => publisher.isHealthy() },
    ],
  }),
  inject: [PG_POOL, PUBLISHER, METRICS],
};
