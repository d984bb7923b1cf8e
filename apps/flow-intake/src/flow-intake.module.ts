import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { type DynamicModule, Module } from '@nestjs/common';
import type { Pool } from 'pg';
import { FlowInboxWatcher } from '@surge/flow-intake/flow-inbox.watcher';
import { FlowOutcomeRecorder } from '@surge/flow-intake/flow-outcome.recorder';
import { FlowProcessor } from '@surge/flow-intake/flow.processor';
import { FlowRepository } from '@surge/flow-intake/flow.repository';
import { FlowStatusService, flowStatusPath } from '@surge/flow-intake/flow-status.service';
import { FlowUploadService } from '@surge/flow-intake/flow-upload.service';
import { RegistryStateFollower } from '@surge/flow-intake/registry-state.follower';
import { HeldReadingReleaser } from '@surge/flow-intake/held-reading.releaser';
import { AuthGuard } from '@surge/http/auth.guard';
import { authenticatorProvider } from '@surge/http/authenticator.provider';
import { METRICS, MetricsController } from '@surge/http/metrics.controller';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { WorkerEventPublisher } from '@surge/kafka/worker-event-publisher';
import { endOffsets } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createLogger, type SurgeLogger } from '@surge/observability/logger.factory';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { exitForSupervisor } from '@surge/observability/process-exit.handler';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import type { FlowIntakeConfig } from './flow-intake.config';
import { FlowIntakeRunner, ProcessorWake } from './flow-intake.runner';
import { FLOW_CONFIG, LOGGER, OUTCOME_CONSUMER, PG_POOL, PUBLISHER } from './flow-intake.tokens';
import { FlowsController } from './flows.controller';
import { HealthController } from '@surge/observability/health.controller';
import { healthChecksProvider } from './health-checks.provider';
import { OpenApiController } from './openapi.controller';

