import { type DynamicModule, Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { AuthGuard } from '@surge/http/auth.guard';
import { authenticatorProvider } from '@surge/http/authenticator.provider';
import { MetricsController } from '@surge/http/metrics.controller';
import { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createLogger, type SurgeLogger } from '@surge/observability/logger.factory';
import { createMetrics, type SurgeMetrics } from '@surge/observability/metrics.catalog';
import { exitForSupervisor } from '@surge/observability/process-exit.handler';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { TimelineProjector } from '@surge/timeline/timeline-projector.service';
import { TimelineQueryService } from '@surge/timeline/timeline-query.service';
import { timelineTopicMap } from '@surge/timeline/timeline-topic.map';
import { PgTimelineRepository } from '@surge/timeline/timeline.repository';
import { HealthController } from '@surge/observability/health.controller';
import { healthChecksProvider } from './health-checks.provider';
import { OpenApiController } from './openapi.controller';
import type { TimelineConfig } from './timeline.config';
import { TimelineController } from './timeline.controller';
import { TimelineRunner } from './timeline.runner';
import { BATCH_CONSUMER, LOGGER, METRICS, PG_POOL, TIMELINE_CONFIG } from './timeline.tokens';

/** Wiring only: every adapter is built from the validated config here and nowhere else. */
@Module({})
export class TimelineModule {
  static forRoot(config: TimelineConfig): DynamicModule {
    const topics = resolveTopics(config.KAFKA_TOPIC_PREFIX);
    const topicMap = timelineTopicMap(topics);
    return {
      module: TimelineModule,
      controllers: [TimelineController, HealthController, MetricsController, OpenApiController],
      providers: [
        { provide: TIMELINE_CONFIG, useValue: config },
        { provide: METRICS, useFactory: () => createMetrics('timeline') },
        { provide: LOGGER, useFactory: () => createLogger('timeline', config.LOG_LEVEL) },
        {
          provide: PG_POOL,
          useFactory: (logger: SurgeLogger) =>
            createPostgresPool(config.DATABASE_URL, {
              max: config.DATABASE_POOL_MAX,
              applicationName: 'timeline',
              onIdleError: (error) => logger.warn({ err: error.message }, 'PostgreSQL connection lost (idle or between queries); the next checkout reconnects'),
            }),
          inject: [LOGGER],
        },
        authenticatorProvider(config),
        AuthGuard,
        healthChecksProvider,
        { provide: TimelineQueryService, useFactory: (pool: Pool) => new TimelineQueryService(new PgTimelineRepository(pool)), inject: [PG_POOL] },
        {
          provide: TimelineProjector,
          useFactory: (pool: Pool, metrics: SurgeMetrics, logger: SurgeLogger) =>
            new TimelineProjector(new PgTimelineRepository(pool), topicMap, {
              projected: (entries) => metrics.sinkBatchSize.observe({ sink: 'timeline' }, entries),
              // How far behind its sources the timeline is (issue 16: an outcome on the timeline within 10 s, p99).
              stored: (source, seconds) => metrics.timelineFreshness.observe({ source }, seconds),
              storedAfterTopic: (source, seconds) => metrics.timelineProjectionDelay.observe({ source }, seconds),
              skipped: (record, reason) => logger.warn({ reason, source: `${record.topic}/${record.partition}/${record.offset}` }, 'record skipped by the timeline (still on the topic)'),
            }),
          inject: [PG_POOL, METRICS, LOGGER],
        },
        {
          provide: BATCH_CONSUMER,
          useFactory: (metrics: SurgeMetrics, logger: SurgeLogger) =>
            new PlatformaticBatchConsumer({
              brokers: config.KAFKA_BROKERS,
              clientId: config.KAFKA_CLIENT_ID ?? 'timeline',
              groupId: config.TIMELINE_KAFKA_GROUP_ID,
              topics: [...topicMap.keys()],
              maxBatchRecords: config.TIMELINE_MAX_BATCH_RECORDS,
              maxBatchWaitMs: config.TIMELINE_MAX_BATCH_WAIT_MS,
              retryMinMs: config.TIMELINE_RETRY_MIN_MS,
              retryMaxMs: config.TIMELINE_RETRY_MAX_MS,
              groupInstanceId: config.KAFKA_GROUP_INSTANCE_ID,
              sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
              giveUpAfterMs: config.KAFKA_CONSUMER_GIVE_UP_MS,
              onConsumerError: (error, attempt) => logger.warn({ attempt, err: String((error as Error)?.message ?? error) }, 'timeline consumer broken (Kafka unreachable?); rejoining the group'),
              onFatal: (error) => exitForSupervisor(logger, error),
              onBatchFailed: (error, attempt) => {
                if (attempt > 0) metrics.dbErrors.inc({ db: 'postgres', operation: 'timeline_projection' });
                logger.warn({ attempt, err: String((error as Error)?.message ?? error) }, 'timeline batch not stored; retrying (offsets not committed)');
              },
              onLag: (lag) => {
                for (const [key, value] of lag) {
                  const i = key.lastIndexOf(':');
                  metrics.kafkaConsumerLag.set({ group: config.TIMELINE_KAFKA_GROUP_ID, topic: key.slice(0, i), partition: key.slice(i + 1) }, value);
                }
              },
            }),
          inject: [METRICS, LOGGER],
        },
        TimelineRunner,
      ],
    };
  }
}
