import type { Redis } from 'ioredis';

export interface RateDecision {
  readonly allowed: boolean;
  readonly retryAfterSeconds: number;
  readonly remaining: number;
}

/**
 * Per-caller request budgets, held in Redis so they hold across instances.
 * Fixed one-minute windows: cheap (one round trip) and good enough to stop a
 * runaway client; the global protection is the API's bounded Kafka buffer.
 */
export interface RateLimiter {
  consume(caller: string, limitPerMinute: number, cost?: number): Promise<RateDecision>;
}

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly clock: () => number = Date.now,
  ) {}

  async consume(caller: string, limitPerMinute: number, cost = 1): Promise<RateDecision> {
    const now = this.clock();
    const window = Math.floor(now / 60_000);
    const key = `rl:${caller}:${window}`;
    const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000));
    try {
      const res = await this.redis.multi().incrby(key, cost).expire(key, 61).exec();
      const used = Number(res?.[0]?.[1] ?? 0);
      return { allowed: used <= limitPerMinute, retryAfterSeconds, remaining: Math.max(0, limitPerMinute - used) };
    } catch {
      // Fail open: Redis being down must not stop customers submitting
      // readings (the read path keeps accepting without Redis).
      return { allowed: true, retryAfterSeconds: 0, remaining: limitPerMinute };
    }
  }
}
