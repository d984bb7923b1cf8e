import { createRequestPathRedis, redisReady } from './redis.factory';
import { RedisIdempotencyStore } from './idempotency.store';
import { RedisWriteBehind } from './redis-write-behind';
import { RedisRateLimiter } from './rate-limiter';
import { testEnv, uniqueName } from '@surge-test/support/test-env.config';

/** Real Redis; keys are namespaced per test run so nothing collides. */
describe('request-path stores on Redis', () => {
  const redis = createRequestPathRedis(testEnv.REDIS_URL, 1000);
  beforeAll(() => redisReady(redis));
  afterAll(() => redis.disconnect());

  it('idempotency: first begins, a concurrent retry is in flight, a finished one replays, another body mismatches', async () => {
    const store = new RedisIdempotencyStore(redis, 60);
    const scope = uniqueName('scope');
    expect(await store.begin(scope, 'k1', 'h1')).toEqual({ kind: 'started' });
    expect(await store.begin(scope, 'k1', 'h1')).toEqual({ kind: 'in_flight' });
    expect(await store.begin(scope, 'k1', 'h2')).toEqual({ kind: 'mismatch' });
    await store.complete(scope, 'k1', 'h1', { status: 202, body: { readingId: 'r1' } });
    expect(await store.begin(scope, 'k1', 'h1')).toEqual({ kind: 'replay', response: { status: 202, body: { readingId: 'r1' } } });
    // Same key, another caller: independent.
    expect(await store.begin(`${scope}-other`, 'k1', 'h2')).toEqual({ kind: 'started' });
    // A retriable failure forgets the key so a retry runs again.
    await store.abandon(`${scope}-other`, 'k1');
    expect(await store.begin(`${scope}-other`, 'k1', 'h2')).toEqual({ kind: 'started' });
  });

  it('rate limit: counts per caller per minute across instances and says when to retry', async () => {
    const fixed = () => 1_699_999_990_000; // 10 s into a minute (28,333,333 whole minutes + 10 s)
    const a = new RedisRateLimiter(redis, fixed);
    const second = createRequestPathRedis(testEnv.REDIS_URL, 1000); // a second API instance
    await redisReady(second);
    const b = new RedisRateLimiter(second, fixed);
    const caller = uniqueName('caller');
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push(await a.consume(caller, 4));
    decisions.push(await b.consume(caller, 4));
    decisions.push(await b.consume(caller, 4));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, false]);
    expect(decisions[4]!.retryAfterSeconds).toBe(50);
    second.disconnect();
  });

  it('rate limit counts units, not calls: a batch that does not fit is refused whole and takes nothing (regression)', async () => {
    const limiter = new RedisRateLimiter(redis, () => 1_699_999_990_000);
    const caller = uniqueName('readings');
    expect(await limiter.consume(caller, 120, 100)).toMatchObject({ allowed: true, remaining: 20 });
    // 1,000 readings at once do not fit in the 20 left: refused, and the 20 are still there for single readings.
    expect(await limiter.consume(caller, 120, 1000)).toMatchObject({ allowed: false, remaining: 20, retryAfterSeconds: 50 });
    for (let i = 0; i < 20; i++) expect((await limiter.consume(caller, 120)).allowed).toBe(true);
    expect(await limiter.consume(caller, 120)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it('one round trip: consumeAndClaim takes the budget and claims the key together, with the store\'s answers', async () => {
    const limiter = new RedisRateLimiter(redis, () => 1_699_999_990_000);
    const store = new RedisIdempotencyStore(redis, 60);
    const caller = uniqueName('admit');
    const scope = uniqueName('admit-scope');
    const claim = { scope, key: 'k1', bodyHash: 'h1' };
    expect(await limiter.consumeAndClaim(caller, 3, 1, claim)).toEqual({ decision: { allowed: true, remaining: 2, retryAfterSeconds: 50 }, begin: { kind: 'started' } });
    expect((await limiter.consumeAndClaim(caller, 3, 1, claim)).begin).toEqual({ kind: 'in_flight' });
    expect((await limiter.consumeAndClaim(caller, 3, 1, { ...claim, bodyHash: 'h2' })).begin).toEqual({ kind: 'mismatch' });
    // Out of budget: refused, and nothing claimed (another key stays free).
    expect(await limiter.consumeAndClaim(caller, 3, 1, { ...claim, key: 'k2' })).toEqual({ decision: { allowed: false, remaining: 0, retryAfterSeconds: 50 } });
    expect(await store.begin(scope, 'k2', 'h1')).toEqual({ kind: 'started' });
    // The store's completion is what a claim replays.
    await store.complete(scope, 'k1', 'h1', { status: 202, body: { readingId: 'r1' } });
    expect((await limiter.consumeAndClaim(uniqueName('admit'), 3, 1, claim)).begin).toEqual({ kind: 'replay', response: { status: 202, body: { readingId: 'r1' } } });
  });

  it('completions queued behind the request path are in Redis before the next claim on this instance (one round trip)', async () => {
    const writes = new RedisWriteBehind(redis, 60_000); // a flush interval far longer than the test: only the claim sends them
    const limiter = new RedisRateLimiter(redis, () => 1_699_999_990_000, 30, writes);
    const store = new RedisIdempotencyStore(redis, 60, 30, writes);
    const scope = uniqueName('queued');
    const claim = { scope, key: 'k1', bodyHash: 'h1' };
    expect((await limiter.consumeAndClaim(uniqueName('c'), 100, 1, claim)).begin).toEqual({ kind: 'started' });
    await store.complete(scope, 'k1', 'h1', { status: 202, body: { readingId: 'r1' } });
    writes.set(`${scope}:receipt`, 'r', 60);
    expect(writes.pendingWrites).toBe(2);
    // The retry right after the answer: replayed, not 409 in flight.
    expect((await limiter.consumeAndClaim(uniqueName('c'), 100, 1, claim)).begin).toEqual({ kind: 'replay', response: { status: 202, body: { readingId: 'r1' } } });
    expect(writes.pendingWrites).toBe(0);
    expect(await redis.get(`${scope}:receipt`)).toBe('r');
    // The store's own begin drains them too.
    await store.complete(scope, 'k2', 'h1', { status: 202, body: { readingId: 'r2' } });
    expect(await store.begin(scope, 'k2', 'h1')).toEqual({ kind: 'replay', response: { status: 202, body: { readingId: 'r2' } } });
  });

  it('write-behind coalesces receipts into pipelines and lands them', async () => {
    const writes = new RedisWriteBehind(redis, 5);
    const key = uniqueName('wb');
    for (let i = 0; i < 100; i++) writes.set(`${key}:${i}`, String(i), 60);
    await writes.flush();
    expect(await redis.get(`${key}:99`)).toBe('99');
  });

  it('fails open when Redis is unreachable: submissions must not depend on it', async () => {
    const dead = createRequestPathRedis('redis://127.0.0.1:9', 100);
    await new Promise((r) => setTimeout(r, 100));
    expect((await new RedisRateLimiter(dead).consume('x', 1)).allowed).toBe(true);
    expect(await new RedisIdempotencyStore(dead, 60).begin('s', 'k', 'h')).toEqual({ kind: 'unavailable' });
    expect(await new RedisRateLimiter(dead).consumeAndClaim('x', 1, 1, { scope: 's', key: 'k', bodyHash: 'h' })).toMatchObject({ decision: { allowed: true }, begin: { kind: 'unavailable' } });
    dead.disconnect();
  });
});
