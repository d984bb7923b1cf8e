import { Redis } from 'ioredis';

/**
 * A Redis client for the request path: commands fail fast (no offline queue,
 * a short command timeout) so an unreachable Redis costs a request
 * milliseconds, and callers fall back instead of waiting.
 */
export function createRequestPathRedis(url: string, commandTimeoutMs = 100): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 0,
    lazyConnect: false,
    // Commands issued in the same event-loop tick (concurrent requests' rate-limit claims and write-behind
    // completions) leave in one socket write: on a busy instance that is several fewer syscalls per
    // request for read-api and Redis alike. Order per connection is unchanged (one pipeline, FIFO).
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', () => undefined); // reported through health; never crash the process
  return redis;
}

/** Resolves when the client is connected, or after `ms` regardless: a start-up must not hang on Redis. */
export function redisReady(redis: Redis, ms = 2000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
