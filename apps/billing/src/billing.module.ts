import { type DynamicModule, Module } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { type BillingComponents, createBilling } from '@surge/billing/billing.factory';
import { BillQueryService } from '@surge/billing/bills/bill-query.service';
import { BillRunService } from '@surge/billing/bill-run/bill-run.service';
import { SettlementService } from '@surge/billing/settlement/settlement.service';
import { clickHouseSettingsFrom, createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { AuthGuard } from '@surge/http/auth.guard';
import { authenticatorProvider } from '@surge/http/authenticator.provider';
import { METRICS, MetricsController } from '@surge/http/metrics.controller';
import { createLogger, type SurgeLogger } from '@surge/observability/logger.factory';
import { createMetrics, type SurgeMetrics } from '@surge/observability/metrics.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { BillRunsController } from './bill-runs.controller';
import { BillsController } from './bills.controller';
import type { BillingConfig } from './billing.config';
import { BillingRunner } from './billing.runner';
import { BILLING, BILLING_CONFIG, CLICKHOUSE, LOGGER, PG_POOL, REDIS } from './billing.tokens';
import { HealthController } from '@surge/observability/health.controller';
import { healthChecksProvider } from './health-checks.provider';
import { OpenApiController } from './openapi.controller';
import { SettlementController } from './settlement.controller';

/** Wiring only: every adapter is built from the validated config here and nowhere else. */
@Module({})
export class BillingModule {
  static forRoot(config: BillingConfig, metrics: SurgeMetrics = createMetrics('billing')): DynamicModule {
    return {
      module: BillingModule,
      controllers: [BillRunsController, BillsController, SettlementController, HealthController, MetricsController, OpenApiController],
      providers: [
        healthChecksProvider,
        { provide: BILLING_CONFIG, useValue: config },
        { provide: METRICS, useValue: metrics },
        { provide: LOGGER, useFactory: (): SurgeLogger => createLogger('billing', config.LOG_LEVEL) },
        {
          provide: PG_POOL,
          useFactory: (): Pool => {
            return createPostgresPool(config.DATABASE_URL, {
              max: config.PG_POOL_MAX,
              applicationName: 'billing',
              onIdleError: () => metrics.dbErrors.inc({ db: 'postgres', operation: 'connection_lost' }),
            });
          },
        },
        {
          provide: CLICKHOUSE,
          useFactory: (): ClickHouseClient =>
            createClickHouse(clickHouseSettingsFrom(config)),
        },
        {
          // Request-path Redis (health checks and enqueuing): a command fails within about a second while Redis
          // is away rather than hanging a request. The worker has its own connections, which wait for Redis.
          provide: REDIS,
          useFactory: (): Redis => {
            const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
            redis.on('error', () => metrics.dbErrors.inc({ db: 'redis', operation: 'connection' }));
            return redis;
          },
        },
        {
          provide: BILLING,
          useFactory: (pool: Pool, ch: ClickHouseClient, redis: Redis, logger: SurgeLogger): BillingComponents =>
            createBilling(
              pool,
              ch,
              {
                redis: { url: config.REDIS_URL, maxRetriesPerRequest: null },
                producerRedis: redis,
                queuePrefix: config.BILLING_QUEUE_PREFIX,
                chunkSize: config.BILLING_CHUNK_SIZE,
                jobAttempts: config.BILLING_JOB_ATTEMPTS,
                jobBackoffMs: config.BILLING_JOB_BACKOFF_MS,
                workerConcurrency: config.BILLING_WORKER_CONCURRENCY,
                lockDurationMs: config.BILLING_LOCK_DURATION_MS,
                historyDays: config.BILLING_HISTORY_DAYS,
                marksRelay: {
                  batchSize: config.BILLING_MARKS_RELAY_BATCH,
                  idleMs: config.BILLING_MARKS_RELAY_IDLE_MS,
                  coalesceMs: config.BILLING_MARKS_RELAY_COALESCE_MS,
                },
              },
              {
                metrics,
                logger,
                marksObserver: {
                  relayed: (_bills, marks, seconds) => {
                    metrics.sinkBatchSize.observe({ sink: 'reading-bills-clickhouse' }, marks);
                    metrics.sinkWriteDuration.observe({ sink: 'reading-bills-clickhouse' }, seconds);
                  },
                  failed: (error, attempt) => {
                    metrics.dbErrors.inc({ db: 'clickhouse', operation: 'billed_readings_relay' });
                    logger.warn(
                      { attempt, err: String((error as Error)?.message ?? error) },
                      'billed-reading marks not yet in ClickHouse; they stay in the outbox and are retried (bills are unaffected)',
                    );
                  },
                },
              },
            ),
          inject: [PG_POOL, CLICKHOUSE, REDIS, LOGGER],
        },
        { provide: BillRunService, useFactory: (b: BillingComponents) => b.runService, inject: [BILLING] },
        { provide: BillQueryService, useFactory: (b: BillingComponents) => b.billQuery, inject: [BILLING] },
        { provide: SettlementService, useFactory: (b: BillingComponents) => b.settlement, inject: [BILLING] },
        authenticatorProvider(config),
        AuthGuard,
        BillingRunner,
      ],
    };
  }
}
