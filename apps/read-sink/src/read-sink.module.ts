import { type DynamicModule, Module } from '@nestjs/common';
import { clickHouseSettingsFrom, createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { ClickHouseMeterReadingRepository } from '@surge/reading-store/clickhouse/clickhouse-meter-reading.repository';
import { ReadingSinkService } from '@surge/reading-sink/reading-sink.service';
import { RegisterHistoryCache } from '@surge/reading-sink/reading-sink-history.cache';
import { EVENT_PUBLISHER, type EventPublisher } from '@surge/kafka/event-publisher';
import { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { exitForSupervisor } from '@surge/observability/process-exit.handler';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { METRICS, MetricsController } from '@surge/http/metrics.controller';
import { sinkMetricsObserver } from '@surge/reading-sink/sink-metrics.observer';
import { createMetrics, type SurgeMetrics } from '@surge/observability/metrics.catalog';
import { createLogger } from '@surge/observability/logger.factory';
import { HealthController } from '@surge/observability/health.controller';
import { healthChecksProvider } from './health-checks.provider';
import type { ReadSinkConfig } from './read-sink.config';
import { RegistryProjectionFeed } from '@surge/reading-sink/registry-projection.feed';
import { PlatformaticTopicTailer } from '@surge/kafka/platformatic-topic.tailer';
import { BATCH_CONSUMER, CLICKHOUSE_PROBE, READING_SINK, ReadSinkRunner, REGISTRY_CATCH_UP_MS, REGISTRY_FEED, REGISTRY_TAILER, SINK_LOGGER } from './read-sink.runner';

@Module({})
export class ReadSinkModule {
  static forRoot(config: ReadSinkConfig): DynamicModule {
    const clientId = config.KAFKA_CLIENT_ID ?? 'read-sink';
    const topics = resolveTopics(config.KAFKA_TOPIC_PREFIX);
    const logger = createLogger('read-sink', config.LOG_LEVEL);
    return {
      module: ReadSinkModule,
      controllers: [HealthController, MetricsController],
      providers: [
        healthChecksProvider,
        { provide: METRICS, useFactory: () => createMetrics('read-sink') },
        {
          provide: EVENT_PUBLISHER,
          useFactory: (): EventPublisher =>
            new PlatformaticEventPublisher({
              brokers: config.KAFKA_BROKERS,
              clientId,
              deadlineMs: 10_000,
              maxBufferedRecords: 50_000,
              maxBatchRecords: 1000,
              lingerMs: 1,
              maxInFlightRequests: 2,
              lanes: 2,
            }),
        },
        {
          provide: BATCH_CONSUMER,
          inject: [METRICS],
          useFactory: (metrics: SurgeMetrics) =>
            new PlatformaticBatchConsumer({
              brokers: config.KAFKA_BROKERS,
              clientId,
              groupId: config.KAFKA_GROUP_ID,
              topics: [topics.meterReadings.name],
              maxBatchRecords: config.SINK_MAX_BATCH_RECORDS,
              maxBatchWaitMs: config.SINK_MAX_BATCH_WAIT_MS,
              maxFetchBytes: config.SINK_MAX_FETCH_BYTES,
              retryMinMs: config.SINK_RETRY_MIN_MS,
              retryMaxMs: config.SINK_RETRY_MAX_MS,
              groupInstanceId: config.KAFKA_GROUP_INSTANCE_ID,
              sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
              giveUpAfterMs: config.KAFKA_CONSUMER_GIVE_UP_MS,
              onConsumerError: (error, attempt) =>
                logger.warn({ err: error, attempt }, 'consumer broken (Kafka unreachable?); rejoining the group from the committed offsets'),
              onFatal: (error) => exitForSupervisor(logger, error),
              onLag: (lag) => {
                for (const [key, value] of lag) {
                  const [topic = '', partition = ''] = key.split(':');
                  metrics.kafkaConsumerLag.set({ group: config.KAFKA_GROUP_ID, topic, partition }, value);
                }
              },
              onBatchFailed: (error, attempt) => {
                // A failed batch is a dependency failure (ClickHouse or Kafka): it is retried whole.
                metrics.dbErrors.inc({ db: 'clickhouse', operation: 'sink_batch' });
                metrics.dependencyUp.set({ dependency: 'clickhouse' }, 0);
                logger.warn({ err: error, attempt }, 'batch failed; retrying the same batch (nothing committed)');
              },
            }),
        },
        { provide: SINK_LOGGER, useValue: logger },
        { provide: REGISTRY_CATCH_UP_MS, useValue: config.SINK_REGISTRY_CATCH_UP_MS },
        {
          provide: REGISTRY_FEED,
          inject: [METRICS],
          useFactory: (metrics: SurgeMetrics) => new RegistryProjectionFeed((reason) => metrics.registryRecordsSkipped.inc({ service: 'read-sink', reason })),
        },
        {
          provide: REGISTRY_TAILER,
          inject: [METRICS, REGISTRY_FEED],
          useFactory: (metrics: SurgeMetrics, feed: RegistryProjectionFeed) =>
            new PlatformaticTopicTailer({
              brokers: config.KAFKA_BROKERS,
              clientId: `${clientId}-registry`,
              topics: [topics.registry.name],
              lagIntervalMs: 5_000,
              retryMinMs: config.SINK_RETRY_MIN_MS,
              retryMaxMs: config.SINK_RETRY_MAX_MS,
              onError: (error, attempt) => logger.warn({ err: error, attempt }, 'registry.v1 reader broken; rebuilding the projection from the beginning (the sink keeps judging with what it has)'),
              onLag: (lag) => {
                metrics.registryProjectionLag.set({ service: 'read-sink' }, lag);
                metrics.registryProjectionRegisters.set({ service: 'read-sink' }, feed.registers);
              },
            }),
        },
        {
          provide: READING_SINK,
          useFactory: (publisher: EventPublisher, metrics: SurgeMetrics, feed: RegistryProjectionFeed) => {
            const ch = createClickHouse(clickHouseSettingsFrom(config));
            const cache = config.SINK_HISTORY_CACHE_REGISTERS > 0 ? new RegisterHistoryCache(config.SINK_HISTORY_CACHE_REGISTERS) : undefined;
            return new ReadingSinkService(new ClickHouseMeterReadingRepository(ch), publisher, topics, sinkMetricsObserver(metrics, logger), Date.now, cache, feed);
          },
          inject: [EVENT_PUBLISHER, METRICS, REGISTRY_FEED],
        },
        {
          provide: CLICKHOUSE_PROBE,
          useFactory: () =>
            createClickHouse(clickHouseSettingsFrom(config, 1_500)),
        },
        ReadSinkRunner,
      ],
    };
  }
}
