// RED metrics (rate, errors, duration) for a Fastify server, NestJS or not:
//   registerHttpMetrics(app.getHttpAdapter().getInstance(), metrics, 'read-api')
// Register it before the routes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SurgeMetrics } from './metrics.catalog';

/** Route label of requests that matched no route (404s): bounded, unlike their URLs. */
export const UNMATCHED_ROUTE = 'unmatched';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface HttpMetricsOptions {
  /** Route templates not to record (e.g. '/metrics', so scrapes don't count as traffic). */
  readonly ignoreRoutes?: readonly string[];
}

/**
 * The route label is the ROUTE TEMPLATE (`/v1/accounts/:accountId/bills`),
 * never the raw URL: a URL holds ids, and every distinct label value is a new
 * time series. Methods outside the standard set are folded into OTHER for the
 * same reason.
 */
export function httpRouteLabels(request: Pick<FastifyRequest, 'method' | 'routeOptions'>): {
  route: string;
  method: string;
} {
  const method = request.method.toUpperCase();
  return {
    route: request.routeOptions?.url ?? UNMATCHED_ROUTE,
    method: METHODS.has(method) ? method : 'OTHER',
  };
}

export function registerHttpMetrics(
  fastify: FastifyInstance,
  metrics: Pick<SurgeMetrics, 'httpRequests' | 'httpRequestDuration'>,
  service: string,
  options: HttpMetricsOptions = {},
): void {
  const ignored = new Set(options.ignoreRoutes ?? []);
  // onResponse runs after the response is sent; reply.elapsedTime is measured
  // from the request's arrival, so this includes body parsing and validation.
  fastify.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const { route, method } = httpRouteLabels(request);
    if (ignored.has(route)) return;
    metrics.httpRequests.inc({ service, route, method, code: String(reply.statusCode) });
    metrics.httpRequestDuration.observe({ service, route, method }, reply.elapsedTime / 1000);
  });
}
