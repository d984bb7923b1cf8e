import { type BillingTestStores, openBillingTestStores } from '@surge-test/support/billing-stores.fixture';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool } from 'pg';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { DEMO_PERIOD, demoAccount } from '@surge-test/fixtures/demo-population.generator';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';

/**
 * Billing end to end: the BUILT billing service (npm run build) on its own
 * PostgreSQL database, ClickHouse database and queue prefix. Staff start a
 * bill run over HTTP and watch it finish; a customer reads their own bill
 * (and gets 404 for anyone else's); the billing CLI drives a run too. Kafka
 * and the read path are not started: billing does not need them.
 */
describe('billing end to end', () => {
  const issuer = 'https://id.e2e.local';
  const audience = 'surge-api';
  const staffKey = 'e2e-billing-staff-key-0123456789';
  const readerKey = 'e2e-billing-reader-key-0123456789';
  const N = 30;
  let stores: BillingTestStores;
  let pool: Pool;
  let ch: ClickHouseClient;
  let billing: RunningService;
  let privateKeyPem: string;
  const me = demoAccount(3, 'E2E');
  const someoneElse = demoAccount(4, 'E2E');

  beforeAll(async () => {
    stores = await openBillingTestStores('e2e_billing', { count: N, prefix: 'E2E' }, 2);
    ({ pool, ch } = stores);
    const keys = await generateDevKeyPair();
    privateKeyPem = keys.privateKeyPem;
    billing = await startService('billing', 3402, {
      DATABASE_URL: stores.databaseUrl,
      REDIS_URL: testEnv.REDIS_URL,
      CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: stores.chName,
      CLICKHOUSE_USER: testEnv.CLICKHOUSE_USER,
      CLICKHOUSE_PASSWORD: testEnv.CLICKHOUSE_PASSWORD,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      API_KEYS: `staff:${sha256Hex(staffKey)}:billing:run|billing:read,reader:${sha256Hex(readerKey)}:billing:read`,
      BILLING_QUEUE_PREFIX: uniqueName('e2e-billing'),
      BILLING_CHUNK_SIZE: '8',
      // Billing has no use for Kafka: pointed at nothing.
      KAFKA_BROKERS: '127.0.0.1:1',
    });
  });

  afterAll(async () => {
    await billing?.stop();
    await stores?.drop();
  });

  const call = async (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${billing.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const staff = { 'x-api-key': staffKey };
  const customer = async () => ({
    authorization: `Bearer ${await issueCustomerToken(
      privateKeyPem,
      { sub: `c-${me.accountId}`, acc: me.accountId, sp: me.supplyPoints.map((s) => s.supplyPointId), ms: me.supplyPoints.map((s) => s.meterSerial) },
      { issuer, audience },
    )}`,
  });

  it('staff start a bill run over HTTP and watch it to completion; a customer reads their own bill and nobody else\u2019s', async () => {
    const started = await call('POST', '/v1/bill-runs', { ...staff, 'idempotency-key': 'e2e-run-0001' }, { periodStart: DEMO_PERIOD.start, periodEnd: DEMO_PERIOD.end });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', totalAccounts: N, totalChunks: Math.ceil(N / 8) });
    // The same request again (a retry) is the same run.
    const replay = await call('POST', '/v1/bill-runs', { ...staff, 'idempotency-key': 'e2e-run-0001' }, { periodStart: DEMO_PERIOD.start, periodEnd: DEMO_PERIOD.end });
    expect(replay.body.runId).toBe(started.body.runId);

    const done = await eventually(async () => {
      const s = await call('GET', `/v1/bill-runs/${started.body.runId}`, { 'x-api-key': readerKey });
      return s.body.status !== 'running' ? s.body : null;
    }, 90_000, 500);
    expect(done).toMatchObject({ status: 'completed', billed: N, failed: 0, remaining: 0 });

    const headers = await customer();
    const list = await call('GET', `/v1/accounts/${me.accountId}/bills`, headers);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    const summary = list.body.items[0];
    expect(summary).toMatchObject({ kind: 'bill', period: DEMO_PERIOD, lastDay: '2022-04-30' });

    const bill = await call('GET', `/v1/accounts/${me.accountId}/bills/${summary.billId}`, headers);
    expect(bill.status).toBe(200);
    expect(bill.body.accountId).toBe(me.accountId);
    const lines = bill.body.lines as { kind: string; amountPence: string; description: string }[];
    expect(lines.some((l) => l.kind === 'standing-charge')).toBe(true);
    expect(lines.map((l) => BigInt(l.amountPence)).reduce((a, b) => a + b, 0n).toString()).toBe(bill.body.totals.totalPence);
    expect(bill.body.totals.total).toMatch(/^-?£[\d,]+\.\d\d$/);

    // Another customer's account, or their bill through mine: 404, exactly like something that does not exist.
    const theirs = await call('GET', `/v1/accounts/${someoneElse.accountId}/bills`, headers);
    expect(theirs).toMatchObject({ status: 404, body: { error: { code: 'ACCOUNT_NOT_FOUND' } } });
    const staffView = await call('GET', `/v1/accounts/${someoneElse.accountId}/bills`, { 'x-api-key': readerKey });
    const theirBillId = staffView.body.items[0].billId as string;
    expect((await call('GET', `/v1/accounts/${someoneElse.accountId}/bills/${theirBillId}`, headers)).status).toBe(404);
    expect((await call('GET', `/v1/accounts/${me.accountId}/bills/${theirBillId}`, headers)).status).toBe(404);
    // Customers cannot run bills; read-only staff neither.
    expect((await call('POST', '/v1/bill-runs', headers, { periodStart: '2022-05-01', periodEnd: '2022-06-01' })).status).toBe(403);
    expect((await call('POST', '/v1/bill-runs', { 'x-api-key': readerKey }, { periodStart: '2022-05-01', periodEnd: '2022-06-01' })).status).toBe(403);
  });

  it('the billing CLI starts a run and reports it when it finishes', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(__dirname, '..', '..', 'dist', 'scripts', 'billing-cli.js'), 'run', '--from', DEMO_PERIOD.start, '--to', DEMO_PERIOD.end, '--kind', 'correction'],
      { env: { PATH: process.env.PATH ?? '', BILLING_URL: billing.url, BILLING_API_KEY: staffKey }, timeout: 90_000 },
    );
    // Every estimated bill is recomputed; no actual read arrived since, so nothing changes.
    expect(stdout).toMatch(/^Bill run [0-9a-f-]{36}: \d+ accounts/m);
    expect(stdout).toMatch(/completed; 0 billed \(bills issued\), 0 already billed, \d+ unchanged, 0 failed/);
    expect(stderr).toMatch(/\[#+\] 100\.0%/);
  });
});
