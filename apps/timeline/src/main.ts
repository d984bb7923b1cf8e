import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Authenticator } from '@surge/auth/authenticator.service';
import { ConfigError } from '@surge/config/config.loader';
import { AppErrorFilter } from '@surge/http/app-error.filter';
import { AUTHENTICATOR } from '@surge/http/auth.guard';
import { registerCorrelationId } from '@surge/http/correlation-id';
import { PUBLIC_ROUTES, registerHttpEdge } from '@surge/http/http-edge.hooks';
import { ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { registerHttpMetrics } from '@surge/observability/http-metrics.hook';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { migratePostgres } from '@surge/postgres/postgres.migrator';
import { timelineTopics } from '@surge/timeline/timeline-topic.map';
import { TIMELINE_PG_MIGRATIONS, TIMELINE_PG_TRACKING_TABLE } from '@surge/timeline/timeline-postgres.migrations';
import { loadTimelineConfig } from './timeline.config';
import { TimelineModule } from './timeline.module';
import { METRICS } from './timeline.tokens';

async function bootstrap(): Promise<void> {
  const config = loadTimelineConfig(process.env);
  if (config.ENSURE_TOPICS) {
    // The topics it consumes, so it can start (and wait) before the services that publish them.
    await ensureTopics(config.KAFKA_BROKERS, timelineTopics(resolveTopics(config.KAFKA_TOPIC_PREFIX)));
  }
  if (config.RUN_MIGRATIONS) {
    const pool = createPostgresPool(config.DATABASE_URL, { max: 1, applicationName: 'timeline-migrate' });
    try {
      await migratePostgres(pool, TIMELINE_PG_MIGRATIONS, TIMELINE_PG_TRACKING_TABLE);
    } finally {
      await pool.end();
    }
  }
  // Only GETs: a small body limit.
  const adapter = new FastifyAdapter({ bodyLimit: 1024, logger: false, keepAliveTimeout: 65_000 });
  const app = await NestFactory.create<NestFastifyApplication>(TimelineModule.forRoot(config), adapter, { logger: ['error', 'warn'] });
  const fastify = app.getHttpAdapter().getInstance();
  registerCorrelationId(fastify);
  registerHttpEdge(fastify, { defaultBodyLimit: 1024, authenticator: app.get<Authenticator>(AUTHENTICATOR), publicRoutes: PUBLIC_ROUTES });
  registerHttpMetrics(fastify, app.get<SurgeMetrics>(METRICS), 'timeline', { ignoreRoutes: ['/metrics', '/health/live', '/health/ready'] });
  app.useGlobalFilters(new AppErrorFilter((e, id) => console.error(JSON.stringify({ level: 'error', service: 'timeline', correlationId: id, err: String((e as Error)?.stack ?? e) }))));
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);
  console.log(JSON.stringify({ level: 'info', service: 'timeline', msg: 'listening', port: config.PORT }));
}

bootstrap().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
