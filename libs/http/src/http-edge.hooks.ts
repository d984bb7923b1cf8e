import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '@surge/auth/authenticator.service';
import type { Principal } from '@surge/auth/principal.model';
import { AppError, validationError } from '@surge/errors/app.error';
import { replyWithError } from './app-error.filter';

export interface HttpEdgeOptions {
  /** Bytes a body may have on any route not listed in `bodyLimits`. */
  readonly defaultBodyLimit: number;
  /** Larger (or smaller) limits by route template, e.g. { '/v1/meter-readings/batch': 1_048_576 }. */
  readonly bodyLimits?: Readonly<Record<string, number>>;
  /** Media types a route takes besides none; every route not listed takes application/json only. */
  readonly mediaTypes?: Readonly<Record<string, readonly string[]>>;
  /**
   * When given, every route except `publicRoutes` is authenticated here, before its body is read or parsed;
   * AuthGuard then uses the principal found here instead of authenticating again.
   */
  readonly authenticator?: Authenticator;
  readonly publicRoutes?: readonly string[];
}

/** Routes any caller may use: probes, metrics scrapes, the API description. */
export const PUBLIC_ROUTES: readonly string[] = ['/health/live', '/health/ready', '/metrics', '/openapi.json'];

type EdgeRequest = FastifyRequest & { principal?: Principal };

/** What an id in a path may look like on every service: the ids we issue, nothing a store could choke on (NUL, control characters). */
const PATH_ID = /^[A-Za-z0-9._~-]{1,128}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const JSON_ONLY: readonly string[] = ['application/json'];

/**
 * The one front door every app registers (read-api, read-sink, billing, csat), after load shedding and the
 * correlation id and before the routes exist. In order, for a request to a known route:
 *   1. path ids and query parameters are checked (400 INVALID_ID / INVALID_QUERY): a NUL byte or a repeated
 *      parameter is the caller's mistake, never a 500 or a 503 from a store that choked on it;
 *   2. a body must be of a media type the route takes (415 UNSUPPORTED_MEDIA_TYPE): form-encoded or text bodies
 *      are never parsed into a reading;
 *   3. the caller is authenticated (401) before a byte of the body is parsed, so an anonymous caller cannot
 *      make us parse megabytes;
 *   4. the body is bounded per route (413 PAYLOAD_TOO_LARGE, enforced by Fastify while reading).
 * Every response, whatever answered it, carries `X-Content-Type-Options: nosniff`.
 */
export function registerHttpEdge(fastify: FastifyInstance, options: HttpEdgeOptions): void {
  const publicRoutes = new Set(options.publicRoutes ?? []);
  fastify.addHook('onRoute', (route) => {
    route.bodyLimit = options.bodyLimits?.[route.url ?? ''] ?? options.defaultBodyLimit;
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('x-content-type-options', 'nosniff');
    done(null, payload);
  });
  fastify.addHook('onRequest', async (request: EdgeRequest, reply) => {
    const route = request.routeOptions.url;
    if (route === undefined) return; // unknown route: the 404 handler answers
    try {
      checkParams(request.params);
      checkQuery(request.query);
      checkMediaType(request, options.mediaTypes?.[route] ?? JSON_ONLY);
      if (options.authenticator && !publicRoutes.has(route)) {
        const apiKey = request.headers['x-api-key'];
        request.principal = await options.authenticator.authenticate(request.headers.authorization, Array.isArray(apiKey) ? apiKey.join(',') : apiKey);
      }
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return sendError(request, reply, error);
    }
  });
}

function checkParams(params: unknown): void {
  if (!params || typeof params !== 'object') return;
  for (const [name, value] of Object.entries(params as Record<string, unknown>)) {
    if (typeof value !== 'string' || !PATH_ID.test(value)) {
      throw validationError('INVALID_ID', `The ${name} in the path is not a valid id: use the id exactly as we gave it (letters, digits, ".", "_", "~" and "-").`, [
        { code: 'INVALID_ID', field: name, message: `${name} must be 1 to 128 letters, digits, ".", "_", "~" or "-".` },
      ]);
    }
  }
}

function checkQuery(query: unknown): void {
  if (!query || typeof query !== 'object') return;
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
    const field = CONTROL.test(name) ? '(query)' : name.slice(0, 64);
    if (Array.isArray(value)) {
      throw validationError('INVALID_QUERY', `Give the query parameter ${field} once; it was repeated.`, [{ code: 'INVALID_QUERY', field, message: `${field} is repeated.` }]);
    }
    if (CONTROL.test(name) || (typeof value === 'string' && CONTROL.test(value))) {
      throw validationError('INVALID_QUERY', `The query parameter ${field} holds control characters (such as %00); remove them.`, [
        { code: 'INVALID_QUERY', field, message: `${field} holds control characters.` },
      ]);
    }
  }
}

function checkMediaType(request: FastifyRequest, accepted: readonly string[]): void {
  const length = request.headers['content-length'];
  const hasBody = request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return;
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!accepted.includes(type)) {
    throw new AppError('unsupported_media_type', 'UNSUPPORTED_MEDIA_TYPE', `Send the body as ${accepted.join(' or ')} with a matching Content-Type header${type ? `; ${type.slice(0, 64)} is not accepted here` : ''}.`);
  }
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  const correlationId = request.headers['x-correlation-id'];
  replyWithError(reply, error, typeof correlationId === 'string' ? correlationId : undefined);
  return reply;
}
