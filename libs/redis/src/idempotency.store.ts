import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisWriteBehind } from './redis-write-behind';

export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
}

export type BeginResult =
  | { readonly kind: 'started' }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'in_flight' }
  | { readonly kind: 'mismatch' }
  /** The store is unreachable: proceed without it (see IdempotencyInterceptor). */
  | { readonly kind: 'unavailable' };

/**
 * Remembers the first response to each (caller, Idempotency-Key) for a TTL.
 * It is a replay cache, not the guarantee against double counting: that is
 * the reading id derived from the key, which downstream deduplicates on.
 */
export interface IdempotencyStore {
  begin(scope: string, key: string, bodyHash: string): Promise<BeginResult>;
  complete(scope: string, key: string, bodyHash: string, response: StoredResponse): Promise<void>;
  /** Forget a key whose request failed retriably, so a retry runs again. */
  abandon(scope: string, key: string): Promise<void>;
}

export const hashBody = (body: unknown): string => createHash('sha256').update(JSON.stringify(body ?? null)).digest('base64url');

interface Entry {
  s: 'in_flight' | 'done';
  h: string;
  r?: StoredResponse;
}

/** The Redis key of (caller and route, Idempotency-Key): shared by this store and the one-round-trip admission. */
export const idempotencyRedisKey = (scope: string, key: string): string => `idem:${scope}:${key}`;

/** The marker a first request leaves while it runs. */
export const inFlightMarker = (bodyHash: string): string => JSON.stringify({ s: 'in_flight', h: bodyHash } satisfies Entry);

/** What an existing entry means for a request with this body: another body, still running, or a replay. */
export function existingEntry(raw: string, bodyHash: string): BeginResult {
  const entry = JSON.parse(raw) as Entry;
  if (entry.h !== bodyHash) return { kind: 'mismatch' };
  if (entry.s === 'in_flight' || !entry.r) return { kind: 'in_flight' };
  return { kind: 'replay', response: entry.r };
}

export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    /** An in-flight marker older than this is treated as abandoned (the instance died mid-request). */
    private readonly inFlightSeconds = 30,
    /**
     * When given, completions are queued here instead of sent alone: they leave with the next claim's round
     * trip (RedisRateLimiter.consumeAndClaim drains it first, on the same connection) or within its flush
     * interval, whichever is sooner, so a retry on this instance still finds the finished response.
     */
    private readonly writes?: RedisWriteBehind,
  ) {}

  async begin(scope: string, key: string, bodyHash: string): Promise<BeginResult> {
    const k = this.redisKey(scope, key);
    // Queued completions go first on the connection, so this claim sees every response finished here.
    if (this.writes && this.writes.pendingWrites > 0) void this.writes.flush();
    try {
      const set = await this.redis.set(k, inFlightMarker(bodyHash), 'EX', this.inFlightSeconds, 'NX');
      if (set === 'OK') return { kind: 'started' };
      const raw = await this.redis.get(k);
      if (!raw) return this.begin(scope, key, bodyHash); // expired between the two calls
      return existingEntry(raw, bodyHash);
    } catch {
      return { kind: 'unavailable' };
    }
  }

  async complete(scope: string, key: string, bodyHash: string, response: StoredResponse): Promise<void> {
    const entry: Entry = { s: 'done', h: bodyHash, r: response };
    if (this.writes) return this.writes.set(this.redisKey(scope, key), JSON.stringify(entry), this.ttlSeconds);
    // Not awaited, but sent on the same connection before any later command,
    // so a retry on this instance always finds the finished response.
    this.redis.set(this.redisKey(scope, key), JSON.stringify(entry), 'EX', this.ttlSeconds).catch(() => undefined);
  }

  async abandon(scope: string, key: string): Promise<void> {
    await this.redis.del(this.redisKey(scope, key)).catch(() => undefined);
  }

  private redisKey(scope: string, key: string): string {
    return idempotencyRedisKey(scope, key);
  }
}
