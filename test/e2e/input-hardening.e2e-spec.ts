import { importPKCS8, SignJWT } from 'jose';
import type { ClickHouseClient } from '@clickhouse/client';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { sqlString } from '@surge/clickhouse/clickhouse.sql';
import { createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { type BillingTestStores, openBillingTestStores } from '@surge-test/support/billing-stores.fixture';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { testMpan } from '@surge-test/fixtures/reading.stub';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { clickHouseSettings, eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';

/**
 * Issue 11, items 6 to 13, against the BUILT services (read-api, read-sink, billing, csat) on the real stores:
 * bad input is a 4xx with a stable code, never a 500, a 503 or a 202 that stores it; credentials are checked
 * before a body is parsed; every response says nosniff. Each case failed before its fix (see the issue).
 */
describe('input hardening end to end', () => {
  const issuer = 'https://id.e2e.local';
  const audience = 'surge-api';
  const database = uniqueName('e2e_hard');
  const prefix = `${uniqueName('e2e_hard')}.`;
  const collectorKey = 'e2e-hard-collector-key-0123456789';
  const staffKey = 'e2e-hard-staff-key-0123456789';
  const pgAdmin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  const csatPg = new URL(testEnv.DATABASE_URL);
  csatPg.pathname = `/${database}`;
  let privateKeyPem: string;
  let api: RunningService | undefined;
  let sink: RunningService | undefined;
  let billing: RunningService | undefined;
  let csat: RunningService | undefined;
  let stores: BillingTestStores | undefined;
  let ch: ClickHouseClient;
  const SUBMIT_BUDGET = 6;

  const account = uniqueName('acct');
  const mpan = testMpan(3500);
  const serial = 'HARD000001';

  beforeAll(async () => {
    const keys = await generateDevKeyPair();
    privateKeyPem = keys.privateKeyPem;
    await ensurePostgresDatabase(pgAdmin, database);
    stores = await openBillingTestStores('e2e_hard_billing', { count: 2, prefix: 'HARD' }, 1);
    const auth = {
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      API_KEYS: `collector:${sha256Hex(collectorKey)}:readings:submit|readings:read,staff:${sha256Hex(staffKey)}:billing:run|billing:read|csat:read|readings:read`,
    };
    const readPath = {
      ...auth,
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: database,
      REDIS_URL: testEnv.REDIS_URL,
      KAFKA_GROUP_ID: `${prefix}read-sink`,
      RATE_LIMIT_SUBMIT_PER_MINUTE: String(SUBMIT_BUDGET),
    };
    sink = await startService('read-sink', 3501, readPath);
    [api, billing, csat] = await Promise.all([
      startService('read-api', 3500, readPath),
      startService('billing', 3502, {
        ...auth,
        DATABASE_URL: stores.databaseUrl,
        REDIS_URL: testEnv.REDIS_URL,
        CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL,
        CLICKHOUSE_DATABASE: stores.chName,
        CLICKHOUSE_USER: testEnv.CLICKHOUSE_USER,
        CLICKHOUSE_PASSWORD: testEnv.CLICKHOUSE_PASSWORD,
        BILLING_QUEUE_PREFIX: uniqueName('e2e-hard'),
        KAFKA_BROKERS: '127.0.0.1:1',
      }),
      startService('csat', 3503, { ...readPath, DATABASE_URL: csatPg.toString(), CSAT_KAFKA_GROUP_ID: `${prefix}csat` }),
    ]);
    ch = createClickHouse(clickHouseSettings(database));
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), sink?.stop(), billing?.stop(), csat?.stop()]);
    await stores?.drop();
    await pgAdmin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await pgAdmin.end();
    await ch?.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch?.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(resolveTopics(prefix)).map((t) => t.name)).catch(() => undefined);
  });

  // A new subject each time: every test starts with a fresh reading budget (it is counted per caller).
  const token = (acc = account) => issueCustomerToken(privateKeyPem, { sub: uniqueName('c'), acc, sp: [mpan], ms: [serial] }, { issuer, audience });
  const reading = (overrides: Record<string, unknown> = {}) => ({ supplyPointId: mpan, meterSerial: serial, registerId: 'S', readAt: '2022-03-31T09:00:00Z', value: '01234', ...overrides });
  const call = async (url: string, init: { method?: string; headers?: Record<string, string>; body?: string; json?: unknown } = {}) => {
    const res = await fetch(url, {
      method: init.method ?? (init.body !== undefined || init.json !== undefined ? 'POST' : 'GET'),
      headers: { ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : init.body !== undefined ? { body: init.body } : {}),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body, headers: res.headers };
  };
  const bearer = async () => ({ authorization: `Bearer ${await token()}` });

  it('item 6: a readAt the store cannot hold, or before any supply started, is 400 READ_AT_OUT_OF_RANGE, not 202', async () => {
    for (const readAt of ['1900-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '1999-06-01T09:00:00Z']) {
      const res = await call(`${api!.url}/v1/meter-readings`, { headers: await bearer(), json: reading({ readAt }) });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('READ_AT_OUT_OF_RANGE');
      expect(res.body.error.message).toMatch(/before 1 January 2000/);
    }
  });

  it('item 7: a NUL byte in a path id or a query value is 400 on every service, never a 500 from PostgreSQL', async () => {
    const staff = { 'x-api-key': staffKey };
    const cases: [string, string][] = [
      [`${billing!.url}/v1/accounts/A%00B/bills`, 'INVALID_ID'],
      [`${billing!.url}/v1/accounts/HARD-00000001/bills/B%00`, 'INVALID_ID'],
      [`${billing!.url}/v1/bill-runs/${'0'.repeat(8)}/failures?after=%00`, 'INVALID_QUERY'],
      [`${csat!.url}/v1/accounts/A%00B/surveys`, 'INVALID_ID'],
      [`${csat!.url}/v1/surveys/S%00`, 'INVALID_ID'],
      [`${api!.url}/v1/accounts/A%00B/meter-readings`, 'INVALID_ID'],
      [`${api!.url}/v1/meter-readings/R%01?accountId=${account}`, 'INVALID_ID'],
    ];
    for (const [url, code] of cases) {
      const res = await call(url, { headers: staff });
      expect({ url, status: res.status, code: res.body?.error?.code }).toEqual({ url, status: 400, code });
    }
  });

  it('item 8: a cursor of year +275760 or -000001 and a repeated query parameter are 400, not 503 DEPENDENCY_UNAVAILABLE', async () => {
    const staff = { 'x-api-key': staffKey };
    for (const at of ['+275760-09-13T00:00:00.000Z', '-000001-01-01T00:00:00.000Z']) {
      const cursor = Buffer.from(`${at}|00000000-0000-4000-8000-000000000000`).toString('base64url');
      const res = await call(`${api!.url}/v1/accounts/${account}/meter-readings?cursor=${cursor}`, { headers: staff });
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'INVALID_CURSOR' });
    }
    // csat's survey pages: a cursor of 1e300 ms was a 500 (PostgreSQL to_timestamp out of range).
    for (const raw of ['1e300|00000000-0000-4000-8000-000000000000', '-5|00000000-0000-4000-8000-000000000000']) {
      const res = await call(`${csat!.url}/v1/accounts/${account}/surveys?cursor=${Buffer.from(raw).toString('base64url')}`, { headers: staff });
      expect({ raw, status: res.status, code: res.body.error?.code }).toEqual({ raw, status: 400, code: 'INVALID_CURSOR' });
    }
    const repeated = await call(`${api!.url}/v1/meter-readings/00000000-0000-4000-8000-000000000000?accountId=a&accountId=b`, { headers: staff });
    expect({ status: repeated.status, code: repeated.body.error?.code }).toEqual({ status: 400, code: 'INVALID_QUERY' });
    const billingRepeated = await call(`${billing!.url}/v1/bill-runs?limit=1&limit=2`, { headers: staff });
    expect({ status: billingRepeated.status, code: billingRepeated.body.error?.code }).toEqual({ status: 400, code: 'INVALID_QUERY' });
  });

  it('item 9: a form-encoded (or text) reading is 415, not parsed and stored', async () => {
    const form = new URLSearchParams(reading({ value: '07777' }) as Record<string, string>).toString();
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await call(`${api!.url}/v1/meter-readings`, { headers: { ...(await bearer()), 'content-type': type }, body: form });
      expect({ type, status: res.status, code: res.body.error?.code }).toEqual({ type, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    const billingForm = await call(`${billing!.url}/v1/bill-runs`, { headers: { 'x-api-key': staffKey, 'content-type': 'application/x-www-form-urlencoded' }, body: 'periodStart=2022-01-01' });
    expect(billingForm.status).toBe(415);
    const charset = await call(`${api!.url}/v1/meter-readings`, { headers: { ...(await bearer()), 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(reading({ readAt: '2022-03-30T09:00:00Z' })) });
    expect(charset.status).toBe(202);
  });

  it('item 10: a customer cannot set source or channel (400); the server stores C/web for them, and collector for a key', async () => {
    for (const extra of [{ source: 'R' }, { channel: 'collector' }, { source: 'C', channel: 'web' }]) {
      const res = await call(`${api!.url}/v1/meter-readings`, { headers: await bearer(), json: reading(extra) });
      expect({ extra, status: res.status, code: res.body.error?.code }).toEqual({ extra, status: 400, code: 'FIELD_SET_BY_SERVER' });
    }
    const asCollectorWithChannel = await call(`${api!.url}/v1/meter-readings`, { headers: { 'x-api-key': collectorKey }, json: { ...reading({ source: 'R', channel: 'web' }), accountId: account } });
    expect(asCollectorWithChannel.body.error?.code).toBe('FIELD_SET_BY_SERVER');

    const mine = await call(`${api!.url}/v1/meter-readings`, { headers: await bearer(), json: reading({ readAt: '2022-03-29T09:00:00Z', value: '01000' }) });
    const collected = await call(`${api!.url}/v1/meter-readings`, { headers: { 'x-api-key': collectorKey }, json: { ...reading({ readAt: '2022-03-28T09:00:00Z', value: '00900', source: 'R' }), accountId: account } });
    expect([mine.status, collected.status]).toEqual([202, 202]);
    const stored = await eventually(async () => {
      const rs = await ch.query({
        query: `SELECT reading_id, source, channel FROM meter_readings WHERE reading_id IN (${sqlString(mine.body.readingId)}, ${sqlString(collected.body.readingId)}) ORDER BY read_at DESC`,
        format: 'JSONEachRow',
      });
      const rows = await rs.json<{ reading_id: string; source: string; channel: string }>();
      return rows.length === 2 ? rows : undefined;
    });
    expect(stored.map((r) => [r.source, r.channel])).toEqual([['C', 'web'], ['R', 'collector']]);
  });

  it('item 11: a customer\u2019s budget counts readings across the single and batch routes; a batch that does not fit is 429 and takes nothing', async () => {
    // Fixed one-minute windows: do not start in the last seconds of one.
    if (Date.now() % 60_000 > 45_000) await new Promise((r) => setTimeout(r, 61_000 - (Date.now() % 60_000)));
    const acc = uniqueName('budget');
    const headers = { authorization: `Bearer ${await token(acc)}` };
    const batch = (n: number, day: number) => ({ readings: Array.from({ length: n }, (_, i) => reading({ readAt: `2022-02-${String(day).padStart(2, '0')}T0${i}:00:00Z`, value: String(100 + i) })) });
    const first = await call(`${api!.url}/v1/meter-readings/batch`, { headers, json: batch(4, 1) });
    expect(first.status).toBe(207);
    expect(first.headers.get('x-ratelimit-remaining')).toBe(String(SUBMIT_BUDGET - 4));
    const tooMany = await call(`${api!.url}/v1/meter-readings/batch`, { headers, json: batch(3, 2) });
    expect(tooMany.status).toBe(429);
    expect(tooMany.body.error.code).toBe('RATE_LIMITED');
    expect(Number(tooMany.headers.get('retry-after'))).toBeGreaterThan(0);
    // The refused batch took nothing: the 2 readings left are still there for single submissions, then no more.
    const singles = [];
    for (let i = 0; i < 3; i++) singles.push((await call(`${api!.url}/v1/meter-readings`, { headers, json: reading({ readAt: `2022-02-03T0${i}:00:00Z`, value: String(200 + i) }) })).status);
    expect(singles).toEqual([202, 202, 429]);
  });

  it('item 12: a bearer token with an API key is 401 AMBIGUOUS_CREDENTIALS (the key no longer wins); future or year-long tokens are 401', async () => {
    const both = await call(`${api!.url}/v1/meter-readings`, { headers: { authorization: 'Bearer not-a-token', 'x-api-key': collectorKey }, json: { ...reading(), accountId: account } });
    expect({ status: both.status, code: both.body.error?.code }).toEqual({ status: 401, code: 'AMBIGUOUS_CREDENTIALS' });
    const billingBoth = await call(`${billing!.url}/v1/bill-runs`, { headers: { authorization: 'Bearer x', 'x-api-key': staffKey } });
    expect(billingBoth.body.error?.code).toBe('AMBIGUOUS_CREDENTIALS');
    const key = await importPKCS8(privateKeyPem, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    const sign = (iat: number, exp: number) =>
      new SignJWT({ acc: account, sp: [mpan], ms: [serial] }).setProtectedHeader({ alg: 'ES256' }).setSubject('c').setIssuer(issuer).setAudience(audience).setIssuedAt(iat).setExpirationTime(exp).sign(key);
    for (const [iat, exp] of [
      [now + 86_400, now + 90_000],
      [now, now + 5 * 365 * 86_400],
    ] as const) {
      const res = await call(`${api!.url}/v1/accounts/${account}/meter-readings`, { headers: { authorization: `Bearer ${await sign(iat, exp)}` } });
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 401, code: 'TOKEN_TOO_OLD' });
    }
  });

  it('item 13: authentication comes before parsing, bodies are small per route, and every response says nosniff', async () => {
    // Not authenticated: refused before the (malformed) body is read. Before the fix billing parsed it first (400 MALFORMED_JSON).
    for (const url of [`${billing!.url}/v1/bill-runs`, `${api!.url}/v1/meter-readings`, `${csat!.url}/v1/surveys/x/answer`]) {
      const res = await call(url, { headers: { 'content-type': 'application/json' }, body: '{"not json' });
      expect({ url, status: res.status, code: res.body.error?.code }).toEqual({ url, status: 401, code: 'AUTHENTICATION_REQUIRED' });
    }
    // Authenticated but large: 413 at 64 KiB on billing (was parsed up to 4 MiB) and on the single reading route.
    const big = JSON.stringify({ periodStart: '2022-01-01', padding: 'x'.repeat(64 * 1024) });
    const billingBig = await call(`${billing!.url}/v1/bill-runs`, { headers: { 'x-api-key': staffKey, 'content-type': 'application/json' }, body: big });
    expect({ status: billingBig.status, code: billingBig.body.error?.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    const apiBig = await call(`${api!.url}/v1/meter-readings`, { headers: { ...(await bearer()), 'content-type': 'application/json' }, body: big });
    expect(apiBig.status).toBe(413);
    // The batch route takes a full batch of 1,000 (larger than the single route's limit).
    const fullBatch = JSON.stringify({ readings: Array.from({ length: 1000 }, () => ({ ...reading(), accountId: account })) });
    expect(fullBatch.length).toBeGreaterThan(64 * 1024);
    const batchRes = await call(`${api!.url}/v1/meter-readings/batch`, { headers: { 'x-api-key': collectorKey, 'content-type': 'application/json' }, body: fullBatch.replace(/"readAt":"2022-03-31T09:00:00Z"/g, '"readAt":"1990-01-01T00:00:00Z"') });
    expect(batchRes.status).toBe(207); // every item refused as out of range: nothing published, but parsed and answered
    for (const url of [`${api!.url}/health/live`, `${api!.url}/nope`, `${billing!.url}/v1/bill-runs`, `${csat!.url}/health/live`, `${sink!.url}/health/live`, `${sink!.url}/metrics`]) {
      const res = await fetch(url);
      expect({ url, nosniff: res.headers.get('x-content-type-options') }).toEqual({ url, nosniff: 'nosniff' });
    }
  });
});
