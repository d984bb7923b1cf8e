import { Consumer, stringDeserializer } from '@platformatic/kafka';
import type { Pool } from 'pg';
import type { ServicePrincipal } from '@surge/auth/principal.model';
import { BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE } from '@surge/billing/billing-postgres.migrations';
import { AppError } from '@surge/errors/app.error';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { deleteTopics, ensureTopics } from '@surge/kafka/topic.admin';
import { TOPICS } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase, migratePostgres } from '@surge/postgres/postgres.migrator';
import { decodeRegistrySnapshot, type RegistrySnapshotV1 } from '@surge/registry-contracts/registry-change.event';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { sampleAccount, sampleMpan, sampleTariff } from '@surge-test/fixtures/registry.stub';
import { REGISTRY_MIGRATIONS, REGISTRY_MIGRATIONS_TABLE } from './registry-postgres.migrations';
import { RegistryOutboxRelay } from './registry-outbox.relay';
import { republishRegistry } from './registry.republisher';
import { RegistryService } from './registry.service';

/**
 * The registry on real PostgreSQL and Kafka: a tariff, an account and an agreement created through the
 * service; each change is one snapshot on the compacted topic, once, even with the relay stopped and
 * started between changes; history is appended, never overwritten; a refused request writes nothing.
 */
