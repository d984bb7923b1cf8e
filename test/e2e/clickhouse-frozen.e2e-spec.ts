import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { startPrivateClickHouse, type PrivateClickHouse } from '@surge-test/support/clickhouse-server.process';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { testMpan } from '@surge-test/fixtures/reading.stub';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';

/**
 * Issue 11, item 3: with ClickHouse frozen (SIGSTOP) every /health/ready
 * stayed 200, reading lookups answered 503 only after 30 s and GET /v1/csat
 * answered 500 after 30 s. A dependency that does not answer is detected
 * within a probe (~1 s), reported by readiness (read-sink unready: it cannot
 * store; read-api and csat report it but stay ready, as submissions and
 * survey answers do not need it), and callers get 503 + Retry-After within
 * the interactive timeout (4 s), never a 500. A private ClickHouse is frozen,
 * never the shared one.
 */
describe('a frozen ClickHouse', () => {
  const database = uniqueName('e2e_chfrozen');
  const prefix = `${uniqueName('e2e_chfrozen')}.`;
  const staffKey = 'e2e-chfrozen-staff-key-0123456789';
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  const pgUrl = new URL(testEnv.DATABASE_URL);
  pgUrl.pathname = `/${database}`;
  const mpan = testMpan(4242);
  let ch: PrivateClickHouse;
  let api: RunningService | undefined;
  let sink: RunningService | undefined;
  let csat: RunningService | undefined;
  let token: string;

  beforeAll(async () => {
    ch = await startPrivateClickHouse(19210);
    const keys = await generateDevKeyPair();
    token = await issueCustomerToken(keys.privateKeyPem, { sub: 'c-chf', acc: 'A-CHF', sp: [mpan], ms: ['CHF1'] }, { issuer: 'i', audience: 'a' });
    await ensurePostgresDatabase(admin, database);
    const env = {
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      CLICKHOUSE_URL: ch.url,
      CLICKHOUSE_DATABASE: database,
      DATABASE_URL: pgUrl.toString(),
      REDIS_URL: testEnv.REDIS_URL,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: 'i',
      JWT_AUDIENCE: 'a',
      API_KEYS: `staff:${sha256Hex(staffKey)}:readings:read|csat:read`,
      KAFKA_GROUP_ID: `${prefix}read-sink`,
      CSAT_KAFKA_GROUP_ID: `${prefix}csat`,
    };
    [sink, csat] = await Promise.all([startService('read-sink', 3610, env), startService('csat', 3611, env)]);
    api = await startService('read-api', 3612, env);
  });

  afterAll(async () => {
    ch?.thaw();
    await Promise.all([api?.stop(), sink?.stop(), csat?.stop()]);
    await ch?.kill();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(resolveTopics(prefix)).map((t) => t.name)).catch(() => undefined);
  });

  const timed = async (url: string, headers: Record<string, string> = {}) => {
    const started = Date.now();
    const res = await fetch(url, { headers });
    const body = (await res.json().catch(() => null)) as Record<string, any> | null;
    return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: Date.now() - started, body };
  };

  it('is reported within ~2 s and answered 503 + Retry-After within the query timeout; all recover when it thaws', async () => {
    expect((await timed(`${sink!.url}/health/ready`)).status).toBe(200);
    expect((await timed(`${api!.url}/health/ready`)).body?.clickhouse).toBe('up');
    ch.freeze();
    try {
      const frozenAt = Date.now();
      const sinkReady = await timed(`${sink!.url}/health/ready`);
      expect(sinkReady.status).toBe(503);
      expect(sinkReady.body?.error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', message: expect.stringContaining('clickhouse down') });
      expect(sinkReady.retryAfter).toBe('5');
      expect(sinkReady.ms).toBeLessThan(2_500);
      const apiReady = await timed(`${api!.url}/health/ready`);
      expect(apiReady).toMatchObject({ status: 200, body: { clickhouse: 'down', kafka: 'up' } });
      expect(apiReady.ms).toBeLessThan(2_500);
      const csatReady = await timed(`${csat!.url}/health/ready`);
      expect(csatReady).toMatchObject({ status: 200, body: { clickhouse: 'down' } });
      expect(csatReady.ms).toBeLessThan(2_500);
      expect(Date.now() - frozenAt).toBeLessThan(8_000);

      const lookup = await timed(`${api!.url}/v1/accounts/A-CHF/meter-readings`, { authorization: `Bearer ${token}` });
      expect(lookup).toMatchObject({ status: 503, retryAfter: '5', body: { error: { code: 'DEPENDENCY_UNAVAILABLE' } } });
      expect(lookup.ms).toBeLessThan(6_000);
      const report = await timed(`${csat!.url}/v1/csat?from=2022-03-31&to=2022-04-01`, { 'x-api-key': staffKey });
      expect(report).toMatchObject({ status: 503, retryAfter: '5', body: { error: { code: 'DEPENDENCY_UNAVAILABLE' } } });
      expect(report.ms).toBeLessThan(6_000);
    } finally {
      ch.thaw();
    }
    await eventually(async () => (await timed(`${sink!.url}/health/ready`)).status === 200, 20_000, 250);
    expect((await timed(`${api!.url}/v1/accounts/A-CHF/meter-readings`, { authorization: `Bearer ${token}` })).status).toBe(200);
  });
});
