import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { READING_CLICKHOUSE_MIGRATIONS, READING_CLICKHOUSE_TRACKING_TABLE } from '@surge/reading-store/clickhouse/reading-clickhouse.migrations';
import { clickHouseSettingsFrom, createClickHouse, ensureDatabase } from '@surge/clickhouse/clickhouse.factory';
import { migrateClickHouse } from '@surge/clickhouse/clickhouse.migrator';
import { ConfigError } from '@surge/config/config.loader';
import { AppErrorFilter } from '@surge/http/app-error.filter';
import { registerHttpEdge } from '@surge/http/http-edge.hooks';
import { ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { METRICS } from '@surge/http/metrics.controller';
import { registerHttpMetrics } from '@surge/observability/http-metrics.hook';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { createLogger } from '@surge/observability/logger.factory';
import { loadReadSinkConfig } from './read-sink.config';
import { ReadSinkModule } from './read-sink.module';

async function bootstrap(): Promise<void> {
  const config = loadReadSinkConfig(process.env);
  if (config.ENSURE_TOPICS) await ensureTopics(config.KAFKA_BROKERS, Object.values(resolveTopics(config.KAFKA_TOPIC_PREFIX)));
  if (config.RUN_MIGRATIONS) {
    const settings = clickHouseSettingsFrom(config);
    await ensureDatabase(settings);
    const ch = createClickHouse(settings);
    await migrateClickHouse(ch, READING_CLICKHOUSE_MIGRATIONS, READING_CLICKHOUSE_TRACKING_TABLE);
    await ch.close();
  }
  const app = await NestFactory.create<NestFastifyApplication>(ReadSinkModule.forRoot(config), new FastifyAdapter({ bodyLimit: 1024, logger: false }), { logger: ['error', 'warn'] });
  const logger = createLogger('read-sink', config.LOG_LEVEL);
  app.useGlobalFilters(new AppErrorFilter((err, correlationId) => logger.error({ err, correlationId }, 'unhandled error')));
  // Health and metrics only: no route takes a body, none needs credentials (the port is cluster-internal, see k8s/).
  registerHttpEdge(app.getHttpAdapter().getInstance(), { defaultBodyLimit: 1024 });
  registerHttpMetrics(app.getHttpAdapter().getInstance(), app.get<SurgeMetrics>(METRICS), 'read-sink', { ignoreRoutes: ['/metrics'] });
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);
  logger.info({ port: config.PORT, group: config.KAFKA_GROUP_ID }, 'consuming');
}

bootstrap().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