/** Wiring only: every adapter is built from the validated config here and nowhere else. */
@Module({})
export class FlowIntakeModule {
  static forRoot(config: FlowIntakeConfig, metrics: SurgeMetrics): DynamicModule {
    const topics = resolveTopics(config.KAFKA_TOPIC_PREFIX);
    const clientId = config.KAFKA_CLIENT_ID ?? 'flow-intake';
    const processorId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    return {
      module: FlowIntakeModule,
      controllers: [FlowsController, HealthController, MetricsController, OpenApiController],
      providers: [
        { provide: FLOW_CONFIG, useValue: config },
        healthChecksProvider,
        { provide: METRICS, useValue: metrics },
        { provide: LOGGER, useFactory: (): SurgeLogger => createLogger('flow-intake', config.LOG_LEVEL) },
        {
          provide: PG_POOL,
          useFactory: (): Pool =>
            createPostgresPool(config.DATABASE_URL, {
              max: config.PG_POOL_MAX,
              applicationName: 'flow-intake',
              onIdleError: () => metrics.dbErrors.inc({ db: 'postgres', operation: 'connection_lost' }),
            }),
        },
        {
          provide: PUBLISHER,
          useFactory: (): EventPublisher => {
            const options = {
              brokers: config.KAFKA_BROKERS,
              clientId,
              deadlineMs: config.KAFKA_PUBLISH_DEADLINE_MS,
              // The pipelined batches, and the held readings a release publishes beside them.
              maxBufferedRecords: config.FLOW_PROCESSOR_BATCH_READINGS * (config.FLOW_PROCESSOR_PIPELINE + 2),
              // A processor batch (FLOW_PROCESSOR_BATCH_READINGS, 1,000) in about one produce request per lane:
              // the client's per-request work (metadata, request framing) is paid per 1,000 records, not 500.
              maxBatchRecords: 1000,
              lingerMs: 5,
              maxInFlightRequests: 2,
              lanes: 2,
            };
            // The worker's heap holds only the client and the batches in flight.
            return config.FLOW_PUBLISHER_THREAD ? new WorkerEventPublisher({ ...options, resourceLimits: { maxOldGenerationSizeMb: 96 } }) : new PlatformaticEventPublisher(options);
          },
        },
        { provide: FlowRepository, useFactory: (pool: Pool) => new FlowRepository(pool), inject: [PG_POOL] },
        {
          provide: RegistryStateFollower,
          useFactory: (logger: SurgeLogger) =>
            new RegistryStateFollower(
              new PlatformaticBatchConsumer({
                brokers: config.KAFKA_BROKERS,
                clientId: `${clientId}-registry`,
                groupId: RegistryStateFollower.groupId(config.KAFKA_TOPIC_PREFIX),
                topics: [topics.registry.name],
                maxBatchRecords: 1000,
                maxBatchWaitMs: 20,
                retryMinMs: 200,
                retryMaxMs: 10_000,
                sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
                giveUpAfterMs: config.KAFKA_CONSUMER_GIVE_UP_MS,
                onConsumerError: (error, attempt) => logger.warn({ err: error, attempt }, 'registry.v1 consumer broken (Kafka unreachable?); rebuilding'),
                onFatal: (error) => exitForSupervisor(logger, error),
              }),
              () => endOffsets(config.KAFKA_BROKERS, topics.registry),
              (record) => logger.warn({ partition: record.partition, offset: String(record.offset) }, 'undecodable registry.v1 record skipped'),
            ),
          inject: [LOGGER],
        },
        { provide: FlowOutcomeRecorder, useFactory: (flows: FlowRepository) => new FlowOutcomeRecorder(flows), inject: [FlowRepository] },
        {
          provide: OUTCOME_CONSUMER,
          useFactory: (logger: SurgeLogger) =>
            new PlatformaticBatchConsumer({
              brokers: config.KAFKA_BROKERS,
              clientId: `${clientId}-outcomes`,
              groupId: config.KAFKA_GROUP_ID,
              topics: [topics.readingAccepted.name, topics.readingRejected.name],
              maxBatchRecords: 2000,
              maxBatchWaitMs: 200,
              retryMinMs: 200,
              retryMaxMs: 10_000,
              groupInstanceId: config.KAFKA_GROUP_INSTANCE_ID,
              sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
              giveUpAfterMs: config.KAFKA_CONSUMER_GIVE_UP_MS,
              onConsumerError: (error, attempt) => logger.warn({ err: error, attempt }, 'outcome consumer broken (Kafka unreachable?); rebuilding'),
              onBatchFailed: (error, attempt) => logger.warn({ err: String((error as Error)?.message ?? error), attempt }, 'outcomes not recorded (PostgreSQL?); the batch is retried'),
              onFatal: (error) => exitForSupervisor(logger, error),
            }),
          inject: [LOGGER],
        },
        {
          provide: HeldReadingReleaser,
          useFactory: (flows: FlowRepository, publisher: EventPublisher, registry: RegistryStateFollower) => {
            const releaser = new HeldReadingReleaser(flows, publisher, (sp, serial, reg) => registry.register(sp, serial, reg), { topic: topics.meterReadings.name, pageSize: config.FLOW_PROCESSOR_BATCH_READINGS }, (n) =>
              metrics.readings.inc({ outcome: 'received', reason: 'none' }, n),
            );
            registry.onChange((ids) => releaser.registryChanged(ids));
            return releaser;
          },
          inject: [FlowRepository, PUBLISHER, RegistryStateFollower],
        },
        {
          provide: FlowProcessor,
          useFactory: (flows: FlowRepository, publisher: EventPublisher, registry: RegistryStateFollower, releaser: HeldReadingReleaser, logger: SurgeLogger) =>
            new FlowProcessor(
              flows,
              publisher,
              { lookup: (sp, serial, reg) => registry.match(sp, serial, reg), caughtUp: () => registry.caughtUp() },
              { processorId, batchReadings: config.FLOW_PROCESSOR_BATCH_READINGS, leaseMs: config.FLOW_PROCESSOR_LEASE_MS, topic: topics.meterReadings.name, pipelineDepth: config.FLOW_PROCESSOR_PIPELINE, flowsTopic: topics.industryFlows.name },
              {
                published: (n) => metrics.readings.inc({ outcome: 'received', reason: 'none' }, n),
                held: (ids) => releaser.held(ids),
                finished: (flow, state, seconds) => logger.info({ flowId: flow.flowId, fileId: flow.fileId, state, seconds }, 'flow processed'),
              },
            ),
          inject: [FlowRepository, PUBLISHER, RegistryStateFollower, HeldReadingReleaser, LOGGER],
        },
        {
          provide: FlowUploadService,
          useFactory: (pool: Pool, wake: ProcessorWake) => new FlowUploadService(pool, { maxBytes: config.FLOW_MAX_BYTES, chunkBytes: config.FLOW_CHUNK_BYTES, maxConcurrent: config.FLOW_MAX_CONCURRENT_UPLOADS }, () => wake.wake()),
          inject: [PG_POOL, ProcessorWake],
        },
        { provide: FlowStatusService, useFactory: (flows: FlowRepository) => new FlowStatusService(flows), inject: [FlowRepository] },
        {
          provide: FlowInboxWatcher,
          useFactory: (upload: FlowUploadService, logger: SurgeLogger) =>
            config.FLOW_INBOX_DIR
              ? new FlowInboxWatcher(
                  upload,
                  { dir: config.FLOW_INBOX_DIR, owner: `service:${config.FLOW_INBOX_COLLECTOR}`, pollMs: config.FLOW_INBOX_POLL_MS },
                  {
                    taken: (file, outcome, detail) => logger.info({ file, outcome, ...detail }, 'inbox file taken'),
                    failed: (file, error) => logger.warn({ file, err: String((error as Error)?.message ?? error) }, 'inbox file not taken yet; retried on the next pass'),
                  },
                  flowStatusPath,
                )
              : null,
          inject: [FlowUploadService, LOGGER],
        },
        authenticatorProvider(config),
        AuthGuard,
        ProcessorWake,
        FlowIntakeRunner,
      ],
    };
  }
}
