import { type DynamicModule, Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { AuthGuard } from '@surge/http/auth.guard';
import { authenticatorProvider } from '@surge/http/authenticator.provider';
import { METRICS, MetricsController } from '@surge/http/metrics.controller';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createLogger, type SurgeLogger } from '@surge/observability/logger.factory';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { RegistryOutboxRelay } from '@surge/registry/registry-outbox.relay';
import { RegistryService } from '@surge/registry/registry.service';
import { AccountsController } from './accounts.controller';
import { HealthController } from '@surge/observability/health.controller';
import { healthChecksProvider } from './health-checks.provider';
import { OpenApiController } from './openapi.controller';
import type { RegistryConfig } from './registry.config';
import { RegistryRunner } from './registry.runner';
import { LOGGER, PG_POOL, PUBLISHER, REGISTRY_CONFIG } from './registry.tokens';
import { TariffsController } from './tariffs.controller';

/** Wiring only: every adapter is built from the validated config here and nowhere else. */
@Module({})
export class RegistryModule {
  static forRoot(config: RegistryConfig, metrics: SurgeMetrics): DynamicModule {
    const topics = resolveTopics(config.KAFKA_TOPIC_PREFIX);
    return {
      module: RegistryModule,
      controllers: [AccountsController, TariffsController, HealthController, MetricsController, OpenApiController],
      providers: [
        healthChecksProvider,
        { provide: REGISTRY_CONFIG, useValue: config },
        { provide: METRICS, useValue: metrics },
        { provide: LOGGER, useFactory: (): SurgeLogger => createLogger('registry', config.LOG_LEVEL) },
        {
          provide: PG_POOL,
          useFactory: (): Pool =>
            createPostgresPool(config.DATABASE_URL, {
              max: config.PG_POOL_MAX,
              applicationName: 'registry',
              onIdleError: () => metrics.dbErrors.inc({ db: 'postgres', operation: 'connection_lost' }),
            }),
        },
        {
          provide: PUBLISHER,
          useFactory: (): EventPublisher =>
            new PlatformaticEventPublisher({
              brokers: config.KAFKA_BROKERS,
              clientId: config.KAFKA_CLIENT_ID ?? 'registry',
              deadlineMs: config.KAFKA_PUBLISH_DEADLINE_MS,
              maxBufferedRecords: config.REGISTRY_RELAY_BATCH * 2,
              maxBatchRecords: config.REGISTRY_RELAY_BATCH,
              lingerMs: 2,
              maxInFlightRequests: 1,
              // One lane: the relay's batch goes out as one ordered stream (compaction keeps the last record per key).
              lanes: 1,
            }),
        },
        {
          provide: RegistryOutboxRelay,
          useFactory: (pool: Pool, publisher: EventPublisher, logger: SurgeLogger) =>
            new RegistryOutboxRelay(
              pool,
              publisher,
              topics.registry.name,
              {
                batchSize: config.REGISTRY_RELAY_BATCH,
                idleMs: config.REGISTRY_RELAY_IDLE_MS,
                coalesceMs: config.REGISTRY_RELAY_COALESCE_MS,
                retryMinMs: config.REGISTRY_RELAY_RETRY_MIN_MS,
                retryMaxMs: config.REGISTRY_RELAY_RETRY_MAX_MS,
              },
              {
                relayed: (n, seconds) => {
                  metrics.sinkBatchSize.observe({ sink: 'registry-kafka' }, n);
                  metrics.sinkWriteDuration.observe({ sink: 'registry-kafka' }, seconds);
                },
                failed: (error, attempt) => {
                  metrics.dbErrors.inc({ db: 'kafka', operation: 'registry_relay' });
                  logger.warn({ attempt, err: String((error as Error)?.message ?? error) }, 'registry events not yet on registry.v1; they stay in the outbox and are retried (changes are committed)');
                },
              },
            ),
          inject: [PG_POOL, PUBLISHER, LOGGER],
        },
        {
          provide: RegistryService,
          useFactory: (pool: Pool, relay: RegistryOutboxRelay) => new RegistryService(pool, { onCommitted: () => relay.nudge() }),
          inject: [PG_POOL, RegistryOutboxRelay],
        },
        authenticatorProvider(config),
        AuthGuard,
        RegistryRunner,
      ],
    };
  }
}
