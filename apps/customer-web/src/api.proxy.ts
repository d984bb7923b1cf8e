import { unavailable } from '@surge/errors/app.error';
import { toResponse } from '@surge/http/app-error.filter';

/**
 * Same-origin reverse proxy from the page's /api/<service>/* to the services.
 * Chosen over CORS: a cross-origin POST with a bearer token and a JSON body
 * costs a preflight round trip per request, on the surge day too; the proxy
 * costs a little CPU here instead (docs/decisions/0007-customer-web.md).
 *
 * Delivery: the proxy adds no retry of its own and never answers 2xx unless the
 * upstream did. An unreachable or slow upstream is 503 DEPENDENCY_UNAVAILABLE
 * with Retry-After, so the page keeps the reading and retries with the same
 * Idempotency-Key (the upstream stores it once).
 */
export interface ProxyRequest {
  readonly method: string;
  readonly path: string; // after the /api/<service> prefix, with the query string
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer | undefined;
}

export interface ProxyResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

const FORWARDED_REQUEST_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'x-correlation-id', 'accept', 'x-api-key'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'retry-after', 'x-correlation-id', 'location'];

export class ApiProxy {
  constructor(
    private readonly upstreams: Readonly<Record<string, string>>,
    private readonly opts: { timeoutMs: number; retryAfterSeconds: number },
  ) {}

  services(): string[] {
    return Object.keys(this.upstreams);
  }

  async forward(service: string, req: ProxyRequest): Promise<ProxyResponse> {
    const base = this.upstreams[service];
    if (!base) return json(404, { error: { code: 'NOT_FOUND', message: `There is no API ${service} here; the page calls /api/read, /api/billing and /api/csat.` } });
    const headers: Record<string, string> = {};
    for (const h of FORWARDED_REQUEST_HEADERS) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    try {
      const res = await fetch(new URL(req.path, base), {
        method: req.method,
        headers,
        ...(req.body && req.body.length > 0 && req.method !== 'GET' && req.method !== 'HEAD' ? { body: req.body } : {}),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
        redirect: 'manual',
      });
      const out: Record<string, string> = { 'cache-control': 'no-store' };
      for (const h of FORWARDED_RESPONSE_HEADERS) {
        const v = res.headers.get(h);
        if (v !== null) out[h] = v;
      }
      return { status: res.status, headers: out, body: Buffer.from(await res.arrayBuffer()) };
    } catch {
      // Status from the catalogue; the wait is this deployment's (UPSTREAM_RETRY_AFTER_SECONDS).
      const refusal = toResponse(
        unavailable('DEPENDENCY_UNAVAILABLE', `The ${service} service did not answer; nothing was confirmed. Retry after ${this.opts.retryAfterSeconds} seconds with the same Idempotency-Key.`, {
          retryAfterSeconds: this.opts.retryAfterSeconds,
        }),
      );
      return json(refusal.status, refusal.body, { 'retry-after': String(refusal.retryAfter) });
    }
  }
}

function json(status: number, body: unknown, extra: Record<string, string> = {}): ProxyResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra }, body: Buffer.from(JSON.stringify(body)) };
}
