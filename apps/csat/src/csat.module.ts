import { type DynamicModule, Module } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool } from 'pg';
import { clickHouseSettingsFrom, createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { AnswerOutboxRelay } from '@surge/csat/answer-outbox.relay';
import { ClickHouseCsatAnalytics, type CsatAnalytics } from '@surge/csat/csat-analytics.repository';
import { CsatReportService } from '@surge/csat/csat-report.service';
import { isSatisfied } from '@surge/csat/csat.calculator';
import { InvitationIntakeService } from '@surge/csat/invitation-intake.service';
import { PgInvitationRepository } from '@surge/csat/invitation.repository';
import { PgSurveyRepository } from '@surge/csat/survey.repository';
import { SurveyService } from '@surge/csat/survey.service';
import { AuthGuard } from '@surge/http/auth.guard';
import { authenticatorProvider } from '@surge/http/authenticator.provider';
import { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { exitForSupervisor } from '@surge/observability/process-exit.handler';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createMetrics, type SurgeMetrics } from '@surge/observability/metrics.catalog';
import { createLogger, type SurgeLogger } from '@surge/observability/logger.factory';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import type { CsatConfig } from './csat.config';
import { CsatReportController } from './csat-report.controller';
import { CsatRunner } from './csat.runner';
import { ANALYTICS, BATCH_CONSUMER, CLICKHOUSE, CSAT_CONFIG, LOGGER, METRICS, PG_POOL } from './csat.tokens';
import { HealthController } from '@surge/observability/health.controller';
import { healthChecksProvider } from './health-checks.provider';
import { OpenApiController } from './openapi.controller';
import { MetricsController } from '@surge/http/metrics.controller';
import { SurveysController } from './surveys.controller';

/** Wiring only: every adapter is built from the validated config here and nowhere else. */
@Module({})
export class CsatModule {
  static forRoot(config: CsatConfig): DynamicModule {
    const topics = resolveTopics(config.KAFKA_TOPIC_PREFIX);
    const clientId = config.KAFKA_CLIENT_ID ?? 'csat';
    return {
      module: CsatModule,
      controllers: [SurveysController, CsatReportController, HealthController, MetricsController, OpenApiController],
      providers: [
        healthChecksProvider,
        { provide: CSAT_CONFIG, useValue: config },
        { provide: METRICS, useFactory: () => createMetrics('csat') },
        { provide: LOGGER, useFactory: () => createLogger('csat', config.LOG_LEVEL) },
        {
          provide: PG_POOL,
          useFactory: (logger: SurgeLogger) => {
            return createPostgresPool(config.DATABASE_URL, {
              max: config.DATABASE_POOL_MAX,
              applicationName: 'csat',
              onIdleError: (error) => logger.warn({ err: error.message }, 'PostgreSQL connection lost (idle or between queries); the next checkout reconnects'),
            });
          },
          inject: [LOGGER],
        },
        {
          provide: CLICKHOUSE,
          useFactory: () =>
            createClickHouse(clickHouseSettingsFrom(config, config.CLICKHOUSE_QUERY_TIMEOUT_MS)),
        },
        { provide: ANALYTICS, useFactory: (ch: ClickHouseClient) => new ClickHouseCsatAnalytics(ch), inject: [CLICKHOUSE] },
        authenticatorProvider(config),
        AuthGuard,
        {
          provide: AnswerOutboxRelay,
          useFactory: (pool: Pool, analytics: CsatAnalytics, metrics: SurgeMetrics, logger: SurgeLogger) =>
            new AnswerOutboxRelay(
              pool,
              analytics,
              { batchSize: config.CSAT_RELAY_BATCH, idleMs: config.CSAT_RELAY_IDLE_MS, coalesceMs: config.CSAT_RELAY_COALESCE_MS, retryMinMs: config.CSAT_RETRY_MIN_MS, retryMaxMs: config.CSAT_RETRY_MAX_MS },
              {
                relayed: (n, seconds) => {
                  metrics.sinkBatchSize.observe({ sink: 'csat-clickhouse' }, n);
                  metrics.sinkWriteDuration.observe({ sink: 'csat-clickhouse' }, seconds);
                },
                failed: (error, attempt) => {
                  metrics.dbErrors.inc({ db: 'clickhouse', operation: 'csat_relay' });
                  logger.warn({ attempt, err: String((error as Error)?.message ?? error) }, 'answers not yet in ClickHouse; they stay in the outbox and are retried');
                },
              },
            ),
          inject: [PG_POOL, ANALYTICS, METRICS, LOGGER],
        },
        {
          provide: SurveyService,
          useFactory: (pool: Pool, relay: AnswerOutboxRelay, metrics: SurgeMetrics) =>
            new SurveyService(new PgSurveyRepository(pool), Date.now, ({ survey, score }) => {
              metrics.csatAnswers.inc({ channel: survey.channel, category: survey.category, outcome: survey.outcome, satisfied: String(isSatisfied(score)) });
              relay.nudge();
            }),
          inject: [PG_POOL, AnswerOutboxRelay, METRICS],
        },
        { provide: CsatReportService, useFactory: (analytics: CsatAnalytics) => new CsatReportService(analytics), inject: [ANALYTICS] },
        {
          provide: InvitationIntakeService,
          useFactory: (pool: Pool, logger: SurgeLogger) =>
            new InvitationIntakeService(
              new PgInvitationRepository(pool, config.CSAT_DEFAULT_CATEGORY),
              { samplingRate: config.CSAT_SAMPLING_RATE, minDaysBetweenInvitations: config.CSAT_MIN_DAYS_BETWEEN_INVITATIONS, ttlHours: config.CSAT_INVITATION_TTL_HOURS },
              {
                invited: (n) => logger.debug({ invited: n }, 'invitations created'),
                skipped: (reason, n) => logger.debug({ reason, skipped: n }, 'interactions not invited'),
                malformed: (record, reason, detail) =>
                  logger.warn({ reason, detail, source: `${record.topic}/${record.partition}/${record.offset}` }, 'malformed reading outcome skipped'),
              },
            ),
          inject: [PG_POOL, LOGGER],
        },
        {
          provide: BATCH_CONSUMER,
          useFactory: (metrics: SurgeMetrics, logger: SurgeLogger) =>
            new PlatformaticBatchConsumer({
              brokers: config.KAFKA_BROKERS,
              clientId,
              groupId: config.CSAT_KAFKA_GROUP_ID,
              topics: [topics.readingAccepted.name, topics.readingRejected.name],
              maxBatchRecords: config.CSAT_MAX_BATCH_RECORDS,
              maxBatchWaitMs: config.CSAT_MAX_BATCH_WAIT_MS,
              retryMinMs: config.CSAT_RETRY_MIN_MS,
              retryMaxMs: config.CSAT_RETRY_MAX_MS,
              groupInstanceId: config.KAFKA_GROUP_INSTANCE_ID,
              sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
              giveUpAfterMs: config.KAFKA_CONSUMER_GIVE_UP_MS,
              onConsumerError: (error, attempt) =>
                logger.warn({ attempt, err: String((error as Error)?.message ?? error) }, 'outcome consumer broken (Kafka unreachable?); rejoining the group'),
              onFatal: (error) => exitForSupervisor(logger, error),
              onBatchFailed: (error, attempt) => {
                if (attempt > 0) metrics.dbErrors.inc({ db: 'postgres', operation: 'csat_invitations' });
                logger.warn({ attempt, err: String((error as Error)?.message ?? error) }, 'outcome batch failed; retrying');
              },
              onLag: (lag) => {
                for (const [key, value] of lag) {
                  const i = key.lastIndexOf(':');
                  metrics.kafkaConsumerLag.set({ group: config.CSAT_KAFKA_GROUP_ID, topic: key.slice(0, i), partition: key.slice(i + 1) }, value);
                }
              },
            }),
          inject: [METRICS, LOGGER],
        },
        CsatRunner,
      ],
    };
  }
}
