import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppErrorFilter } from '@surge/http/app-error.filter';
import { registerCorrelationId } from '@surge/http/correlation-id';
import { AUTHENTICATOR } from '@surge/http/auth.guard';
import { PUBLIC_ROUTES, registerHttpEdge } from '@surge/http/http-edge.hooks';
import type { Authenticator } from '@surge/auth/authenticator.service';
import { registerHttpMetrics } from '@surge/observability/http-metrics.hook';
import { createMetrics } from '@surge/observability/metrics.catalog';
import type { BillingConfig } from './billing.config';
import { BillingModule } from './billing.module';

/** The billing HTTP app, initialised but not listening (main.ts listens; tests inject requests). */
export async function createBillingApp(config: BillingConfig): Promise<NestFastifyApplication> {
  const metrics = createMetrics('billing');
  const adapter = new FastifyAdapter({ bodyLimit: 16 * 1024, logger: false, keepAliveTimeout: 65_000 });
  // Hooks before the routes: RED metrics by route template, and the correlation id.
  registerHttpMetrics(adapter.getInstance(), metrics, 'billing', { ignoreRoutes: ['/metrics', '/health/live', '/health/ready'] });
  registerCorrelationId(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(BillingModule.forRoot(config, metrics), adapter, { logger: ['error', 'warn'] });
  // Routes are registered by app.init() below, so the edge's per-route limits apply to them. Billing's bodies
  // (a bill run request) are tiny, and nobody gets one parsed before being authenticated.
  registerHttpEdge(adapter.getInstance(), { defaultBodyLimit: 16 * 1024, authenticator: app.get<Authenticator>(AUTHENTICATOR), publicRoutes: PUBLIC_ROUTES });
  app.useGlobalFilters(
    new AppErrorFilter((e, id) => console.error(JSON.stringify({ level: 'error', service: 'billing', correlationId: id, err: String((e as Error)?.stack ?? e) }))),
  );
  app.enableShutdownHooks();
  await app.init();
  return app;
}
