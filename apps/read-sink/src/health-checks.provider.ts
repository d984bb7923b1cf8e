import type { Provider } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import { METRICS } from '@surge/http/metrics.controller';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import type { HealthChecks } from '@surge/observability/dependency-health.checker';
import { HEALTH_CHECKS } from '@surge/observability/health.controller';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import type { PlatformaticTopicTailer } from '@surge/kafka/platformatic-topic.tailer';
import type { RegistryProjectionFeed } from '@surge/reading-sink/registry-projection.feed';
import { BATCH_CONSUMER, CLICKHOUSE_PROBE, REGISTRY_FEED, REGISTRY_TAILER } from './read-sink.runner';

/**
 * Live unless the consumer gave up rebuilding itself (the process then also exits): a broker outage makes it
 * unready, not dead, since it rejoins by itself. Ready while the consumer is in its group and ClickHouse answers
 * within 1 s (a sink that cannot store is not doing its job, and says so within a probe period); lag is
 * reported, not a reason to be unready. So is the registry projection (caught up, registers known, lag): without
 * it readings are still judged, with the default EAC.
 */
export const healthChecksProvider: Provider = {
  provide: HEALTH_CHECKS,
  useFactory: (consumer: BatchConsumer, ch: ClickHouseClient, metrics: SurgeMetrics, tailer: PlatformaticTopicTailer, feed: RegistryProjectionFeed): HealthChecks => ({
    metrics,
    live: { check: () => consumer.isLive(), message: 'Not live: the consumer gave up rejoining its group; this process is exiting.' },
    dependencies: [
      { name: 'consumer', metric: null, required: true, check: () => consumer.isHealthy() },
      { name: 'clickhouse', required: true, check: async () => (await ch.ping()).success },
    ],
    report: () => ({ lag: Object.fromEntries(consumer.lag()), registry: { caughtUp: tailer.hasCaughtUp, registers: feed.registers, lag: tailer.lag() } }),
  }),
  inject: [BATCH_CONSUMER, CLICKHOUSE_PROBE, METRICS, REGISTRY_TAILER, REGISTRY_FEED],
};
