import 'reflect-metadata';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from '@surge/config/config.loader';
import { ApiProxy } from '@surge/http/api.proxy';
import { StaticAssetStore } from '@surge/http/static-assets.store';
import { registerHttpMetrics } from '@surge/observability/http-metrics.hook';
import { createMetrics } from '@surge/observability/metrics.catalog';
import { loadServiceWebConfig } from './service-web.config';
import { ServiceWebModule } from './service-web.module';
import { registerServiceWebRoutes } from './service-web.routes';
import { StaffSessionStore } from './staff-session.store';

async function bootstrap(): Promise<void> {
  const config = loadServiceWebConfig(process.env);
  const assets = new StaticAssetStore(config.SERVICE_WEB_PUBLIC_DIR ?? join(__dirname, '..', 'public'));
  const proxy = new ApiProxy({ timeline: config.TIMELINE_URL }, { timeoutMs: config.UPSTREAM_TIMEOUT_MS, retryAfterSeconds: config.UPSTREAM_RETRY_AFTER_SECONDS });
  const sessions = config.SERVICE_WEB_DEV_SIGN_IN ? new StaffSessionStore(config.SERVICE_WEB_SESSION_TTL_SECONDS) : undefined;
  const adapter = new FastifyAdapter({ bodyLimit: 1024, logger: false, keepAliveTimeout: 65_000 });
  const app = await NestFactory.create<NestFastifyApplication>(ServiceWebModule, adapter, { logger: ['error', 'warn'] });
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = createMetrics('service-web');
  registerHttpMetrics(fastify, metrics, 'service-web', { ignoreRoutes: ['/metrics', '/health/live', '/health/ready'] });
  registerServiceWebRoutes(fastify, { assets, proxy, sessions, staffKey: sessions ? config.SERVICE_WEB_DEV_STAFF_KEY : undefined, metrics });
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);
  console.log(JSON.stringify({ level: 'info', service: 'service-web', msg: 'listening', port: config.PORT, devSignIn: sessions !== undefined }));
}

bootstrap().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
