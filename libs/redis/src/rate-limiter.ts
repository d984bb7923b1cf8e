import type { ChainableCommander, Redis } from 'ioredis';
import { existingEntry, idempotencyRedisKey, inFlightMarker, type BeginResult } from './idempotency.store';
import type { RedisWriteBehind } from './redis-write-behind';

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
  /**
   * consume, and when allowed also claim an Idempotency-Key (IdempotencyStore.begin's answer) in the same step:
   * the submit path's Redis state in one round trip. Refused: nothing taken, nothing claimed, no `begin`.
   */
  consumeAndClaim?(caller: string, limitPerMinute: number, cost: number, claim: IdempotencyClaim): Promise<{ decision: RateDecision; begin?: BeginResult }>;
}

export interface IdempotencyClaim {
  readonly scope: string;
  readonly key: string;
  readonly bodyHash: string;
}

/**
 * Check and take in one step, in Redis: a call that does not fit what is left
 * of the window is refused and takes nothing, so a refused batch leaves the
 * budget for the single readings that still fit. Refused, it returns [0, used];
 * allowed, it goes on with `used` taken (the scripts below say what they return).
 */
const TAKE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[1])
if used + cost > tonumber(ARGV[2]) then return {0, used} end
used = redis.call('INCRBY', KEYS[1], cost)
redis.call('EXPIRE', KEYS[1], 61)
`;

/** TAKE alone. Returns [allowed, used]. */
const CONSUME = `${TAKE}return {1, used}
`;

/**
 * TAKE, then (only when allowed) IdempotencyStore.begin's SET NX and, when the key exists, its entry, in one
 * script: one round trip instead of two on every submission with a key. Atomic, so the entry cannot expire
 * between the SET NX and the GET. Returns [allowed, used] or [1, used, existingEntry].
 * Both keys are the caller's; on a Redis Cluster they would need a shared hash tag (today Redis is one node).
 */
const CONSUME_AND_CLAIM = `${TAKE}if redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4], 'NX') then return {1, used} end
return {1, used, redis.call('GET', KEYS[2])}
`;

type WithConsume = Redis & {
  surgeRateConsume(key: string, cost: number, limit: number): Promise<[number, number]>;
  surgeRateConsumeAndClaim(key: string, idemKey: string, cost: number, limit: number, marker: string, inFlightSeconds: number): Promise<[number, number, (string | null)?]>;
};

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: WithConsume;

  constructor(
    redis: Redis,
    private readonly clock: () => number = Date.now,
    /** An in-flight idempotency marker older than this is treated as abandoned (as RedisIdempotencyStore). */
    private readonly inFlightSeconds = 30,
    /** Writes queued behind the request path (receipts, idempotency completions): sent ahead of each claim. */
    private readonly writes?: RedisWriteBehind,
  ) {
    // EVALSHA after the first call: still one round trip, the script is not resent each time.
    if (!('surgeRateConsume' in redis)) redis.defineCommand('surgeRateConsume', { numberOfKeys: 1, lua: CONSUME });
    if (!('surgeRateConsumeAndClaim' in redis)) redis.defineCommand('surgeRateConsumeAndClaim', { numberOfKeys: 2, lua: CONSUME_AND_CLAIM });
    this.redis = redis as WithConsume;
  }

  async consumeAndClaim(caller: string, limitPerMinute: number, cost: number, claim: IdempotencyClaim): Promise<{ decision: RateDecision; begin?: BeginResult }> {
    const { key, retryAfterSeconds } = this.window(caller);
    try {
      const args = [key, idempotencyRedisKey(claim.scope, claim.key), cost, limitPerMinute, inFlightMarker(claim.bodyHash), this.inFlightSeconds] as const;
      let reply: [number, number, (string | null)?];
      if (this.writes && this.writes.pendingWrites > 0) {
        // The queued writes ride in the same pipeline, before the claim: one write to the socket, and a completion
        // queued on this instance is in Redis before any later claim of its key is evaluated.
        const pipeline = this.writes.drainInto(this.redis.pipeline()) as ChainableCommander & { surgeRateConsumeAndClaim(...a: typeof args): ChainableCommander };
        const results = await pipeline.surgeRateConsumeAndClaim(...args).exec();
        const [error, value] = results?.[results.length - 1] ?? [new Error('no reply')];
        if (error) throw error;
        reply = value as typeof reply;
      } else {
        reply = await this.redis.surgeRateConsumeAndClaim(...args);
      }
      const [allowed, used, raw] = reply;
      const decision = { allowed: allowed === 1, retryAfterSeconds, remaining: Math.max(0, limitPerMinute - Number(used)) };
      if (!decision.allowed) return { decision };
      return { decision, begin: typeof raw === 'string' ? existingEntry(raw, claim.bodyHash) : { kind: 'started' } };
    } catch {
      // Fail open on both, as consume and RedisIdempotencyStore.begin do.
      return { decision: { allowed: true, retryAfterSeconds: 0, remaining: limitPerMinute }, begin: { kind: 'unavailable' } };
    }
  }

  private window(caller: string): { key: string; retryAfterSeconds: number } {
    const now = this.clock();
    const window = Math.floor(now / 60_000);
    return { key: `rl:${caller}:${window}`, retryAfterSeconds: Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000)) };
  }

  async consume(caller: string, limitPerMinute: number, cost = 1): Promise<RateDecision> {
    const { key, retryAfterSeconds } = this.window(caller);
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
