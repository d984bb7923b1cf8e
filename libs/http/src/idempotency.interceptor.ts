import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor, SetMetadata, UseInterceptors, applyDecorators } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable, tap, catchError, throwError, of } from 'rxjs';
import { principalKey, type Principal } from '@surge/auth/principal.model';
import { conflict, unprocessable, validationError } from '@surge/errors/app.error';
import { hashBody, type BeginResult, type IdempotencyStore } from '@surge/redis/idempotency.store';
import type { IdempotencyClaim } from '@surge/redis/rate-limiter';

export const IDEMPOTENCY_STORE = Symbol('IDEMPOTENCY_STORE');
export const IDEMPOTENT = 'surge:idempotent';
const KEY_FORMAT = /^[A-Za-z0-9._:-]{8,128}$/;

type IdempotentRequest = FastifyRequest & { principal?: Principal; idempotencyClaimed?: { claim: IdempotencyClaim; begin: BeginResult } };

/**
 * Marks a route idempotent by Idempotency-Key. RateLimitGuard sees the mark and claims the key in the same Redis
 * round trip as the rate limit (IdempotencyInterceptor then uses that answer instead of asking Redis again).
 */
export const Idempotent = () => applyDecorators(SetMetadata(IDEMPOTENT, true), UseInterceptors(IdempotencyInterceptor));

/** The request's claim: none (no header), invalid (the interceptor answers 400), or the scope, key and body hash. */
export function idempotencyClaimOf(request: IdempotentRequest): IdempotencyClaim | 'none' | 'invalid' {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return 'none';
  const key = Array.isArray(header) ? header[0] ?? '' : header;
  if (!KEY_FORMAT.test(key)) return 'invalid';
  // The route's template AND its path parameters: on a route such as /v1/held-readings/:id/decision the same
  // key and body for two different readings are two requests, never a replay of the other's answer. Routes
  // without parameters keep the scope they always had (keys already stored stay valid).
  const params = (request.params ?? {}) as Record<string, string>;
  const ids = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
  const scope = `${request.principal ? principalKey(request.principal) : 'anonymous'}:${request.routeOptions?.url ?? request.url}${ids ? `?${ids}` : ''}`;
  return { scope, key, bodyHash: hashBody(request.body) };
}

/** Left by RateLimitGuard when it claimed the key in its round trip. */
export function setClaimed(request: IdempotentRequest, claim: IdempotencyClaim, begin: BeginResult): void {
  request.idempotencyClaimed = { claim, begin };
}

/**
 * `Idempotency-Key`, scoped to the caller and route: the same key and body
 * replays the first success; the same key with another body is 422; a retry
 * while the first is still in flight is 409. Errors are not stored: a 4xx is
 * deterministic anyway, and a 503 must stay retriable.
 *
 * If Redis is unreachable the request proceeds: a duplicate then still
 * carries the reading id derived from the key and is collapsed downstream,
 * so a customer's retry is never double counted, only not replayed verbatim.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(@Inject(IDEMPOTENCY_STORE) private readonly store: IdempotencyStore) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<IdempotentRequest>();
    const claimed = request.idempotencyClaimed;
    const claim = claimed?.claim ?? idempotencyClaimOf(request);
    if (claim === 'none') return next.handle();
    if (claim === 'invalid') {
      return throwError(() =>
        validationError('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 8 to 128 letters, digits or . _ : - (a UUID is ideal).'),
      );
    }
    const { scope, key, bodyHash } = claim;
    const status = (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ?? 200;
    return (claimed ? of(claimed.begin) : from(this.store.begin(scope, key, bodyHash))).pipe(
      mergeMap((begin) => {
        switch (begin.kind) {
          case 'replay':
            return of(begin.response.body);
          case 'mismatch':
            return throwError(() => unprocessable('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body. Use a new key for a new request.'));
          case 'in_flight':
            return throwError(() => conflict('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed. Retry in a few seconds.'));
          default: {
            const tracked = begin.kind === 'started';
            return next.handle().pipe(
              tap((body) => {
                if (tracked) void this.store.complete(scope, key, bodyHash, { status, body });
              }),
              catchError((error: unknown) => {
                if (tracked) void this.store.abandon(scope, key);
                return throwError(() => error);
              }),
            );
          }
        }
      }),
    );
  }
}