describe('registry on PostgreSQL and Kafka', () => {
  const dbName = uniqueName('registry_int');
  const topic = uniqueName('registry-int');
  const writer: ServicePrincipal = { kind: 'service', id: 'staff-1', scopes: ['registry:write'] };
  const reader: ServicePrincipal = { kind: 'service', id: 'reader', scopes: ['registry:read'] };
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  let pool: Pool;
  let publisher: PlatformaticEventPublisher;
  let relay: RegistryOutboxRelay;
  let service: RegistryService;
  let consumer: Consumer<string, Buffer, string, string>;
  const seen: Array<{ key: string; snapshot: RegistrySnapshotV1 }> = [];
  const relayOptions = { batchSize: 100, idleMs: 100, coalesceMs: 5, retryMinMs: 50, retryMaxMs: 500 };

  beforeAll(async () => {
    await ensurePostgresDatabase(admin, dbName);
    const url = new URL(testEnv.DATABASE_URL);
    url.pathname = `/${dbName}`;
    pool = createPostgresPool(url.toString(), { max: 4 });
    await migratePostgres(pool, BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE);
    await migratePostgres(pool, REGISTRY_MIGRATIONS, REGISTRY_MIGRATIONS_TABLE);
    await ensureTopics(testEnv.KAFKA_BROKERS, [{ ...TOPICS.registry, name: topic }]);
    publisher = new PlatformaticEventPublisher({ brokers: testEnv.KAFKA_BROKERS, clientId: uniqueName('registry-int'), deadlineMs: 10_000, maxBufferedRecords: 1000, maxBatchRecords: 100, lingerMs: 1, maxInFlightRequests: 1, lanes: 1 });
    relay = new RegistryOutboxRelay(pool, publisher, topic, relayOptions);
    service = new RegistryService(pool, { today: () => '2022-05-01', onCommitted: () => relay.nudge() });
    consumer = new Consumer<string, Buffer, string, string>({
      groupId: uniqueName('registry-int-reader'),
      clientId: uniqueName('registry-int-reader'),
      bootstrapBrokers: testEnv.KAFKA_BROKERS,
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    });
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    stream.on('data', (m) => seen.push({ key: m.key, snapshot: decodeRegistrySnapshot(m.value, m.key) }));
  }, 60_000);

  afterAll(async () => {
    await relay?.stop();
    await consumer?.close(true).catch(() => undefined);
    await publisher?.close();
    await pool?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, [topic]).catch(() => undefined);
  });

  const refusal = async (p: Promise<unknown>): Promise<AppError> => {
    const e = await p.then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  };

  it('creates a tariff, an account and an agreement; each change is one snapshot on the topic, once, across relay restarts', async () => {
    relay.start();
    await service.createTariff(writer, sampleTariff('PC-E'));
    await eventually(async () => seen.length >= 1);
    // Relay stopped: the change commits, its event waits in the outbox; started again, it goes out once.
    await relay.stop();
    await service.createAccount(writer, sampleAccount('ACC-1', sampleMpan(1)));
    expect(await relay.pending()).toBe(1);
    relay.start();
    await eventually(async () => seen.length >= 2);
    await relay.stop();
    relay.start();
    const view = await service.createAgreement(writer, 'ACC-1', { supplyPointId: sampleMpan(1), tariffId: 'PC-E', validFrom: '2021-06-01' });
    expect(view.account.agreements).toEqual([expect.objectContaining({ tariffId: 'PC-E', validFrom: '2021-06-01', validTo: null })]);
    await eventually(async () => seen.length >= 3);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive about now
    expect(await relay.pending()).toBe(0);
    expect(seen.map((s) => [s.key, s.snapshot.change])).toEqual([
      ['tariff:PC-E', 'tariff.created'],
      ['ACC-1', 'account.created'],
      ['ACC-1', 'agreement.created'],
    ]);
    const revisions = seen.map((s) => BigInt(s.snapshot.revision));
    expect([...revisions].sort((a, b) => (a < b ? -1 : 1))).toEqual(revisions);
    const last = seen[2]!.snapshot;
    expect(last).toMatchObject({ schema: 'registry.account.v1', accountId: 'ACC-1', category: 'D', vatRate: '0.05' });
    if (last.schema !== 'registry.account.v1') throw new Error('unreachable');
    expect(last.supplyPoints[0]!.meters[0]!.registers[0]).toMatchObject({ registerId: 'S', digits: 5, eacKwh: '2900', eacEffectiveFrom: '2021-06-01' });
    const tariff = seen[0]!.snapshot;
    if (tariff.schema !== 'registry.tariff.v1') throw new Error('unreachable');
    expect(tariff.unitRates.map((r) => [r.validFrom, r.exVat, r.incVat])).toEqual([
      ['2021-10-01', '20', '21'],
      ['2022-04-01', '26.990476', '28.34'],
    ]);
  });

  it('keeps history: a category or EAC change is a new version row, the old one stays and cannot be updated', async () => {
    const before = seen.length;
    await service.changeCategory(writer, 'ACC-1', { category: 'C', effectiveFrom: '2022-04-01' });
    const key = { supplyPointId: sampleMpan(1), meterSerial: 'E12M00001', registerId: 'S' };
    const view = await service.changeEac(writer, 'ACC-1', key, { eacKwh: '3100.5', effectiveFrom: '2022-04-15' });
    expect(view.account.category).toBe('C');
    expect(view.history.categories.map((v) => [v.version, v.category, v.effectiveFrom, v.recordedBy])).toEqual([
      [1, 'D', '2021-06-01', 'staff-1'],
      [2, 'C', '2022-04-01', 'staff-1'],
    ]);
    expect(view.history.eac.map((v) => [v.version, v.eacKwh, v.effectiveFrom])).toEqual([
      [1, '2900', '2021-06-01'],
      [2, '3100.5', '2022-04-15'],
    ]);
    // Billing's columns carry the current version.
    const { rows } = await pool.query("SELECT a.category, r.eac_kwh::text AS eac FROM accounts a JOIN supply_points sp USING (account_id) JOIN registers r USING (supply_point_id) WHERE a.account_id = 'ACC-1'");
    expect(rows).toEqual([{ category: 'C', eac: '3100.5' }]);
    await expect(pool.query("UPDATE registry_account_versions SET category = 'A' WHERE account_id = 'ACC-1'")).rejects.toThrow(/append-only/);
    await expect(pool.query("DELETE FROM registry_register_eac_versions")).rejects.toThrow(/append-only/);
    // Out of order and future-dated changes are refused.
    expect((await refusal(service.changeCategory(writer, 'ACC-1', { category: 'B', effectiveFrom: '2022-03-01' }))).code).toBe('VERSION_OUT_OF_ORDER');
    expect((await refusal(service.changeEac(writer, 'ACC-1', key, { eacKwh: '1', effectiveFrom: '2022-06-01' }))).code).toBe('EFFECTIVE_DATE_IN_FUTURE');
    await eventually(async () => seen.length >= before + 2);
    const latest = seen[seen.length - 1]!.snapshot;
    expect(latest).toMatchObject({ change: 'register.eac-changed', category: 'C' });
    const read = await service.getAccount(reader, 'ACC-1');
    expect(read.history.categories).toHaveLength(2);
  });

  it('refuses bad requests with stable codes and writes nothing (one transaction per request)', async () => {
    const outboxBefore = (await pool.query<{ n: string }>('SELECT count(*) AS n FROM registry_outbox')).rows[0]!.n;
    const accountsBefore = (await pool.query<{ n: string }>('SELECT count(*) AS n FROM accounts')).rows[0]!.n;
    expect((await refusal(service.createAccount(writer, sampleAccount('ACC-1', sampleMpan(2))))).code).toBe('ACCOUNT_ALREADY_EXISTS');
    // The second supply point is taken: nothing of the account (not even its first supply point) is written.
    const taken = sampleAccount('ACC-2', sampleMpan(3));
    const withTaken = { ...taken, supplyPoints: [...taken.supplyPoints, { ...taken.supplyPoints[0]!, supplyPointId: sampleMpan(1) }] };
    expect((await refusal(service.createAccount(writer, withTaken))).code).toBe('SUPPLY_POINT_ALREADY_REGISTERED');
    expect((await refusal(service.createAccount(writer, sampleAccount('ACC-3', '1200000000003')))).code).toBe('VALIDATION_FAILED');
    expect((await refusal(service.createTariff(writer, sampleTariff('PC-E')))).code).toBe('TARIFF_ALREADY_EXISTS');
    expect((await refusal(service.createAgreement(writer, 'ACC-1', { supplyPointId: sampleMpan(1), tariffId: 'NOPE', validFrom: '2023-01-01' }))).code).toBe('UNKNOWN_TARIFF');
    expect((await refusal(service.createAgreement(writer, 'ACC-1', { supplyPointId: sampleMpan(1), tariffId: 'PC-E', validFrom: '2022-01-01', validTo: '2022-02-01' }))).code).toBe('AGREEMENT_OVERLAP');
    expect((await refusal(service.createAgreement(writer, 'ACC-1', { supplyPointId: sampleMpan(9), tariffId: 'PC-E', validFrom: '2023-01-01' }))).code).toBe('METER_NOT_ON_ACCOUNT');
    await service.createTariff(writer, sampleTariff('PC-G', 'gas'));
    expect((await refusal(service.createAgreement(writer, 'ACC-1', { supplyPointId: sampleMpan(1), tariffId: 'PC-G', validFrom: '2023-01-01' }))).code).toBe('TARIFF_FUEL_MISMATCH');
    expect((await refusal(service.createAgreement(writer, 'NO-SUCH', { supplyPointId: sampleMpan(1), tariffId: 'PC-E', validFrom: '2023-01-01' }))).code).toBe('ACCOUNT_NOT_FOUND');
    expect((await refusal(service.changeEac(writer, 'ACC-1', { supplyPointId: sampleMpan(1), meterSerial: 'E12M00001', registerId: 'NIGHT' }, { eacKwh: '1', effectiveFrom: '2022-04-20' }))).code).toBe('REGISTER_NOT_FOUND');
    expect((await refusal(service.createAccount(reader, sampleAccount('ACC-4', sampleMpan(4))))).code).toBe('INSUFFICIENT_SCOPE');
    expect((await refusal(service.getAccount({ kind: 'service', id: 'x', scopes: ['billing:read'] }, 'ACC-1'))).code).toBe('INSUFFICIENT_SCOPE');
    expect((await pool.query<{ n: string }>('SELECT count(*) AS n FROM accounts')).rows[0]!.n).toBe(accountsBefore);
    expect((await pool.query<{ n: string }>('SELECT count(*) AS n FROM supply_points WHERE supply_point_id = $1', [sampleMpan(3)])).rows[0]!.n).toBe('0');
    // Only the one successful change (tariff PC-G) queued an event.
    const outboxAfter = (await pool.query<{ n: string }>('SELECT count(*) AS n FROM registry_outbox')).rows[0]!.n;
    expect(Number(outboxAfter) - Number(outboxBefore)).toBeLessThanOrEqual(1);
  });

  it('republishes accounts written before the registry (seeded straight into the tables), so the topic holds them too', async () => {
    await relay.stop();
    await pool.query("INSERT INTO accounts (account_id, category, domestic, vat_rate) VALUES ('SEEDED-1', 'B', false, 0.2)");
    await pool.query(`INSERT INTO supply_points (supply_point_id, account_id, fuel, supply_start) VALUES ('${sampleMpan(50)}', 'SEEDED-1', 'electricity', '2020-01-01')`);
    await pool.query('DELETE FROM registry_outbox');
    const result = await republishRegistry(pool, 1);
    expect(result).toEqual({ tariffs: 2, accounts: 2 });
    const { rows } = await pool.query<{ record_key: string; change: string }>("SELECT record_key, payload->>'change' AS change FROM registry_outbox ORDER BY seq");
    expect(rows.map((r) => r.record_key)).toEqual(['tariff:PC-E', 'tariff:PC-G', 'ACC-1', 'SEEDED-1']);
    expect(new Set(rows.map((r) => r.change))).toEqual(new Set(['tariff.republished', 'account.republished']));
    const before = seen.length;
    relay.start();
    await eventually(async () => seen.length >= before + 4);
    expect(seen.find((s) => s.key === 'SEEDED-1')?.snapshot).toMatchObject({ category: 'B', vatRate: '0.2' });
  });
});
