import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Decimal } from 'decimal.js';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { clickHouseSettings, eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { DEV_AUDIENCE, DEV_ISSUER } from '../../scripts/dev-identity.constants';

/**
 * Issue 13's "done when", as a new user from a billing team would do it: through the public HTTP APIs only
 * (the BUILT services, npm run build first, on ports 4300-4303 with their own database, topics and queues),
 * create a tariff across the 1 April 2022 price change, onboard an account on it (supply point, meter, a
 * 5-digit register with its EAC), submit readings (one a genuine rollover, 99950 then 150 over 20 days), see
 * one held, review it (accept), run a bill and check it to the penny against the calculation below, which
 * shares no code with billing.
 */
describe('a new supplier onboards its first account and bills it', () => {
  const database = uniqueName('e2e_onboard');
  const prefix = `${uniqueName('e2e_onboard')}.`;
  const staffKey = 'e2e-onboard-staff-key-0123456789';
  const reviewerKey = 'e2e-onboard-reviewer-key-0123456789';
  // The dev identity provider's issuer and audience, which scripts/demo-registry.ts signs its customer tokens for.
  const issuer = DEV_ISSUER;
  const audience = DEV_AUDIENCE;
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  const pgUrl = new URL(testEnv.DATABASE_URL);
  pgUrl.pathname = `/${database}`;
  const services: RunningService[] = [];
  let urls: Record<'api' | 'sink' | 'billing' | 'registry', string>;
  let privateKeyPem: string;
  const state = mkdtempSync(join(tmpdir(), 'surge-onboard-'));

  const accountId = 'NEWCO-0001';
  const mpan = '1400000001237';
  const meterSerial = 'NC000001';

  beforeAll(async () => {
    const keys = await generateDevKeyPair();
    privateKeyPem = keys.privateKeyPem;
    mkdirSync(join(state, 'dev'));
    writeFileSync(join(state, 'dev', 'jwt-private.pem'), keys.privateKeyPem);
    writeFileSync(join(state, 'dev', 'staff-api-key'), staffKey);
    await ensurePostgresDatabase(admin, database);
    const env = {
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL,
      CLICKHOUSE_DATABASE: database,
      CLICKHOUSE_USER: testEnv.CLICKHOUSE_USER,
      CLICKHOUSE_PASSWORD: testEnv.CLICKHOUSE_PASSWORD,
      DATABASE_URL: pgUrl.toString(),
      REDIS_URL: testEnv.REDIS_URL,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: DEV_ISSUER,
      JWT_AUDIENCE: DEV_AUDIENCE,
      API_KEYS: `staff:${sha256Hex(staffKey)}:registry:write|registry:read|readings:read|readings:review|billing:run|billing:read,reviewer:${sha256Hex(reviewerKey)}:readings:review|readings:read`,
      KAFKA_GROUP_ID: `${prefix}read-sink`,
      BILLING_QUEUE_PREFIX: uniqueName('e2e-onboard'),
      BILLING_MARKS_RELAY_IDLE_MS: '200',
      REGISTRY_RELAY_IDLE_MS: '200',
      SINK_MAX_BATCH_WAIT_MS: '50',
    };
    // read-sink first (it creates the ClickHouse database billing reads); billing's migrations before the registry's.
    services.push(await startService('read-sink', 4301, env));
    services.push(await startService('billing', 4302, env));
    const [registry, api] = await Promise.all([startService('registry', 4303, env), startService('read-api', 4300, env)]);
    services.push(registry, api);
    urls = { sink: services[0]!.url, billing: services[1]!.url, registry: registry.url, api: api.url };
  }, 90_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    const ch = createClickHouse(clickHouseSettings(database));
    await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(resolveTopics(prefix)).map((t) => t.name)).catch(() => undefined);
    rmSync(state, { recursive: true, force: true });
  });

  const call = async (base: string, method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const staff = { 'x-api-key': staffKey };
  const reviewer = { 'x-api-key': reviewerKey };

  // The tariff: the price cap's electricity rates either side of 1 April 2022, ex VAT (inc VAT at 5%).
  const rates = {
    unitOld: '20', unitNew: '26.990476',
    standingOld: '23.809524', standingNew: '43.180952',
  };

  it('tariff, account, readings (a rollover accepted, one held then accepted on review), bill to the penny', async () => {
    // 1. The tariff across the price change.
    const tariff = await call(urls.registry, 'POST', '/v1/tariffs', staff, {
      tariffId: 'NEWCO-FLEX-E',
      name: 'NewCo flexible electricity',
      fuel: 'electricity',
      unitRates: [
        { registerKind: 'import', validFrom: '2021-10-01', validTo: '2022-04-01', exVat: rates.unitOld, incVat: '21' },
        { registerKind: 'import', validFrom: '2022-04-01', exVat: rates.unitNew, incVat: '28.34' },
      ],
      standingCharges: [
        { validFrom: '2021-10-01', validTo: '2022-04-01', exVat: rates.standingOld, incVat: '25' },
        { validFrom: '2022-04-01', exVat: rates.standingNew, incVat: '45.34' },
      ],
    });
    expect(tariff.status).toBe(201);

    // 2. The account with its supply point, meter and 5-digit register (EAC 2,900 kWh), on the tariff.
    const account = await call(urls.registry, 'POST', '/v1/accounts', staff, {
      accountId, category: 'D', domestic: true, vatRate: '0.05',
      supplyPoints: [{ supplyPointId: mpan, fuel: 'electricity', supplyStart: '2022-03-01', meters: [{ meterSerial, installedOn: '2022-03-01', registers: [{ registerId: 'S', kind: 'import', digits: 5, unit: 'kWh', eacKwh: '2900' }] }] }],
    });
    expect(account.status).toBe(201);
    const agreement = await call(urls.registry, 'POST', `/v1/accounts/${accountId}/agreements`, staff, { supplyPointId: mpan, tariffId: 'NEWCO-FLEX-E', validFrom: '2022-03-01' });
    expect(agreement.status).toBe(201);
    // read-sink learns the register from registry.v1 (it never calls the registry): its readiness says how many it knows.
    await eventually(async () => (await call(urls.sink, 'GET', '/health/ready', {})).body.registry?.registers >= 1, 20_000);

    // 3. The customer submits readings (dates alone: 00:00 London that day).
    const customer = {
      authorization: `Bearer ${await issueCustomerToken(privateKeyPem, { sub: 'c-newco-1', acc: accountId, sp: [mpan], ms: [meterSerial] }, { issuer, audience })}`,
    };
    const submit = async (readAt: string, value: string) => {
      const r = await call(urls.api, 'POST', '/v1/meter-readings', customer, { supplyPointId: mpan, meterSerial, registerId: 'S', readAt, value, digits: 5 });
      expect(r.status).toBe(202);
      const id = r.body.readingId as string;
      return eventually(async () => {
        const got = await call(urls.api, 'GET', `/v1/meter-readings/${id}`, customer);
        return got.body.status !== 'received' ? got.body : null;
      }, 20_000);
    };
    const opening = await submit('2022-03-12', '99950');
    expect(opening).toMatchObject({ status: 'accepted' });
    // 99950 -> 150 over 20 days: the dials passed 99999, 200 kWh, within twice the 158.8 kWh this EAC expects.
    const rollover = await submit('2022-04-01', '150');
    expect(rollover).toMatchObject({ status: 'accepted', reason: null });
    expect(rollover.flags).not.toContain('default-eac');
    // 400 kWh in the next 20 days is more than twice the expected: held for review, and the customer is told so.
    const held = await submit('2022-04-21', '550');
    expect(held).toMatchObject({ status: 'held', reason: { code: 'ADVANCE_EXCEEDS_TWICE_EXPECTED' } });
    expect(held.reason.message).toMatch(/held it for review/);

    // 4. Review: the queue lists it (customers may not look), staff accept it with a note, a second decision is refused.
    expect((await call(urls.api, 'GET', '/v1/held-readings', customer)).status).toBe(403);
    const queue = await call(urls.api, 'GET', '/v1/held-readings?reason=ADVANCE_EXCEEDS_TWICE_EXPECTED&category=D', reviewer);
    expect(queue.status).toBe(200);
    expect(queue.body.items.map((i: { readingId: string }) => i.readingId)).toEqual([held.readingId]);
    expect(queue.body.items[0]).toMatchObject({ category: 'D', status: 'held' });
    const decision = await call(urls.api, 'POST', `/v1/held-readings/${held.readingId}/decision`, { ...reviewer, 'idempotency-key': 'e2e-review-0001' }, { decision: 'accept', note: 'Photo of the meter shows 00550; the customer ran a heater in April.' });
    expect(decision).toMatchObject({ status: 202 });
    let last: unknown;
    const accepted = await eventually(async () => {
      const got = await call(urls.api, 'GET', `/v1/meter-readings/${held.readingId}`, customer);
      last = got.body;
      return got.body.status === 'accepted' ? got.body : null;
    }, 20_000).catch(async (e) => {
      const m = (await (await fetch(`${urls.sink}/metrics`)).text()).split('\n').filter((l) => /dead_letter|readings_total|sink_batch_size_count/.test(l)).join('\n');
      throw new Error(`${String(e)}; decision ${JSON.stringify(decision)}; last ${JSON.stringify(last)}\n${m}\n${services.map((s) => s.output()).join('\n')}`);
    });
    expect(accepted).toMatchObject({ reason: { code: 'ACCEPTED_ON_REVIEW' } });
    expect(accepted.flags).toContain('reviewed');
    const again = await call(urls.api, 'POST', `/v1/held-readings/${held.readingId}/decision`, reviewer, { decision: 'reject', note: 'second thoughts' });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'REVIEW_ALREADY_DECIDED' } } });
    expect((await call(urls.api, 'POST', `/v1/held-readings/${opening.readingId}/decision`, reviewer, { decision: 'accept', note: 'x' })).body.error.code).toBe('READING_NOT_HELD');
    const trail = await call(urls.api, 'GET', `/v1/meter-readings/${held.readingId}/reviews`, reviewer);
    expect(trail.body.reviews).toEqual([
      expect.objectContaining({ decision: 'accept', reviewedBy: 'reviewer', applied: true, heldReasonCode: 'ADVANCE_EXCEEDS_TWICE_EXPECTED', note: expect.stringMatching(/heater/) }),
    ]);

    // 5. A bill for 12 March to 21 April (half-open), run by staff and fetched.
    const run = await call(urls.billing, 'POST', '/v1/bill-runs', { ...staff, 'idempotency-key': 'e2e-onboard-run-1' }, { periodStart: '2022-03-12', periodEnd: '2022-04-21' });
    expect(run).toMatchObject({ status: 202 });
    const done = await eventually(async () => {
      const s = await call(urls.billing, 'GET', `/v1/bill-runs/${run.body.runId}`, staff);
      return s.body.status !== 'running' ? s.body : null;
    }, 30_000, 250);
    expect(done).toMatchObject({ status: 'completed', billed: 1, failed: 0 });
    const list = await call(urls.billing, 'GET', `/v1/accounts/${accountId}/bills`, customer);
    expect(list.body.items).toHaveLength(1);
    const bill = (await call(urls.billing, 'GET', `/v1/accounts/${accountId}/bills/${list.body.items[0].billId}`, customer)).body;
    expect(bill).toMatchObject({ estimated: false, period: { start: '2022-03-12', end: '2022-04-21' } });

    // The independent calculation: 200 kWh (the rollover) from 12 March to 1 April at the old rate, 400 kWh
    // (the reviewed reading) from 1 to 21 April at the new one; 20 standing-charge days each side; each line
    // rounded half up to the penny once, VAT at 5% once on their sum.
    const penny = (d: Decimal) => d.toDecimalPlaces(0, Decimal.ROUND_HALF_UP);
    const expectedLines = [
      penny(new Decimal(200).times(rates.unitOld)),
      penny(new Decimal(400).times(rates.unitNew)),
      penny(new Decimal(20).times(rates.standingOld)),
      penny(new Decimal(20).times(rates.standingNew)),
    ];
    const net = expectedLines.reduce((a, b) => a.plus(b), new Decimal(0));
    const vat = penny(net.times('0.05'));
    expect(bill.totals).toMatchObject({ netPence: net.toString(), vatPence: vat.toString(), totalPence: net.plus(vat).toString() });
    expect(net.plus(vat).toString()).toBe('16943'); // £169.43, worked by hand in docs/runbook.md
    const lines = bill.lines as { kind: string; kWh?: string; days?: number; ratePence: string; amountPence: string; periodFrom: string }[];
    expect(lines.filter((l) => l.kind === 'energy').map((l) => [l.periodFrom, new Decimal(l.kWh!).toString(), l.amountPence])).toEqual([
      ['2022-03-12', '200', expectedLines[0]!.toString()],
      ['2022-04-01', '400', expectedLines[1]!.toString()],
    ]);
    expect(lines.filter((l) => l.kind === 'standing-charge').map((l) => [l.days, l.amountPence])).toEqual([
      [20, expectedLines[2]!.toString()],
      [20, expectedLines[3]!.toString()],
    ]);
  }, 60_000);

  it('the demo step (dist/scripts/demo-registry.js) does the same against the built services and exits 0', async () => {
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(
        process.execPath,
        [join(__dirname, '..', '..', 'dist', 'scripts', 'demo-registry.js'), '--state', state, '--read-api', urls.api, '--read-sink', urls.sink, '--billing', urls.billing, '--registry', urls.registry],
        { env: { PATH: process.env.PATH ?? '' }, timeout: 40_000 },
      ));
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`demo-registry failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    }
    expect(stdout).toMatch(/reading 150 on 2022-04-01 -> accepted/);
    expect(stdout).toMatch(/reading 550 on 2022-04-21 -> held \(ADVANCE_EXCEEDS_TWICE_EXPECTED\)/);
    expect(stdout).toMatch(/the customer now sees accepted \(ACCEPTED_ON_REVIEW\)/);
    expect(stdout).toMatch(/total £169\.43/);
    expect(stdout).toContain(`${urls.registry}/openapi.json`);
    expect(stdout).toMatch(/registry demo: every step done in \d+\.\d s/);
  }, 45_000);
});
