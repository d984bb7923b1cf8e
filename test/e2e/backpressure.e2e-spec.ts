import { issueCustomerToken } from '@surge/auth/token.issuer';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { startPrivateBroker, type PrivateBroker } from '@surge-test/support/kafka-broker.process';
import { testMpan } from '@surge-test/fixtures/reading.stub';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { eventually } from '@surge-test/support/test-env.config';

/**
 * Backpressure, never a lie: with its own broker paused or killed, read-api
 * answers 503 with Retry-After within its deadline and never 2xx; it comes
 * back by itself when the broker does. ClickHouse and Redis are pointed at
 * closed ports throughout: ingestion does not need them to accept readings.
 */
describe('read-api when Kafka stops answering', () => {
  let broker: PrivateBroker;
  let api: RunningService;
  let token: string;
  const mpan = testMpan(77);
  const body = (value: string) => JSON.stringify({ supplyPointId: mpan, meterSerial: 'BP1', registerId: 'S', readAt: '2022-03-31T09:00:00Z', value });

  beforeAll(async () => {
    broker = await startPrivateBroker(19192);
    const keys = await generateDevKeyPair();
    token = await issueCustomerToken(keys.privateKeyPem, { sub: 'c-bp', acc: 'A-BP', sp: [mpan], ms: ['BP1'] }, { issuer: 'i', audience: 'a' });
    api = await startService('read-api', 3410, {
      KAFKA_BROKERS: broker.brokers.join(','),
      CLICKHOUSE_URL: 'http://127.0.0.1:9', // closed: ingestion must not care
      REDIS_URL: 'redis://127.0.0.1:9', // closed: rate limits and idempotency fail open
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: 'i',
      JWT_AUDIENCE: 'a',
      KAFKA_ACK_DEADLINE_MS: '1500',
    });
  });

  afterAll(async () => {
    await api?.stop('SIGKILL');
    await broker?.kill();
  });

  const submit = async (value: string) => {
    const started = Date.now();
    const res = await fetch(`${api.url}/v1/meter-readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body(value),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: Date.now() - started, body: (await res.json()) as { error?: { code: string } } };
  };

  it('accepts while Kafka answers, even with ClickHouse and Redis down', async () => {
    expect((await submit('100')).status).toBe(202);
  });

  it('says so when ClickHouse is down: reading lookups answer 503 + Retry-After, not 500', async () => {
    const res = await fetch(`${api.url}/v1/accounts/A-BP/meter-readings`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('DEPENDENCY_UNAVAILABLE');
  });

  it('answers 503 + Retry-After within the deadline while the broker is paused, then recovers', async () => {
    broker.pause();
    try {
      const results = await Promise.all(['101', '102', '103'].map(submit));
      for (const r of results) {
        expect(r.status).toBe(503);
        expect(r.body.error?.code).toBe('INGEST_UNAVAILABLE');
        expect(Number(r.retryAfter)).toBeGreaterThan(0);
        expect(r.ms).toBeLessThan(5_000);
      }
    } finally {
      broker.resume();
    }
    await eventually(async () => (await submit('104')).status === 202, 60_000, 500);
  });

  it('answers 503 (never 2xx) once the broker is killed, and is no longer ready', async () => {
    await broker.kill();
    const r = await submit('105');
    expect(r.status).toBe(503);
    expect(r.retryAfter).not.toBeNull();
    await eventually(async () => (await fetch(`${api.url}/health/ready`)).status === 503, 30_000, 500);
  });
});
