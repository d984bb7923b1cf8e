import { type DynamicModule, Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { FlexibilityMemberService } from '@surge/flexibility/flexibility-member.service';
import { FlexibilityOutboxRelay } from '@surge/flexibility/flexibility-outbox.relay';
import { FlexibilityProgrammeService, OpenAdrCatalogue } from '@surge/flexibility/flexibility-programme.service';
import { AuthGuard } from '@surge/http/auth.guard';
import { authenticatorProvider } from '@surge/http/authenticator.provider';
import { METRICS, MetricsController } from '@surge/http/metrics.controller';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { HealthController } from '@surge/observability/health.controller';
import { createLogger, type SurgeLogger } from '@surge/observability/logger.factory';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import type { FlexibilityConfig } from './flexibility.config';
import { FlexibilityRunner } from './flexibility.runner';
import { FLEX_CONFIG, LOGGER, PG_POOL, PUBLISHER } from './flexibility.tokens';
import { healthChecksProvider } from './health-checks.provider';
import { MembersController } from './members.controller';
import { OpenApiController } from './openapi.controller';
import { OpenAdrController } from './openadr.controller';
import { ProgrammesController } from './programmes.controller';

/** Wiring only: every adapter is built from the validated config here and nowhere else. */
@Module({})
export class FlexibilityModule {
  static forRoot(config: FlexibilityConfig, metrics: SurgeMetrics): DynamicModule {
    const topics = resolveTopics(config.KAFKA_TOPIC_PREFIX);
    return {
      module: FlexibilityModule,
      controllers: [MembersController, ProgrammesController, OpenAdrController, HealthController, MetricsController, OpenApiController],
      providers: [
        { provide: FLEX_CONFIG, useValue: config },
        healthChecksProvider,
        { provide: METRICS, useValue: metrics },
        { provide: LOGGER, useFactory: (): SurgeLogger => createLogger('flexibility', config.LOG_LEVEL) },
        {
          provide: PG_POOL,
          useFactory: (): Pool =>
            createPostgresPool(config.DATABASE_URL, {
              max: config.PG_POOL_MAX,
              applicationName: 'flexibility',
              onIdleError: () => metrics.dbErrors.inc({ db: 'postgres', operation: 'connection_lost' }),
            }),
        },
        {
          provide: PUBLISHER,
          useFactory: (): EventPublisher =>
            new PlatformaticEventPublisher({
              brokers: config.KAFKA_BROKERS,
              clientId: config.KAFKA_CLIENT_ID ?? 'flexibility',
              deadlineMs: config.KAFKA_PUBLISH_DEADLINE_MS,
              maxBufferedRecords: config.FLEX_RELAY_BATCH * 2,
              maxBatchRecords: config.FLEX_RELAY_BATCH,
              lingerMs: 2,
              maxInFlightRequests: 1,
              // One lane: the relay's batch goes out as one ordered stream (per-account order is the contract).
              lanes: 1,
            }),
        },
        {
          provide: FlexibilityOutboxRelay,
          useFactory: (pool: Pool, publisher: EventPublisher, logger: SurgeLogger) =>
            new FlexibilityOutboxRelay(
              pool,
              publisher,
              { flexDispatch: topics.flexDispatch.name, flexNotifications: topics.flexNotifications.name, flexEarnedValue: topics.flexEarnedValue.name, flexMembership: topics.flexMembership.name },
              {
                batchSize: config.FLEX_RELAY_BATCH,
                idleMs: config.FLEX_RELAY_IDLE_MS,
                coalesceMs: config.FLEX_RELAY_COALESCE_MS,
                retryMinMs: config.FLEX_RELAY_RETRY_MIN_MS,
                retryMaxMs: config.FLEX_RELAY_RETRY_MAX_MS,
              },
              {
                relayed: (n, seconds) => {
                  metrics.sinkBatchSize.observe({ sink: 'flexibility-kafka' }, n);
                  metrics.sinkWriteDuration.observe({ sink: 'flexibility-kafka' }, seconds);
                },
                failed: (error, attempt) => {
                  metrics.dbErrors.inc({ db: 'kafka', operation: 'flexibility_relay' });
                  logger.warn({ attempt, err: String((error as Error)?.message ?? error) }, 'flexibility facts not yet on flex.*; they stay in the outbox and are retried (the changes are committed)');
                },
              },
            ),
          inject: [PG_POOL, PUBLISHER, LOGGER],
        },
        {
          provide: FlexibilityMemberService,
          useFactory: (pool: Pool, relay: FlexibilityOutboxRelay) => new FlexibilityMemberService(pool, { onCommitted: () => relay.nudge() }),
          inject: [PG_POOL, FlexibilityOutboxRelay],
        },
        {
          provide: FlexibilityProgrammeService,
          useFactory: (pool: Pool, relay: FlexibilityOutboxRelay) => new FlexibilityProgrammeService(pool, { onCommitted: () => relay.nudge() }),
          inject: [PG_POOL, FlexibilityOutboxRelay],
        },
        { provide: OpenAdrCatalogue, useFactory: (pool: Pool) => new OpenAdrCatalogue(pool), inject: [PG_POOL] },
        authenticatorProvider(config),
        AuthGuard,
        FlexibilityRunner,
      ],
    };
  }
}
