import type { Redis } from 'ioredis';

export interface RateDecision {
  readonly allowed: boolean;
  readonly retryAfterSeconds: number;
  readonly remaining: number;
}

/**
 * Per-caller budgets, held in Redis so they hold across instances. A call
 * consumes `cost` units (a batch of N readings costs N, so switching routes
 * buys nothing). Fixed one-minute windows: cheap (one round trip) and good
 * enough to stop a runaway client; the global protection is the API's bounded
 * Kafka buffer.
 */
export interface RateLimiter {
  consume(caller: string, limitPerMinute: number, cost?: number): Promise<RateDecision>;
}

/**
 * Check and take in one step, in Redis: a call that does not fit what is left
 * of the window is refused and takes nothing, so a refused batch leaves the
 * budget for the single readings that still fit. Returns [allowed, used].
 */
const CONSUME = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[1])
if used + cost > tonumber(ARGV[2]) then return {0, used} end
used = redis.call('INCRBY', KEYS[1], cost)
redis.call('EXPIRE', KEYS[1], 61)
return {1, used}
`;

type WithConsume = Redis & { surgeRateConsume(key: string, cost: number, limit: number): Promise<[number, number]> };

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: WithConsume;

  constructor(
    redis: Redis,
    private readonly clock: () => number = Date.now,
  ) {
    // EVALSHA after the first call: still one round trip, the script is not resent each time.
    if (!('surgeRateConsume' in redis)) redis.defineCommand('surgeRateConsume', { numberOfKeys: 1, lua: CONSUME });
    this.redis = redis as WithConsume;
  }

  async consume(caller: string, limitPerMinute: number, cost = 1): Promise<RateDecision> {
    const now = this.clock();
    const window = Math.floor(now / 60_000);
    const key = `rl:${caller}:${window}`;
    const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000));
    try {
      const [allowed, used] = await this.redis.surgeRateConsume(key, cost, limitPerMinute);
      return { allowed: allowed === 1, retryAfterSeconds, remaining: Math.max(0, limitPerMinute - Number(used)) };
    } catch {
      // Fail open: Redis being down must not stop customers submitting
      // readings (the read path keeps accepting without Redis).
      return { allowed: true, retryAfterSeconds: 0, remaining: limitPerMinute };
    }
  }
}
