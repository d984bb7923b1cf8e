import { type BillingTestStores, openBillingTestStores } from '@surge-test/support/billing-stores.fixture';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool } from 'pg';
import { sha256Hex } from '@surge/auth/authenticator.service';
import type { RegisterReadingSources } from '@surge/billing/bills/bill-input.builder';
import { billedReadingIds } from '@surge/billing/billed-mark/billed-reading.mapper';
import { DEMO_PERIOD } from '@surge-test/fixtures/demo-population.generator';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { createBillingApp } from './billing.app';
import { loadBillingConfig } from './billing.config';

/**
 * The billing app in process, on its own PostgreSQL database, ClickHouse
 * database and queue prefix. Kafka and the read API are pointed at closed
 * ports: billing must not care.
 */
describe('billing app (in process, real PostgreSQL, Redis and ClickHouse)', () => {
  const staffKey = 'it-billing-staff-key-0123456789';
  let stores: BillingTestStores;
  let pool: Pool;
  let ch: ClickHouseClient;
  let env: Record<string, string>;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    stores = await openBillingTestStores('it_billing_app', { count: 20, prefix: 'APP' }, 2);
    ({ pool, ch } = stores);
    const keys = await generateDevKeyPair();
    env = {
      DATABASE_URL: stores.databaseUrl,
      REDIS_URL: testEnv.REDIS_URL,
      CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: stores.chName,
      CLICKHOUSE_USER: testEnv.CLICKHOUSE_USER,
      CLICKHOUSE_PASSWORD: testEnv.CLICKHOUSE_PASSWORD,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      API_KEYS: `staff:${sha256Hex(staffKey)}:billing:run|billing:read`,
      BILLING_QUEUE_PREFIX: uniqueName('it-billing-app'),
      BILLING_CHUNK_SIZE: '5',
      BILLING_METRICS_INTERVAL_MS: '200',
      LOG_LEVEL: 'warn',
      // Nothing listens here; billing has no use for them anyway.
      KAFKA_BROKERS: '127.0.0.1:1',
      READ_API_URL: 'http://127.0.0.1:1',
    };
    app = await createBillingApp(loadBillingConfig(env));
  });

  afterAll(async () => {
    await app?.close();
    await stores?.drop();
  });

  const staff = { 'x-api-key': staffKey };

  it('serves its OpenAPI document at /openapi.json without credentials', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/bill-runs', '/v1/bill-runs/{runId}/resume', '/v1/accounts/{accountId}/bills/{billId}', '/v1/settlement']));
  });

  it('is ready on PostgreSQL and Redis, and bills while Kafka and the read API are unreachable', async () => {
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', postgres: 'up', redis: 'up' });

    const started = await app.inject({ method: 'POST', url: '/v1/bill-runs', headers: staff, payload: { periodStart: DEMO_PERIOD.start, periodEnd: DEMO_PERIOD.end } });
    expect(started.statusCode).toBe(202);
    const { runId } = started.json<{ runId: string }>();
    const done = await eventually(async () => {
      const s = (await app.inject({ method: 'GET', url: `/v1/bill-runs/${runId}`, headers: staff })).json<{ status: string }>();
      return s.status !== 'running' ? s : null;
    }, 60_000);
    expect(done).toMatchObject({ status: 'completed', totalAccounts: 20, billed: 20, failed: 0, remaining: 0, etaSeconds: 0 });

    const metrics = await eventually(async () => {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      return /surge_queue_jobs\{[^}]*state="completed"[^}]*\} 4/.test(text) ? text : null;
    }, 10_000);
    expect(metrics).toMatch(/surge_bill_run_accounts_total\{outcome="billed"\} 20/);
    expect(metrics).toMatch(/surge_queue_job_outcomes_total\{queue="bill-run-chunks",outcome="completed"\} 4/);
    expect(metrics).toMatch(/surge_http_requests_total\{service="billing",route="\/v1\/bill-runs\/:runId",method="GET",code="200"\}/);

    // The app relays the bills' reading marks to ClickHouse by itself (nudged by each finished chunk).
    const relayed = await eventually(async () => {
      const queued = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM billed_reading_outbox')).rows[0]!.n);
      const rs = await ch.query({ query: 'SELECT count() AS n FROM (SELECT DISTINCT reading_id, bill_id FROM reading_bills)', format: 'JSONEachRow' });
      const marks = Number((await rs.json<{ n: string }>())[0]!.n);
      return queued === 0 && marks > 0 ? marks : null;
    }, 10_000);
    const implied = (await pool.query<{ reading_sources: RegisterReadingSources[] }>('SELECT reading_sources FROM bills')).rows.reduce(
      (n, r) => n + billedReadingIds(r.reading_sources).length,
      0,
    );
    expect(relayed).toBe(implied);
    await eventually(async () => /surge_outbox_rows\{outbox="billed_readings"\} 0/.test((await app.inject({ method: 'GET', url: '/metrics' })).body), 5_000);

    const csv = await app.inject({ method: 'GET', url: `/v1/settlement?from=${DEMO_PERIOD.start}&to=${DEMO_PERIOD.end}&format=csv`, headers: staff });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.startsWith('tariff_id,rate_period_from,rate_period_to,fuel,category,kind,read_type,kwh,amount_pence')).toBe(true);
  });

  it('bad input and missing scope get stable codes', async () => {
    const bad = await app.inject({ method: 'POST', url: '/v1/bill-runs', headers: staff, payload: { periodStart: '2022-05-01', periodEnd: '2022-03-01' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect((await app.inject({ method: 'GET', url: '/v1/bill-runs/not-a-run', headers: staff })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/v1/bill-runs', payload: {} })).statusCode).toBe(401);
  });

  it('is not ready without Redis (and says which), but still alive', async () => {
    const noRedis = await createBillingApp(
      loadBillingConfig({ ...env, REDIS_URL: 'redis://127.0.0.1:1', BILLING_WORKER_ENABLED: 'false', BILLING_QUEUE_PREFIX: uniqueName('it-billing-down') }),
    );
    try {
      expect((await noRedis.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      const ready = await noRedis.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(JSON.stringify(ready.json())).toMatch(/redis/);
      // Starting a run fails fast with a retriable 503 rather than hanging; the run is kept for `resume`.
      const started = await noRedis.inject({ method: 'POST', url: '/v1/bill-runs', headers: staff, payload: { periodStart: '2022-06-01', periodEnd: '2022-07-01' } });
      expect(started.statusCode).toBe(503);
      expect(started.json()).toMatchObject({ error: { code: 'DEPENDENCY_UNAVAILABLE' } });
    } finally {
      await noRedis.close();
      // A connection attempt to the closed port may still be in flight; let it time out (connectTimeout 2 s).
      await new Promise((r) => setTimeout(r, 2500));
    }
  });
});
