import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Authenticator } from '@surge/auth/authenticator.service';
import { AppErrorFilter } from '@surge/http/app-error.filter';
import { AUTHENTICATOR } from '@surge/http/auth.guard';
import { registerCorrelationId } from '@surge/http/correlation-id';
import { PUBLIC_ROUTES, registerHttpEdge } from '@surge/http/http-edge.hooks';
import { registerHttpMetrics } from '@surge/observability/http-metrics.hook';
import { createMetrics } from '@surge/observability/metrics.catalog';
import type { FlexibilityConfig } from './flexibility.config';
import { FlexibilityModule } from './flexibility.module';

/** The flexibility HTTP app, initialised but not listening (main.ts listens; tests inject requests). */
export async function createFlexibilityApp(config: FlexibilityConfig): Promise<NestFastifyApplication> {
  const metrics = createMetrics('flexibility');
  const adapter = new FastifyAdapter({ bodyLimit: 64 * 1024, logger: false, keepAliveTimeout: 65_000 });
  registerHttpMetrics(adapter.getInstance(), metrics, 'flexibility', { ignoreRoutes: ['/metrics', '/health/live', '/health/ready'] });
  registerCorrelationId(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(FlexibilityModule.forRoot(config, metrics), adapter, { logger: ['error', 'warn'] });
  // An account with its supply points, meters and registers, or a tariff with its rate periods: 64 KiB is
  // plenty, and nobody gets a body parsed before being authenticated.
  registerHttpEdge(adapter.getInstance(), { defaultBodyLimit: 64 * 1024, authenticator: app.get<Authenticator>(AUTHENTICATOR), publicRoutes: PUBLIC_ROUTES });
  app.useGlobalFilters(
    new AppErrorFilter((e, id) => console.error(JSON.stringify({ level: 'error', service: 'flexibility', correlationId: id, err: String((e as Error)?.stack ?? e) }))),
  );
  app.enableShutdownHooks();
  await app.init();
  return app;
}
