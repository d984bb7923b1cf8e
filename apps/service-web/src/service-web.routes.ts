import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiProxy } from '@surge/http/api.proxy';
import type { StaticAssetStore } from '@surge/http/static-assets.store';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import type { StaffSessionStore } from './staff-session.store';

const PAGE_PATHS = new Set(['/', '/index.html', '/accounts']);

/**
 * The HTTP surface of service-web: the page shell and assets (memory only), the same-origin proxy to the
 * timeline, and the development staff sign-in (when configured). A request with a live staff session goes
 * upstream with the staff API key instead of the session; anything else goes with the caller's own
 * credentials, which is how a customer token that reaches this page is refused by the timeline itself
 * (the search needs timeline:read, another account's timeline is 404).
 */
export function registerServiceWebRoutes(
  fastify: FastifyInstance,
  deps: { assets: StaticAssetStore; proxy: ApiProxy; sessions: StaffSessionStore | undefined; staffKey: string | undefined; metrics: SurgeMetrics },
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
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 }, (_req, body, done) => done(null, body));
    for (const service of deps.proxy.services()) {
      scope.all(`/api/${service}/*`, async (req, reply) => {
        const session = typeof req.headers['x-staff-session'] === 'string' ? req.headers['x-staff-session'] : undefined;
        if (session !== undefined && !deps.sessions?.staffOf(session)) {
          return reply.code(401).send({ error: { code: 'AUTHENTICATION_REQUIRED', message: 'Your staff session has ended; sign in again.' } });
        }
        const headers = { ...req.headers };
        delete headers['x-staff-session'];
        if (session !== undefined && deps.staffKey) {
          delete headers.authorization;
          headers['x-api-key'] = deps.staffKey;
        } else delete headers['x-api-key']; // a browser never names an API key here: only a staff session does
        const res = await deps.proxy.forward(service, { method: req.method, path: req.url.slice(`/api/${service}`.length), headers, body: req.body as Buffer | undefined });
        return reply.code(res.status).headers(res.headers).send(res.body);
      });
    }
  });

  fastify.post('/api/dev/staff-sign-in', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    if (!deps.sessions) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'Development sign-in is off here; sign in with your staff account.' } });
    const result = deps.sessions.open(req.body);
    if ('problem' in result) return reply.code(400).send({ error: { code: 'VALIDATION_FAILED', message: result.problem, issues: [{ code: 'INVALID_FIELD', field: 'staffId', message: result.problem }] } });
    return reply.code(200).send(result);
  });

  fastify.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await deps.metrics.registry.metrics()));
}
