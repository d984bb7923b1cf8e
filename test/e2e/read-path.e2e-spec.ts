import type { ClickHouseClient } from '@clickhouse/client';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { sqlString } from '@surge/clickhouse/clickhouse.sql';
import { createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { testMpan } from '@surge-test/fixtures/reading.stub';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { clickHouseSettings, eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';

/**
 * The thin slice end to end: a customer submits a reading over HTTP to the
 * built read-api, and the built read-sink makes it queryable in ClickHouse
 * and through the read API.
 */
describe('read path end to end', () => {
  const database = uniqueName('e2e_read');
  const prefix = `${uniqueName('e2e')}.`;
  const issuer = 'https://id.e2e.local';
  const audience = 'surge-api';
  const collectorKey = 'e2e-collector-key-0123456789';
  let privateKeyPem: string;
  let api: RunningService;
  let sink: RunningService;
  let ch: ClickHouseClient;

  const account = uniqueName('acct');
  const mpan = testMpan(4242);
  const serial = 'E2E0000001';

  beforeAll(async () => {
    const keys = await generateDevKeyPair();
    privateKeyPem = keys.privateKeyPem;
    const env = {
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: database,
      REDIS_URL: testEnv.REDIS_URL,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      API_KEYS: `collector:${sha256Hex(collectorKey)}:readings:submit|readings:read`,
      KAFKA_GROUP_ID: `${prefix}read-sink`,
    };
    sink = await startService('read-sink', 3401, env);
    api = await startService('read-api', 3400, env);
    ch = createClickHouse(clickHouseSettings(database));
  });

  afterAll(async () => {
    await api?.stop();
    await sink?.stop();
    await ch?.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await ch?.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(resolveTopics(prefix)).map((t) => t.name)).catch(() => undefined);
  });

  const customerToken = (acc = account, sps = [mpan], serials = [serial]) =>
    issueCustomerToken(privateKeyPem, { sub: `c-${acc}`, acc, sp: sps, ms: serials }, { issuer, audience });

  it('202 after Kafka acknowledged, then queryable in ClickHouse and via GET', async () => {
    const token = await customerToken();
    const res = await fetch(`${api.url}/v1/meter-readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ supplyPointId: mpan, meterSerial: serial, registerId: 'S', readAt: '2022-03-31T09:00:00Z', value: '04567.8' }),
    });
    expect(res.status).toBe(202);
    const receipt = (await res.json()) as { readingId: string; status: string };
    expect(receipt.status).toBe('received');

    const row = await eventually(async () => {
      const rs = await ch.query({ query: `SELECT reading_id, toString(value) AS value, status FROM meter_readings WHERE reading_id = ${sqlString(receipt.readingId)}`, format: 'JSONEachRow' });
      return (await rs.json<{ reading_id: string; value: string; status: string }>())[0];
    });
    expect(row).toEqual({ reading_id: receipt.readingId, value: '4567.8', status: 'accepted' });

    const view = await fetch(`${api.url}/v1/meter-readings/${receipt.readingId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ readingId: receipt.readingId, status: 'accepted', value: '4567.8', supplyPointId: mpan });
  });

  it('bad input gets a 4xx with a stable code and changes nothing', async () => {
    const token = await customerToken();
    const bad = async (body: unknown) => {
      const r = await fetch(`${api.url}/v1/meter-readings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as { error: { code: string; message: string } } };
    };
    const base = { supplyPointId: mpan, meterSerial: serial, registerId: 'S', readAt: '2022-03-31T09:00:00Z', value: '1' };
    expect(await bad('{oops')).toMatchObject({ status: 400, body: { error: { code: 'MALFORMED_JSON' } } });
    expect(await bad({ ...base, vaule: 1 })).toMatchObject({ status: 400, body: { error: { code: 'UNKNOWN_FIELD' } } });
    expect(await bad({ ...base, readAt: '2999-01-01T00:00:00Z' })).toMatchObject({ status: 400, body: { error: { code: 'READ_AT_IN_FUTURE' } } });
    expect(await bad({ ...base, value: '123456' })).toMatchObject({ status: 400, body: { error: { code: 'VALUE_EXCEEDS_REGISTER_DIGITS' } } });
    const other = testMpan(4243);
    expect(await bad({ ...base, supplyPointId: other })).toMatchObject({ status: 404, body: { error: { code: 'METER_NOT_ON_ACCOUNT' } } });
  });

  it('Idempotency-Key: same key and body replays the first 202; another body is 422', async () => {
    const token = await customerToken();
    const send = (value: string) =>
      fetch(`${api.url}/v1/meter-readings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': `e2e-${account}-key1` },
        body: JSON.stringify({ supplyPointId: mpan, meterSerial: serial, registerId: 'S', readAt: '2022-04-01T07:00:00Z', value }),
      });
    const first = await send('04600');
    const again = await send('04600');
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    const a = (await first.json()) as { readingId: string };
    expect(await again.json()).toEqual(a);
    const other = await send('04601');
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Stored once, however often it was sent.
    await eventually(async () => {
      const rs = await ch.query({ query: `SELECT uniqExact(reading_id) AS n FROM meter_readings WHERE reading_id = ${sqlString(a.readingId)}`, format: 'JSONEachRow' });
      return Number((await rs.json<{ n: string }>())[0]!.n) === 1;
    });
  });

  it('a data collector\u2019s batch is answered per item; invalid items change nothing', async () => {
    const res = await fetch(`${api.url}/v1/meter-readings/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': collectorKey },
      body: JSON.stringify({
        readings: [
          { accountId: account, supplyPointId: testMpan(4300), meterSerial: 'C1', registerId: 'S', readAt: '2022-03-31T06:00:00Z', value: '100', source: 'R' },
          { accountId: account, supplyPointId: '1000000000000', meterSerial: 'C2', registerId: 'S', readAt: '2022-03-31T06:00:00Z', value: '100', source: 'R' },
        ],
      }),
    });
    expect(res.status).toBe(207);
    const { results } = (await res.json()) as { results: { status: string; error?: { code: string } }[] };
    expect(results).toMatchObject([{ status: 'received' }, { status: 'invalid' }]);
    expect(results[1]!.error!.code).toBe('INVALID_MPAN');
  });

  it('serves its OpenAPI document and Prometheus metrics', async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/v1/meter-readings');
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/surge_http_requests_total\{[^}]*route="\/v1\/meter-readings"/);
    const sinkMetrics = await (await fetch(`${sink.url}/metrics`)).text();
    expect(sinkMetrics).toMatch(/surge_reading_freshness_seconds_count \d+/);
  });

  it('a customer cannot see another account\u2019s readings (404, not 403)', async () => {
    const mine = await customerToken();
    const res = await fetch(`${api.url}/v1/accounts/someone-else/meter-readings`, { headers: { authorization: `Bearer ${mine}` } });
    expect(res.status).toBe(404);
    const anon = await fetch(`${api.url}/v1/accounts/${account}/meter-readings`);
    expect(anon.status).toBe(401);
  });
});
