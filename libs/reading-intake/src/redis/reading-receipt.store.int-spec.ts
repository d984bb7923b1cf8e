import { createRequestPathRedis, redisReady } from '@surge/redis/redis.factory';
import { RedisWriteBehind } from '@surge/redis/redis-write-behind';
import { testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { RedisReadingReceipts } from './reading-receipt.store';

/** Real Redis; reading ids are unique per test run so nothing collides. */
describe('reading receipts on Redis', () => {
  const redis = createRequestPathRedis(testEnv.REDIS_URL, 1000);
  beforeAll(() => redisReady(redis));
  afterAll(() => redis.disconnect());

  it('a receipt recorded a moment ago is found at once on the same instance (read-your-writes; regression)', async () => {
    // A client may ask for its reading right after the 202. The receipt waits in the write-behind queue (flushed
    // every 10 ms here, as read-api wires it); the lookup used to reach Redis before it and the API answered 404
    // READING_NOT_FOUND for a reading it had just accepted (CI, new-supplier-onboarding.e2e-spec.ts, 2026-12-04).
    const writes = new RedisWriteBehind(redis, 10);
    const receipts = new RedisReadingReceipts(redis, writes);
    const readingId = uniqueName('rcpt');
    receipts.record(readingId, 'ACC-1', '2026-12-04T20:00:00.000Z');
    await expect(receipts.find(readingId)).resolves.toEqual({ accountId: 'ACC-1', submittedAt: '2026-12-04T20:00:00.000Z' });
    expect(writes.pendingWrites).toBe(0);
  });

  it('an unknown reading has no receipt', async () => {
    const writes = new RedisWriteBehind(redis, 10);
    const receipts = new RedisReadingReceipts(redis, writes);
    await expect(receipts.find(uniqueName('rcpt-none'))).resolves.toBeNull();
  });

  it('Redis unreachable: no receipt (the GET answers 404 until the decision lands, as documented), never an error', async () => {
    const dead = createRequestPathRedis('redis://127.0.0.1:9', 100);
    const receipts = new RedisReadingReceipts(dead, new RedisWriteBehind(dead, 10));
    receipts.record('r-dead', 'ACC-1', '2026-12-04T20:00:00.000Z');
    await expect(receipts.find('r-dead')).resolves.toBeNull();
    dead.disconnect();
  });
});
