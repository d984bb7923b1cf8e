import { type DynamicModule, Module } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import { clickHouseSettingsFrom, createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { AuthGuard } from '@surge/http/auth.guard';
import { authenticatorProvider } from '@surge/http/authenticator.provider';
import { IDEMPOTENCY_STORE, IdempotencyInterceptor } from '@surge/http/idempotency.interceptor';
import { RedisIdempotencyStore } from '@surge/redis/idempotency.store';
import { METRICS, MetricsController } from '@surge/http/metrics.controller';
import { RATE_LIMITER, RATE_LIMITS, RateLimitGuard } from '@surge/http/rate-limit.guard';
import { RedisRateLimiter } from '@surge/redis/rate-limiter';
import { createRequestPathRedis, redisReady } from '@surge/redis/redis.factory';
import { RedisWriteBehind } from '@surge/redis/redis-write-behind';
import { ClickHouseMeterReadingRepository } from '@surge/reading-store/clickhouse/clickhouse-meter-reading.repository';
import { RedisReadingReceipts } from '@surge/reading-intake/redis/reading-receipt.store';
import { ReadingIntakeService } from '@surge/reading-intake/reading-intake.service';
import { ReadingQueryService } from '@surge/reading-query/reading-query.service';
import { EVENT_PUBLISHER, type EventPublisher } from '@surge/kafka/event-publisher';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createMetrics, type SurgeMetrics } from '@surge/observability/metrics.catalog';
import { ClickHouseReadingReviewRepository } from '@surge/reading-store/clickhouse/clickhouse-reading-review.repository';
import { ReadingReviewService } from '@surge/reading-review/reading-review.service';
import { HeldReadingsController } from './held-readings.controller';
import { HealthController } from '@surge/observability/health.controller';
import { healthChecksProvider } from './health-checks.provider';
import { MeterReadingsController } from './meter-readings.controller';
import { OpenApiController } from './openapi.controller';
import type { ReadApiConfig } from './read-api.config';

export const READ_API_CONFIG = Symbol('READ_API_CONFIG');
export { CLICKHOUSE } from './read-api.tokens';
import { CLICKHOUSE } from './read-api.tokens';
export const REDIS = Symbol('REDIS');

/** Wiring only: every adapter is built from the validated config here and nowhere else. */
@Module({})
export class ReadApiModule {
  static forRoot(config: ReadApiConfig): DynamicModule {
    const topics = resolveTopics(config.KAFKA_TOPIC_PREFIX);
    return {
      module: ReadApiModule,
      controllers: [MeterReadingsController, HeldReadingsController, HealthController, MetricsController, OpenApiController],
      providers: [
        healthChecksProvider,
        { provide: READ_API_CONFIG, useValue: config },
        { provide: METRICS, useFactory: () => createMetrics('read-api') },
        {
          provide: EVENT_PUBLISHER,
          useFactory: (metrics: SurgeMetrics): EventPublisher =>
            new PlatformaticEventPublisher({
              brokers: config.KAFKA_BROKERS,
              clientId: config.KAFKA_CLIENT_ID ?? 'read-api',
              deadlineMs: config.KAFKA_ACK_DEADLINE_MS,
              maxBufferedRecords: config.KAFKA_MAX_BUFFERED_RECORDS,
              maxBatchRecords: config.KAFKA_MAX_BATCH_RECORDS,
              lingerMs: config.KAFKA_LINGER_MS,
              maxInFlightRequests: config.KAFKA_MAX_IN_FLIGHT,
              lanes: config.KAFKA_PRODUCER_LANES,
              onFlush: (records, seconds, error) => {
                metrics.kafkaProduceDuration.observe({ topic: topics.meterReadings.name }, seconds);
                if (error) metrics.kafkaProduceFailures.inc({ topic: topics.meterReadings.name, reason: kafkaFailureReason(error) }, records);
                metrics.dependencyUp.set({ dependency: 'kafka' }, error ? 0 : 1);
              },
            }),
          inject: [METRICS],
        },
        {
          provide: CLICKHOUSE,
          useFactory: () =>
            createClickHouse(clickHouseSettingsFrom(config, config.CLICKHOUSE_QUERY_TIMEOUT_MS)),
        },
        {
          provide: REDIS,
          useFactory: async () => {
            const redis = createRequestPathRedis(config.REDIS_URL);
            await redisReady(redis); // give it a moment; if Redis is down we start anyway (fail open)
            return redis;
          },
        },
        authenticatorProvider(config),
        AuthGuard,
        RateLimitGuard,
        IdempotencyInterceptor,
        // The limiter sends the queued writes (receipts, idempotency completions) ahead of each claim, in one round trip.
        { provide: RATE_LIMITER, useFactory: (redis: Redis, writes: RedisWriteBehind) => new RedisRateLimiter(redis, Date.now, 30, writes), inject: [REDIS, RedisWriteBehind] },
        {
          provide: RATE_LIMITS,
          // Readings a minute, single and batch routes together; requests a minute for reads.
          useValue: {
            submit: { customer: config.RATE_LIMIT_SUBMIT_PER_MINUTE, service: config.RATE_LIMIT_COLLECTOR_READINGS_PER_MINUTE },
            read: config.RATE_LIMIT_READ_PER_MINUTE,
          },
        },
        { provide: RedisWriteBehind, useFactory: (redis: Redis) => new RedisWriteBehind(redis), inject: [REDIS] },
        {
          provide: IDEMPOTENCY_STORE,
          useFactory: (redis: Redis, writes: RedisWriteBehind) => new RedisIdempotencyStore(redis, config.IDEMPOTENCY_TTL_SECONDS, 30, writes),
          inject: [REDIS, RedisWriteBehind],
        },
        { provide: RedisReadingReceipts, useFactory: (redis: Redis, writes: RedisWriteBehind) => new RedisReadingReceipts(redis, writes), inject: [REDIS, RedisWriteBehind] },
        {
          provide: ReadingIntakeService,
          useFactory: (p: EventPublisher, receipts: RedisReadingReceipts, metrics: SurgeMetrics) =>
            new ReadingIntakeService(p, topics, receipts, (n) => metrics.readings.inc({ outcome: 'received', reason: 'none' }, n)),
          inject: [EVENT_PUBLISHER, RedisReadingReceipts, METRICS],
        },
        {
          provide: ReadingQueryService,
          useFactory: (ch: ClickHouseClient, receipts: RedisReadingReceipts) => new ReadingQueryService(new ClickHouseMeterReadingRepository(ch), receipts),
          inject: [CLICKHOUSE, RedisReadingReceipts],
        },
        {
          provide: ReadingReviewService,
          useFactory: (ch: ClickHouseClient, p: EventPublisher) =>
            new ReadingReviewService(new ClickHouseMeterReadingRepository(ch), new ClickHouseReadingReviewRepository(ch), p, topics),
          inject: [CLICKHOUSE, EVENT_PUBLISHER],
        },
      ],
    };
  }
}

/** A bounded label: the client's error class, never a message. */
function kafkaFailureReason(error: unknown): string {
  const code = (error as { code?: unknown; cause?: { code?: unknown } })?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' && /^[A-Z_]{3,40}$/.test(code) ? code : 'error';
}
