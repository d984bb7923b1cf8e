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
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', () => undefined); // reported through health; never crash the process
  return redis;
}
