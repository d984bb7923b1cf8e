import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Authenticator } from '@surge/auth/authenticator.service';
import { AppErrorFilter } from '@surge/http/app-error.filter';
import { AUTHENTICATOR } from '@surge/http/auth.guard';
import { registerCorrelationId } from '@surge/http/correlation-id';
import { PUBLIC_ROUTES, registerHttpEdge } from '@surge/http/http-edge.hooks';
import { registerHttpMetrics } from '@surge/observability/http-metrics.hook';
import { createMetrics } from '@surge/observability/metrics.catalog';
import type { FlowIntakeConfig } from './flow-intake.config';
import { FlowIntakeModule } from './flow-intake.module';

const FLOW_ROUTE = '/v1/industry/flows';
/** A flow is sent as its bytes: text/plain as written, or application/octet-stream from tools that know no better. */
const FLOW_MEDIA_TYPES = ['text/plain', 'application/octet-stream'];

/** The flow-intake HTTP app, initialised but not listening (main.ts listens). */
export async function createFlowIntakeApp(config: FlowIntakeConfig): Promise<NestFastifyApplication> {
  const metrics = createMetrics('flow-intake');
  const adapter = new FastifyAdapter({ bodyLimit: 16 * 1024, logger: false, keepAliveTimeout: 65_000 });
  const fastify = adapter.getInstance();
  registerHttpMetrics(fastify, metrics, 'flow-intake', { ignoreRoutes: ['/metrics', '/health/live', '/health/ready'] });
  registerCorrelationId(fastify);
  // The body stays a stream: FlowUploadService spools it to PostgreSQL chunk by chunk and bounds its size
  // itself (413 FLOW_TOO_LARGE), so a large file is never held whole in memory.
  for (const type of FLOW_MEDIA_TYPES) fastify.addContentTypeParser(type, (_request, payload, done) => done(null, payload));
  const app = await NestFactory.create<NestFastifyApplication>(FlowIntakeModule.forRoot(config, metrics), adapter, { logger: ['error', 'warn'] });
  registerHttpEdge(fastify, {
    defaultBodyLimit: 16 * 1024,
    bodyLimits: { [FLOW_ROUTE]: config.FLOW_MAX_BYTES },
    mediaTypes: { [FLOW_ROUTE]: FLOW_MEDIA_TYPES },
    authenticator: app.get<Authenticator>(AUTHENTICATOR),
    publicRoutes: PUBLIC_ROUTES,
  });
  app.useGlobalFilters(
    new AppErrorFilter((e, id) => console.error(JSON.stringify({ level: 'error', service: 'flow-intake', correlationId: id, err: String((e as Error)?.stack ?? e) }))),
  );
  app.enableShutdownHooks();
  await app.init();
  return app;
}
