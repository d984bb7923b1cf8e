import { Consumer, stringDeserializer } from '@platformatic/kafka';
import type { Pool } from 'pg';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE } from '@surge/billing/billing-postgres.migrations';
import { deleteTopics } from '@surge/kafka/topic.admin';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase, migratePostgres } from '@surge/postgres/postgres.migrator';
import { decodeRegistrySnapshot, type RegistrySnapshotV1 } from '@surge/registry-contracts/registry-change.event';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';

/**
 * The BUILT registry service (npm run build) on port 4150, its own PostgreSQL database (billing's schema
 * migrated first, as in production) and its own topic prefix. Staff create a tariff, an account and an
 * agreement over HTTP and read the account back with its history; the changes arrive on registry.v1;
 * bad input is a 4xx with a stable code and writes nothing; the wrong credentials are 401/403.
 */
describe('registry end to end', () => {
  const issuer = 'https://id.e2e.local';
  const audience = 'surge-api';
  const writerKey = 'e2e-registry-writer-key-0123456789';
  const readerKey = 'e2e-registry-reader-key-0123456789';
  const billingKey = 'e2e-registry-billing-key-0123456789';
  const dbName = uniqueName('e2e_registry');
  const prefix = `${uniqueName('e2e-registry')}.`;
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  let pool: Pool;
  let registry: RunningService;
  let privateKeyPem: string;
  let consumer: Consumer<string, Buffer, string, string> | undefined;
  // A valid MPAN core of distributor 14 (check digit 7) and one with its check digit wrong.
  const mpan = '1400000001237';
  const badMpan = '1400000001238';

  beforeAll(async () => {
    await ensurePostgresDatabase(admin, dbName);
    const url = new URL(testEnv.DATABASE_URL);
    url.pathname = `/${dbName}`;
    pool = createPostgresPool(url.toString(), { max: 2 });
    await migratePostgres(pool, BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE);
    const keys = await generateDevKeyPair();
    privateKeyPem = keys.privateKeyPem;
    registry = await startService('registry', 4150, {
      DATABASE_URL: url.toString(),
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
      API_KEYS: `writer:${sha256Hex(writerKey)}:registry:write|registry:read,reader:${sha256Hex(readerKey)}:registry:read,billing:${sha256Hex(billingKey)}:billing:run|billing:read`,
      REGISTRY_RELAY_IDLE_MS: '200',
    });
  }, 90_000);

  afterAll(async () => {
    await consumer?.close(true).catch(() => undefined);
    await registry?.stop();
    await pool?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, [`${prefix}registry.v1`, `${prefix}flex.membership.v1`]).catch(() => undefined);
  });

  const call = async (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown, raw?: string) => {
    const res = await fetch(`${registry.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined && raw === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(raw !== undefined ? { body: raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as Record<string, any>;
    // Errors come as { error: { code, message, issues?, correlationId } }.
    return { status: res.status, body: res.status >= 400 ? (json.error as Record<string, any>) : json };
  };
  const writer = { 'x-api-key': writerKey };
  const reader = { 'x-api-key': readerKey };

  const tariff = {
    tariffId: 'PC-ELEC-2022',
    name: 'Price cap electricity',
    fuel: 'electricity',
    unitRates: [
      { registerKind: 'import', validFrom: '2021-10-01', validTo: '2022-04-01', exVat: '20', incVat: '21' },
      { registerKind: 'import', validFrom: '2022-04-01', exVat: '26.990476', incVat: '28.34' },
    ],
    standingCharges: [{ validFrom: '2021-10-01', exVat: '43.180952', incVat: '45.34' }],
  };
  const account = {
    accountId: 'E2E-REG-1',
    category: 'D',
    domestic: true,
    vatRate: '0.05',
    supplyPoints: [
      { supplyPointId: mpan, fuel: 'electricity', supplyStart: '2021-06-01', meters: [{ meterSerial: 'E2E0001', installedOn: '2021-06-01', registers: [{ registerId: 'S', kind: 'import', digits: 5, unit: 'kWh', eacKwh: '2900' }] }] },
    ],
  };

  it('staff create a tariff, an account and an agreement, change the EAC, and read the account with its history; each change is on registry.v1', async () => {
    expect(await call('POST', '/v1/tariffs', writer, tariff)).toMatchObject({ status: 201, body: { tariffId: 'PC-ELEC-2022', fuel: 'electricity' } });
    expect((await call('POST', '/v1/accounts', writer, account)).status).toBe(201);
    expect((await call('POST', '/v1/accounts/E2E-REG-1/agreements', writer, { supplyPointId: mpan, tariffId: 'PC-ELEC-2022', validFrom: '2021-06-01' })).status).toBe(201);
    const changed = await call('POST', `/v1/accounts/E2E-REG-1/supply-points/${mpan}/meters/E2E0001/registers/S/eac-changes`, writer, { eacKwh: '3300', effectiveFrom: '2022-04-01' });
    expect(changed.status).toBe(201);
    const read = await call('GET', '/v1/accounts/E2E-REG-1', reader);
    expect(read.status).toBe(200);
    expect(read.body.account).toMatchObject({ accountId: 'E2E-REG-1', category: 'D', agreements: [{ tariffId: 'PC-ELEC-2022', validFrom: '2021-06-01', validTo: null }] });
    expect(read.body.account.supplyPoints[0].meters[0].registers[0]).toMatchObject({ digits: 5, eacKwh: '3300', eacEffectiveFrom: '2022-04-01' });
    expect(read.body.history.eac.map((v: { eacKwh: string }) => v.eacKwh)).toEqual(['2900', '3300']);
    expect((await call('GET', '/v1/tariffs/PC-ELEC-2022', reader)).body.unitRates).toHaveLength(2);

    const seen: Array<{ key: string; snapshot: RegistrySnapshotV1 }> = [];
    consumer = new Consumer<string, Buffer, string, string>({
      groupId: uniqueName('e2e-registry-reader'),
      clientId: uniqueName('e2e-registry-reader'),
      bootstrapBrokers: testEnv.KAFKA_BROKERS,
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    });
    const stream = await consumer.consume({ topics: [`${prefix}registry.v1`], mode: 'earliest', autocommit: false });
    stream.on('data', (m) => seen.push({ key: m.key, snapshot: decodeRegistrySnapshot(m.value, m.key) }));
    await eventually(async () => seen.length >= 4, 20_000);
    // Order holds per key (one partition each); across keys, revisions give the commit order.
    const inCommitOrder = [...seen].sort((a, b) => (BigInt(a.snapshot.revision) < BigInt(b.snapshot.revision) ? -1 : 1));
    expect(seen.filter((s) => s.key === 'E2E-REG-1')).toEqual(inCommitOrder.filter((s) => s.key === 'E2E-REG-1'));
    expect(inCommitOrder.map((s) => [s.key, s.snapshot.change])).toEqual([
      ['tariff:PC-ELEC-2022', 'tariff.created'],
      ['E2E-REG-1', 'account.created'],
      ['E2E-REG-1', 'agreement.created'],
      ['E2E-REG-1', 'register.eac-changed'],
    ]);
  });

  it('answers bad input with a 4xx and a stable code, and writes nothing', async () => {
    const accounts = async () => (await pool.query<{ n: string }>('SELECT count(*) AS n FROM accounts')).rows[0]!.n;
    const before = await accounts();
    const badMpanBody = { ...account, accountId: 'E2E-REG-2', supplyPoints: [{ ...account.supplyPoints[0], supplyPointId: badMpan }] };
    const r1 = await call('POST', '/v1/accounts', writer, badMpanBody);
    expect(r1).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', issues: [{ code: 'INVALID_MPAN', field: 'supplyPoints.0.supplyPointId' }] } });
    expect(r1.body.message).toMatch(/check digit/);
    expect((await call('POST', '/v1/accounts', writer, undefined, '{"accountId":')).body.code).toBe('MALFORMED_JSON');
    expect((await call('POST', '/v1/accounts', writer, { ...account, accountId: 'E2E-REG-3', colour: 'red' })).body.issues[0].code).toBe('UNKNOWN_FIELD');
    expect(await call('POST', '/v1/accounts', writer, account)).toMatchObject({ status: 409, body: { code: 'ACCOUNT_ALREADY_EXISTS' } });
    expect(await call('POST', '/v1/accounts/E2E-REG-1/agreements', writer, { supplyPointId: mpan, tariffId: 'PC-ELEC-2022', validFrom: '2022-01-01' })).toMatchObject({ status: 409, body: { code: 'AGREEMENT_OVERLAP' } });
    expect(await call('POST', '/v1/accounts/E2E-REG-1/agreements', writer, { supplyPointId: mpan, tariffId: 'NO-SUCH', validFrom: '2025-01-01' })).toMatchObject({ status: 422, body: { code: 'UNKNOWN_TARIFF' } });
    expect(await call('POST', '/v1/accounts/E2E-REG-1/category-changes', writer, { category: 'C', effectiveFrom: '2999-01-01' })).toMatchObject({ status: 400, body: { code: 'EFFECTIVE_DATE_IN_FUTURE' } });
    expect(await call('POST', '/v1/tariffs', writer, { ...tariff, tariffId: 'BAD', unitRates: [{ ...tariff.unitRates[0], exVat: 20 }] })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(await call('GET', '/v1/accounts/NOPE', reader)).toMatchObject({ status: 404, body: { code: 'ACCOUNT_NOT_FOUND' } });
    expect(await call('GET', '/v1/tariffs/NOPE', reader)).toMatchObject({ status: 404, body: { code: 'TARIFF_NOT_FOUND' } });
    expect(await accounts()).toBe(before);
  });

  it('needs the registry scopes: none is 401, a reader cannot write, billing and customers get 403', async () => {
    expect(await call('GET', '/v1/accounts/E2E-REG-1', {})).toMatchObject({ status: 401, body: { code: 'AUTHENTICATION_REQUIRED' } });
    expect(await call('GET', '/v1/accounts/E2E-REG-1', { 'x-api-key': 'not-a-key-0123456789' })).toMatchObject({ status: 401, body: { code: 'INVALID_API_KEY' } });
    expect(await call('POST', '/v1/tariffs', reader, { ...tariff, tariffId: 'BY-READER' })).toMatchObject({ status: 403, body: { code: 'INSUFFICIENT_SCOPE' } });
    expect(await call('GET', '/v1/accounts/E2E-REG-1', { 'x-api-key': billingKey })).toMatchObject({ status: 403, body: { code: 'INSUFFICIENT_SCOPE' } });
    const token = await issueCustomerToken(privateKeyPem, { sub: 'c-E2E-REG-1', acc: 'E2E-REG-1', sp: [mpan], ms: ['E2E0001'] }, { issuer, audience });
    expect(await call('GET', '/v1/accounts/E2E-REG-1', { authorization: `Bearer ${token}` })).toMatchObject({ status: 403, body: { code: 'INSUFFICIENT_SCOPE' } });
    expect((await call('GET', '/v1/tariffs/BY-READER', reader)).status).toBe(404);
  });
});
