import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalKey, type Principal } from '@surge/auth/principal.model';
import { rateLimited } from '@surge/errors/app.error';
import { IDEMPOTENT, idempotencyClaimOf, setClaimed } from './idempotency.interceptor';
import type { RateDecision, RateLimiter } from '@surge/redis/rate-limiter';

export const RATE_LIMITER = Symbol('RATE_LIMITER');
export const RATE_LIMITS = Symbol('RATE_LIMITS');
const BUCKET = 'surge:rate-limit-bucket';
const COST = 'surge:rate-limit-cost';

/** Units a minute per caller, per bucket: one number for everyone, or one for customers and one for API keys. */
export type RateLimits = Readonly<Record<string, number | { readonly customer: number; readonly service: number }>>;

/** How many units a request consumes, from its parsed body (1 when not given). */
export type RateCost = (body: unknown) => number;

/**
 * Marks a route with the bucket its calls are counted in. Routes sharing a bucket share one budget: the single
 * and the batch submission both count readings in `submit`, so a customer cannot switch routes to go faster.
 */
export const RateLimit = (bucket: string, cost?: RateCost) => applyDecorators(SetMetadata(BUCKET, bucket), ...(cost ? [SetMetadata(COST, cost)] : []));

/**
 * Runs after AuthGuard (after the body is parsed, which the edge bounds and authenticates first): takes the
 * request's cost from the caller's budget in Redis in one round trip (which on an @Idempotent route also claims
 * the Idempotency-Key); past the budget, 429 with Retry-After and
 * nothing is taken or done. Fails open with Redis (see RedisRateLimiter).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
    @Inject(RATE_LIMITS) private readonly limits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const bucket = this.reflector.get<string | undefined>(BUCKET, context.getHandler());
    const configured = bucket ? this.limits[bucket] : undefined;
    if (!bucket || !configured) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { principal?: Principal }>();
    if (!request.principal) return true;
    const limit = typeof configured === 'number' ? configured : configured[request.principal.kind];
    const costOf = this.reflector.get<RateCost | undefined>(COST, context.getHandler());
    const cost = costOf ? costOf(request.body) : 1;
    if (cost <= 0) return true; // nothing to count: the handler refuses the request (e.g. an oversized batch is 400)
    const caller = `${bucket}:${principalKey(request.principal)}`;
    // An idempotent route's key is claimed in the same round trip (only when the budget allows: a refused
    // request claims nothing, as when the interceptor claimed it after this guard).
    const claim = this.limiter.consumeAndClaim && this.reflector.get<boolean | undefined>(IDEMPOTENT, context.getHandler()) ? idempotencyClaimOf(request) : 'none';
    let decision: RateDecision;
    if (typeof claim === 'object' && this.limiter.consumeAndClaim) {
      const admitted = await this.limiter.consumeAndClaim(caller, limit, cost, claim);
      decision = admitted.decision;
      if (admitted.begin) setClaimed(request, claim, admitted.begin);
    } else {
      decision = await this.limiter.consume(caller, limit, cost);
    }
    void http.getResponse<FastifyReply>().header('x-ratelimit-remaining', String(decision.remaining));
    if (!decision.allowed) {
      const message =
        cost > limit
          ? `This request carries ${cost} readings, more than your budget of ${limit} a minute; send at most ${limit} at a time.`
          : cost > 1
            ? `Too many requests: at most ${limit} a minute, single and batch together; this one needs ${cost} and ${decision.remaining} are left. Nothing was taken; retry in ${decision.retryAfterSeconds} s.`
            : `Too many requests: at most ${limit} a minute. Retry in ${decision.retryAfterSeconds} s.`;
      throw rateLimited(message, decision.retryAfterSeconds);
    }
    return true;
  }
}
