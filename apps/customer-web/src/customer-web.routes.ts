import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiProxy } from '@surge/http/api.proxy';
import type { DevSignInService } from './dev-sign-in.service';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { recordPageTimings } from './page-timing.metrics';
import type { StaticAssetStore } from '@surge/http/static-assets.store';

/** Client-side routes of the single page: each answers the same shell. */
const PAGE_PATHS = new Set(['/', '/index.html', '/readings', '/bills', '/sign-in']);

/**
 * The HTTP surface of customer-web, on the Fastify instance under Nest: static shell and assets (memory
 * only), the same-origin API proxy, the dev sign-in (when configured) and the page-timing beacon.
 */
export function registerCustomerWebRoutes(
  fastify: FastifyInstance,
  deps: { assets: StaticAssetStore; proxy: ApiProxy; devSignIn: DevSignInService | undefined; metrics: SurgeMetrics },
): void {
  fastify.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });

  const serve = (req: FastifyRequest, reply: FastifyReply, path: string) => {
    const asset = deps.assets.get(path);
    if (!asset) return reply.code(404).type('application/json').send({ error: { code: 'NOT_FOUND', message: 'There is no such page; start from /.' } });
    reply.header('content-type', asset.contentType).header('etag', asset.etag).header('vary', 'accept-encoding');
    reply.header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (asset.contentType.startsWith('text/html')) {
      // The shell runs only our own script and talks only to its own origin.
      reply.header('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
      reply.header('referrer-policy', 'no-referrer');
    }
    if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    const accept = String(req.headers['accept-encoding'] ?? '');
    if (asset.brotli && /\bbr\b/.test(accept)) return reply.header('content-encoding', 'br').send(asset.brotli);
    if (asset.gzip && /\bgzip\b/.test(accept)) return reply.header('content-encoding', 'gzip').send(asset.gzip);
    return reply.send(asset.body);
  };

  for (const p of PAGE_PATHS) fastify.get(p, (req, reply) => serve(req, reply, '/index.html'));
  fastify.get('/assets/*', (req, reply) => serve(req, reply, req.url.split('?')[0]!));

  fastify.register(async (scope) => {
    // The proxy passes bodies through as bytes: the upstream parses and validates them (one set of rules).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 16 * 1024 }, (_req, body, done) => done(null, body));
    for (const service of deps.proxy.services()) {
      scope.all(`/api/${service}/*`, async (req, reply) => {
        const path = req.url.slice(`/api/${service}`.length);
        const res = await deps.proxy.forward(service, { method: req.method, path, headers: req.headers, body: req.body as Buffer | undefined });
        return reply.code(res.status).headers(res.headers).send(res.body);
      });
    }
  });

  fastify.post('/api/dev/sign-in', async (req, reply) => {
    if (!deps.devSignIn) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'Development sign-in is off here; sign in with your supplier account.' } });
    const result = await deps.devSignIn.signIn(req.body);
    reply.header('cache-control', 'no-store');
    if ('problem' in result) return reply.code(400).send({ error: { code: 'VALIDATION_FAILED', message: result.problem, issues: [{ code: 'VALIDATION_FAILED', field: result.field, message: result.problem }] } });
    return reply.code(200).send(result);
  });

  fastify.post('/api/telemetry/page-timings', async (req, reply) => {
    if (!recordPageTimings(deps.metrics, req.body)) return reply.code(400).send({ error: { code: 'VALIDATION_FAILED', message: 'A beacon is {page, timings: [{metric, ms}]} with known pages and metrics.' } });
    return reply.code(204).send();
  });

  fastify.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await deps.metrics.registry.metrics()));
}
