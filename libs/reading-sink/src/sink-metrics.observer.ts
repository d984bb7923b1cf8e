import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import type { SurgeLogger } from '@surge/observability/logger.factory';
import type { StoredReading } from '@surge/reading-store/meter-reading.repository';
import type { SinkObserver } from './reading-sink.service';

/** Sink events → Prometheus. Freshness is measured from the API's 202 to the ClickHouse write being confirmed. */
export function sinkMetricsObserver(metrics: SurgeMetrics, logger?: SurgeLogger, sink = 'clickhouse-readings', clock: () => number = Date.now): SinkObserver {
  return {
    batch(size, writeSeconds) {
      metrics.sinkBatchSize.observe({ sink }, size);
      metrics.sinkWriteDuration.observe({ sink }, writeSeconds);
      metrics.dependencyUp.set({ dependency: 'clickhouse' }, 1);
    },
    decided(reading: StoredReading) {
      if (reading.status !== 'accepted') logger?.debug({ correlationId: reading.correlationId, readingId: reading.readingId, status: reading.status, reason: reading.reasonCode }, 'reading not accepted');
      metrics.readings.inc({ outcome: reading.status, reason: reading.reasonCode || (reading.duplicateOf ? 'DUPLICATE' : 'none') });
      metrics.readingFreshness.observe(Math.max(0, (clock() - reading.submittedAtMs) / 1000));
    },
    deadLettered(reason, correlationId) {
      metrics.sinkDeadLetters.inc({ sink, reason });
      logger?.warn({ reason, correlationId }, 'record dead-lettered');
    },
  };
}
