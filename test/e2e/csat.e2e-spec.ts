import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { testMpan } from '@surge-test/fixtures/reading.stub';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { clickHouseSettings, eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';

/**
 * CSAT end to end with the built services: a reading submitted over HTTP to
 * read-api, decided by read-sink, becomes an invitation in csat; the customer
 * answers over HTTP; the programme team and customer service read it back.
 * Then the isolation claim: with csat stopped, read-api still takes readings,
 * and csat catches up from Kafka when it comes back.
 */
describe('CSAT end to end', () => {
  const database = uniqueName('e2e_csat');
  const prefix = `${uniqueName('e2e_csat')}.`;
  const issuer = 'https://id.e2e.local';
  const audience = 'surge-api';
  const staffKey = 'e2e-csat-staff-key-0123456789';
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  const pgUrl = new URL(testEnv.DATABASE_URL);
  pgUrl.pathname = `/${database}`;
  let privateKeyPem: string;
  let env: Record<string, string>;
  let api: RunningService | undefined;
  let sink: RunningService | undefined;
  let csat: RunningService | undefined;
  const CSAT_PORT = 3431;

  beforeAll(async () => {
    const keys = await generateDevKeyPair();
    privateKeyPem = keys.privateKeyPem;
    await ensurePostgresDatabase(admin, database);
    env = {
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: database,
      DATABASE_URL: pgUrl.toString(),
      REDIS_URL: testEnv.REDIS_URL,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      API_KEYS: `staff:${sha256Hex(staffKey)}:readings:read|csat:read`,
      KAFKA_GROUP_ID: `${prefix}read-sink`,
      CSAT_KAFKA_GROUP_ID: `${prefix}csat`,
      CSAT_RELAY_IDLE_MS: '200',
    };
    [sink, csat] = await Promise.all([startService('read-sink', 3433, env), startService('csat', CSAT_PORT, env)]);
    api = await startService('read-api', 3432, env);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), sink?.stop(), csat?.stop()]);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    const ch = createClickHouse(clickHouseSettings(database));
    await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(resolveTopics(prefix)).map((t) => t.name)).catch(() => undefined);
  });

  const customer = (n: number) => {
    const account = uniqueName(`acct${n}`);
    const mpan = testMpan(7000 + n);
    const serial = `CSAT${String(n).padStart(6, '0')}`;
    const token = issueCustomerToken(privateKeyPem, { sub: `c-${account}`, acc: account, sp: [mpan], ms: [serial] }, { issuer, audience });
    return { account, mpan, serial, token };
  };
  const call = async (url: string, init: { method?: string; token?: string; apiKey?: string; body?: unknown } = {}) => {
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.apiKey ? { 'x-api-key': init.apiKey } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };
  const submit = async (c: ReturnType<typeof customer>) =>
    call(`${api!.url}/v1/meter-readings`, {
      method: 'POST',
      token: await c.token,
      body: { supplyPointId: c.mpan, meterSerial: c.serial, registerId: 'S', readAt: new Date(Date.now() - 3600_000).toISOString(), value: '01234.5' },
    });
  const openSurveys = async (token: string, url = csat!.url) => (await call(`${url}/v1/surveys`, { token })).body?.items as any[] | undefined;

  it('a customer is invited after submitting, answers once over HTTP; the programme team and customer service read it back', async () => {
    const alice = customer(1);
    const token = await alice.token;
    const submitted = await submit(alice);
    expect(submitted.status).toBe(202);
    const readingId = submitted.body.readingId as string;

    const [survey] = await eventually(async () => {
      const items = await openSurveys(token);
      return items && items.length > 0 ? items : undefined;
    }, 30_000);
    expect(survey).toMatchObject({ readingId, status: 'open', channel: 'web', outcome: { status: 'accepted' }, scale: { min: 1, max: 5 } });

    const answer = await call(`${csat!.url}/v1/surveys/${survey.id}/answer`, { method: 'POST', token, body: { score: 5, comment: 'Quick <b>and</b> easy\u0000' } });
    expect(answer).toMatchObject({ status: 201, body: { status: 'answered', answer: { score: 5, satisfied: true, comment: 'Quick <b>and</b> easy' } } });
    const again = await call(`${csat!.url}/v1/surveys/${survey.id}/answer`, { method: 'POST', token, body: { score: 1 } });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'SURVEY_ALREADY_ANSWERED' } } });
    expect(await call(`${csat!.url}/v1/surveys/${survey.id}/answer`, { method: 'POST', token, body: { score: 7 } })).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });

    const mallory = await customer(2).token;
    expect(await call(`${csat!.url}/v1/surveys/${survey.id}`, { token: mallory })).toMatchObject({ status: 404, body: { error: { code: 'SURVEY_NOT_FOUND' } } });
    expect(await call(`${csat!.url}/v1/accounts/${alice.account}/surveys`, { token: mallory })).toMatchObject({ status: 404 });
    expect((await call(`${csat!.url}/v1/csat?from=2022-03-31&to=2022-04-01`, { token })).status).toBe(403);
    expect((await call(`${csat!.url}/v1/surveys`)).status).toBe(401);

    const dayStart = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    const from = dayStart.toISOString();
    const to = new Date(dayStart.getTime() + 86_400_000).toISOString();
    const report = await eventually(async () => {
      const r = await call(`${csat!.url}/v1/csat?from=${from}&to=${to}&granularity=hour&by=channel,category,outcome`, { apiKey: staffKey });
      return r.status === 200 && r.body.total.responses === 1 ? r.body : undefined;
    }, 20_000);
    expect(report.total).toEqual({ responses: 1, satisfied: 1, csat: 100 });
    expect(report.buckets).toEqual([expect.objectContaining({ channel: 'web', category: 'D', outcome: 'accepted', reasonCode: null, responses: 1, csat: 100 })]);

    const history = await call(`${csat!.url}/v1/accounts/${alice.account}/surveys`, { apiKey: staffKey });
    expect(history).toMatchObject({ status: 200, body: { items: [{ id: survey.id, readingId, status: 'answered', category: 'D', answer: { score: 5 } }], nextCursor: null } });

    const metrics = await (await fetch(`${csat!.url}/metrics`)).text();
    expect(metrics).toMatch(/surge_csat_answers_total\{channel="web",category="D",outcome="accepted",satisfied="true"\} 1/);
  });

  it('with CSAT down, readings are still accepted promptly; CSAT catches up from Kafka when it is back', async () => {
    await csat!.stop();
    csat = undefined;
    const bob = customer(3);
    const started = Date.now();
    const submitted = await submit(bob);
    const elapsed = Date.now() - started;
    expect(submitted.status).toBe(202);
    expect(elapsed).toBeLessThan(5_000); // nothing on the submit path waits for CSAT
    // Ingestion completes without CSAT: the reading is decided and queryable.
    await eventually(async () => {
      const r = await call(`${api!.url}/v1/meter-readings/${submitted.body.readingId}`, { token: await bob.token });
      return r.status === 200 && r.body.status === 'accepted';
    }, 30_000);

    csat = await startService('csat', CSAT_PORT, env);
    const items = await eventually(async () => {
      const list = await openSurveys(await bob.token);
      return list && list.length > 0 ? list : undefined;
    }, 30_000);
    expect(items).toEqual([expect.objectContaining({ readingId: submitted.body.readingId, status: 'open' })]);
  });
});
