import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { clickHouseSettingsFrom, createClickHouse, ensureDatabase } from '@surge/clickhouse/clickhouse.factory';
import { migrateClickHouse } from '@surge/clickhouse/clickhouse.migrator';
import { ConfigError } from '@surge/config/config.loader';
import { CSAT_CLICKHOUSE_MIGRATIONS, CSAT_CLICKHOUSE_TRACKING_TABLE } from '@surge/csat/csat-clickhouse.migrations';
import { CSAT_PG_MIGRATIONS, CSAT_PG_TRACKING_TABLE } from '@surge/csat/csat-postgres.migrations';
import { AppErrorFilter } from '@surge/http/app-error.filter';
import { registerCorrelationId } from '@surge/http/correlation-id';
import { AUTHENTICATOR } from '@surge/http/auth.guard';
import { PUBLIC_ROUTES, registerHttpEdge } from '@surge/http/http-edge.hooks';
import type { Authenticator } from '@surge/auth/authenticator.service';
import { ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { registerHttpMetrics } from '@surge/observability/http-metrics.hook';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { migratePostgres } from '@surge/postgres/postgres.migrator';
import { loadCsatConfig } from './csat.config';
import { CsatModule } from './csat.module';
import { METRICS } from './csat.tokens';

async function bootstrap(): Promise<void> {
  const config = loadCsatConfig(process.env);
  if (config.ENSURE_TOPICS) {
    // Only the topics CSAT consumes: it can start (and wait for outcomes) while ingestion is not deployed or down.
    const topics = resolveTopics(config.KAFKA_TOPIC_PREFIX);
    await ensureTopics(config.KAFKA_BROKERS, [topics.readingAccepted, topics.readingRejected]);
  }
  if (config.RUN_MIGRATIONS) {
    const pool = createPostgresPool(config.DATABASE_URL, { max: 1, applicationName: 'csat-migrate' });
    try {
      await migratePostgres(pool, CSAT_PG_MIGRATIONS, CSAT_PG_TRACKING_TABLE);
    } finally {
      await pool.end();
    }
    const settings = clickHouseSettingsFrom(config);
    await ensureDatabase(settings);
    const ch = createClickHouse(settings);
    try {
      await migrateClickHouse(ch, CSAT_CLICKHOUSE_MIGRATIONS, CSAT_CLICKHOUSE_TRACKING_TABLE);
    } finally {
      await ch.close();
    }
  }
  // Survey answers are tiny: a small body limit bounds what one request can cost.
  const adapter = new FastifyAdapter({ bodyLimit: 16 * 1024, logger: false, keepAliveTimeout: 65_000 });
  const app = await NestFactory.create<NestFastifyApplication>(CsatModule.forRoot(config), adapter, { logger: ['error', 'warn'] });
  const fastify = app.getHttpAdapter().getInstance();
  registerCorrelationId(fastify);
  registerHttpEdge(fastify, { defaultBodyLimit: 16 * 1024, authenticator: app.get<Authenticator>(AUTHENTICATOR), publicRoutes: PUBLIC_ROUTES });
  registerHttpMetrics(fastify, app.get<SurgeMetrics>(METRICS), 'csat', { ignoreRoutes: ['/metrics', '/health/live', '/health/ready'] });
  app.useGlobalFilters(new AppErrorFilter((e, id) => console.error(JSON.stringify({ level: 'error', service: 'csat', correlationId: id, err: String((e as Error)?.stack ?? e) }))));
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);
  console.log(JSON.stringify({ level: 'info', service: 'csat', msg: 'listening', port: config.PORT }));
}

bootstrap().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
