import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalKey, type Principal } from '@surge/auth/principal';
import { rateLimited } from '@surge/errors/app.error';
import type { RateLimiter } from './rate-limiter';

export const RATE_LIMITER = Symbol('RATE_LIMITER');
export const RATE_LIMITS = Symbol('RATE_LIMITS');
const BUCKET = 'surge:rate-limit-bucket';

/** Requests a minute per caller, per bucket (e.g. { submit: 120, batch: 600 }). */
export type RateLimits = Readonly<Record<string, number>>;

/** Marks a route with the bucket its calls are counted in. */
export const RateLimit = (bucket: string) => SetMetadata(BUCKET, bucket);

/** Runs after AuthGuard: counts the caller's request in Redis, 429 with Retry-After past the budget. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
    @Inject(RATE_LIMITS) private readonly limits: RateLimits,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const bucket = this.reflector.get<string | undefined>(BUCKET, context.getHandler());
    const limit = bucket ? this.limits[bucket] : undefined;
    if (!bucket || !limit) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { principal?: Principal }>();
    if (!request.principal) return true;
    const decision = await this.limiter.consume(`${bucket}:${principalKey(request.principal)}`, limit);
    void http.getResponse<FastifyReply>().header('x-ratelimit-remaining', String(decision.remaining));
    if (!decision.allowed) {
      throw rateLimited(`Too many requests: at most ${limit} a minute. Retry in ${decision.retryAfterSeconds} s.`, decision.retryAfterSeconds);
    }
    return true;
  }
}
