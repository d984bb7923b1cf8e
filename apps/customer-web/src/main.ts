import 'reflect-metadata';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from '@surge/config/config.loader';
import { registerHttpMetrics } from '@surge/observability/http-metrics.hook';
import { createMetrics } from '@surge/observability/metrics.catalog';
import { ApiProxy } from '@surge/http/api.proxy';
import { loadCustomerWebConfig } from './customer-web.config';
import { CustomerWebModule } from './customer-web.module';
import { registerCustomerWebRoutes } from './customer-web.routes';
import { DevSignInService } from './dev-sign-in.service';
import { StaticAssetStore } from '@surge/http/static-assets.store';

async function bootstrap(): Promise<void> {
  const config = loadCustomerWebConfig(process.env);
  // Loaded before listening: a missing build fails start-up, and no request ever waits on the disk.
  const assets = new StaticAssetStore(config.CUSTOMER_WEB_PUBLIC_DIR ?? join(__dirname, '..', 'public'));
  const proxy = new ApiProxy(
    { read: config.READ_API_URL, billing: config.BILLING_URL, csat: config.CSAT_URL },
    { timeoutMs: config.UPSTREAM_TIMEOUT_MS, retryAfterSeconds: config.UPSTREAM_RETRY_AFTER_SECONDS },
  );
  const devSignIn = config.CUSTOMER_WEB_DEV_SIGN_IN
    ? new DevSignInService(config.JWT_PRIVATE_KEY!, { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.DEV_TOKEN_TTL_SECONDS })
    : undefined;
  const adapter = new FastifyAdapter({ bodyLimit: 16 * 1024, logger: false, keepAliveTimeout: 65_000 });
  const app = await NestFactory.create<NestFastifyApplication>(CustomerWebModule, adapter, { logger: ['error', 'warn'] });
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = createMetrics('customer-web');
  registerHttpMetrics(fastify, metrics, 'customer-web', { ignoreRoutes: ['/metrics', '/health/live', '/health/ready'] });
  registerCustomerWebRoutes(fastify, { assets, proxy, devSignIn, metrics });
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);
  console.log(JSON.stringify({ level: 'info', service: 'customer-web', msg: 'listening', port: config.PORT, devSignIn: devSignIn !== undefined, assets: assets.paths().length }));
}

bootstrap().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
