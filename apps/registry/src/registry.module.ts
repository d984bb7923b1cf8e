import { type DynamicModule, Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { AuthGuard } from '@surge/http/auth.guard';
import { authenticatorProvider } from '@surge/http/authenticator.provider';
import { METRICS, MetricsController } from '@surge/http/metrics.controller';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createLogger, type SurgeLogger } from '@surge/observability/logger.factory';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { FlexMembershipIntake } from '@surge/registry/flex-membership.intake';
import { RegistryOutboxRelay } from '@surge/registry/registry-outbox.relay';
import { RegistryService } from '@surge/registry/registry.service';
import { AccountsController } from './accounts.controller';
import { HealthController } from '@surge/observability/health.controller';
import { healthChecksProvider } from './health-checks.provider';
import { OpenApiController } from './openapi.controller';
import type { RegistryConfig } from './registry.config';
import { RegistryRunner } from './registry.runner';
import { LOGGER, MEMBERSHIP_CONSUMER, PG_POOL, PUBLISHER, REGISTRY_CONFIG } from './registry.tokens';
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
        {
          // flex.membership.v1 -> category history (issue 17): its own group, offsets committed after the transaction.
          provide: MEMBERSHIP_CONSUMER,
          useFactory: (logger: SurgeLogger): PlatformaticBatchConsumer | null =>
            config.REGISTRY_FLEX_MEMBERSHIP_ENABLED
              ? new PlatformaticBatchConsumer({
                  brokers: config.KAFKA_BROKERS,
                  clientId: `${config.KAFKA_CLIENT_ID ?? 'registry'}-membership`,
                  groupId: config.REGISTRY_FLEX_MEMBERSHIP_GROUP_ID,
                  topics: [topics.flexMembership.name],
                  maxBatchRecords: config.REGISTRY_FLEX_MEMBERSHIP_BATCH,
                  maxBatchWaitMs: config.REGISTRY_FLEX_MEMBERSHIP_WAIT_MS,
                  retryMinMs: config.REGISTRY_RELAY_RETRY_MIN_MS,
                  retryMaxMs: config.REGISTRY_RELAY_RETRY_MAX_MS,
                  ...(config.KAFKA_GROUP_INSTANCE_ID ? { groupInstanceId: `${config.KAFKA_GROUP_INSTANCE_ID}-membership` } : {}),
                  onBatchFailed: (e, attempt) => logger.warn({ attempt, err: String((e as Error)?.message ?? e) }, 'flexibility category changes not applied yet (PostgreSQL down?); the batch is retried, nothing committed'),
                  onFatal: (e) => {
                    logger.error({ err: String(e) }, 'the membership consumer gave up; exiting for the supervisor to restart it');
                    process.exit(70);
                  },
                })
              : null,
          inject: [LOGGER],
        },
        {
          provide: FlexMembershipIntake,
          useFactory: (pool: Pool, relay: RegistryOutboxRelay, logger: SurgeLogger) =>
            new FlexMembershipIntake(
              pool,
              {
                handled: (outcomes) => logger.info({ outcomes }, 'flexibility membership requests handled'),
                poison: (reason, key) => logger.error({ key, reason }, 'a flex.membership.v1 record is not the contract; skipped'),
              },
              () => relay.nudge(),
            ),
          inject: [PG_POOL, RegistryOutboxRelay, LOGGER],
        },
        authenticatorProvider(config),
        AuthGuard,
        RegistryRunner,
      ],
    };
  }
}
