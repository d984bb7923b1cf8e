import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { FastifyListenOptions } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { AppErrorFilter } from '@surge/http/app-error.filter';
import { registerCorrelationId } from '@surge/http/correlation-id';
import { registerLoadShedding } from '@surge/http/load-shedding';
import { EventLoopLagMonitor } from '@surge/http/event-loop-lag.monitor';
import { EventLoopUtilizationMonitor } from '@surge/http/event-loop-utilization.monitor';
import { PUBLIC_ROUTES, registerHttpEdge } from '@surge/http/http-edge.hooks';
import { AUTHENTICATOR } from '@surge/http/auth.guard';
import type { Authenticator } from '@surge/auth/authenticator.service';
import { ConfigError } from '@surge/config/config.loader';
import { EVENT_PUBLISHER, type EventPublisher } from '@surge/kafka/event-publisher';
import { METRICS } from '@surge/http/metrics.controller';
import { registerHttpMetrics } from '@surge/observability/http-metrics.hook';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { createLogger } from '@surge/observability/logger.factory';
import { loadReadApiConfig } from './read-api.config';
import { ReadApiModule } from './read-api.module';

const BATCH_BODY_LIMIT = 1024 * 1024;

async function bootstrap(): Promise<void> {
  const config = loadReadApiConfig(process.env);
  const logger = createLogger('read-api', config.LOG_LEVEL);
  if (config.ENSURE_TOPICS) await ensureTopics(config.KAFKA_BROKERS, Object.values(resolveTopics(config.KAFKA_TOPIC_PREFIX)));
  const adapter = new FastifyAdapter({ bodyLimit: BATCH_BODY_LIMIT, logger: false, keepAliveTimeout: 65_000 });
  const app = await NestFactory.create<NestFastifyApplication>(ReadApiModule.forRoot(config), adapter, { logger: ['error', 'warn'] });
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get<SurgeMetrics>(METRICS);
  // First hook: shed before any other work is spent on a request we will not take.
  registerLoadShedding(fastify, {
    maxInFlight: config.MAX_IN_FLIGHT_REQUESTS,
    // Beyond capacity the loop falls behind before the in-flight cap is reached (requests wait in socket
    // buffers, unseen): shed on that delay too, so the excess gets a fast 503 rather than a timeout.
    ...(config.MAX_QUEUE_DELAY_MS > 0 ? { maxQueueDelayMs: config.MAX_QUEUE_DELAY_MS, lagMs: lagMonitor(fastify) } : {}),
    // Customers first: the collectors' batches (84% of the readings on the surge day, from machines that retry
    // on Retry-After) are refused while the loop is only a little late, before it is late enough to refuse a
    // customer. The customer's single-reading route and everything else stay critical.
    ...(config.MAX_QUEUE_DELAY_MS > 0 && config.SHEDDABLE_MAX_QUEUE_DELAY_MS > 0
      ? {
          sheddable: {
            routes: ['/v1/meter-readings/batch'],
            maxQueueDelayMs: config.SHEDDABLE_MAX_QUEUE_DELAY_MS,
            maxInFlight: config.SHEDDABLE_MAX_IN_FLIGHT_REQUESTS,
            ...(config.SHEDDABLE_MAX_LOOP_UTILIZATION < 1
              ? { maxLoopUtilization: config.SHEDDABLE_MAX_LOOP_UTILIZATION, loopUtilization: utilizationMonitor(fastify) }
              : {}),
          },
        }
      : {}),
    // Queued where they arrive and worked a few milliseconds a turn, customers first (admission.queue.ts): turns
    // stay short, so new connections are taken within milliseconds, and a request that waited past its
    // criticality's delay limit is refused instead of worked late.
    ...(config.ADMISSION_TURN_BUDGET_MS > 0 && config.MAX_QUEUE_DELAY_MS > 0
      ? {
          admission: {
            turnBudgetMs: config.ADMISSION_TURN_BUDGET_MS,
            maxQueued: config.ADMISSION_MAX_QUEUED,
            maxWaitMs: { critical: config.MAX_QUEUE_DELAY_MS, sheddable: config.SHEDDABLE_MAX_QUEUE_DELAY_MS || config.MAX_QUEUE_DELAY_MS },
          },
        }
      : {}),
    exempt: ['/health/live', '/health/ready', '/metrics'],
    onShed: (reason, criticality) => metrics.httpRequestsShed.inc({ service: 'read-api', reason, criticality }),
  }); // shed 503s are also counted by the RED hook below under their route, so they burn the availability budget
  registerCorrelationId(fastify);
  registerHttpEdge(fastify, {
    // One reading is a few hundred bytes; a batch of MAX_BATCH_ITEMS (1,000) well under 1 MiB.
    defaultBodyLimit: 16 * 1024,
    bodyLimits: { '/v1/meter-readings/batch': BATCH_BODY_LIMIT },
    authenticator: app.get<Authenticator>(AUTHENTICATOR),
    publicRoutes: PUBLIC_ROUTES,
  });
  registerHttpMetrics(fastify, metrics, 'read-api', { ignoreRoutes: ['/metrics', '/health/live', '/health/ready'] });
  app.useGlobalFilters(new AppErrorFilter((err, correlationId) => logger.error({ err, correlationId }, 'unhandled error')));
  app.enableShutdownHooks();
  const publisher = app.get<EventPublisher>(EVENT_PUBLISHER);
  app.getHttpAdapter().getInstance().addHook('onClose', async () => publisher.close());
  // Fastify hands these options to Node's server.listen, which knows reusePort (Node >= 22.12) though Fastify's types do not yet.
  const listenOptions: FastifyListenOptions & { reusePort?: boolean } = {
    port: config.PORT,
    host: config.HOST,
    reusePort: config.HTTP_REUSE_PORT,
    backlog: config.HTTP_LISTEN_BACKLOG,
  };
  await app.listen(listenOptions);
  logger.info({ port: config.PORT, host: config.HOST }, 'listening');
}

function utilizationMonitor(fastify: { addHook(name: 'onClose', hook: () => Promise<void>): unknown }): () => number {
  const monitor = new EventLoopUtilizationMonitor();
  fastify.addHook('onClose', async () => monitor.stop());
  return () => monitor.utilization();
}

function lagMonitor(fastify: { addHook(name: 'onClose', hook: () => Promise<void>): unknown }): () => number {
  const monitor = new EventLoopLagMonitor();
  fastify.addHook('onClose', async () => monitor.stop());
  return () => monitor.lagMs();
}

bootstrap().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
