import type { Provider } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import { METRICS } from '@surge/http/metrics.controller';
import { EVENT_PUBLISHER, type EventPublisher } from '@surge/kafka/event-publisher';
import type { HealthChecks } from '@surge/observability/dependency-health.checker';
import { HEALTH_CHECKS } from '@surge/observability/health.controller';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { CLICKHOUSE } from './read-api.tokens';

/**
 * Liveness: the process serves HTTP. Readiness: it can make readings durable (the producer reaches Kafka).
 * ClickHouse is probed (within 1 s) and reported in the body and `surge_dependency_up`, but is deliberately
 * NOT part of readiness: submissions must keep flowing while it is down; only reading lookups answer 503 +
 * Retry-After then. Not ready is INGEST_UNAVAILABLE, the code read-api's clients already retry on.
 */
export const healthChecksProvider: Provider = {
  provide: HEALTH_CHECKS,
  useFactory: (publisher: EventPublisher, ch: ClickHouseClient, metrics: SurgeMetrics): HealthChecks => ({
    metrics,
    unavailableCode: 'INGEST_UNAVAILABLE',
    dependencies: [
      { name: 'kafka', metric: null, required: true, check: () => publisher.isHealthy() },
      { name: 'clickhouse', required: false, check: async () => (await ch.ping()).success },
    ],
  }),
  inject: [EVENT_PUBLISHER, CLICKHOUSE, METRICS],
};
