import { Consumer, stringDeserializer } from '@platformatic/kafka';
import type { Pool } from 'pg';
import type { ServicePrincipal } from '@surge/auth/principal.model';
import { BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE } from '@surge/billing/billing-postgres.migrations';
import { MEMBERSHIP_SCHEMA, type MembershipV1 } from '@surge/flexibility-contracts/flexibility.events';
import { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { deleteTopics, ensureTopics } from '@surge/kafka/topic.admin';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase, migratePostgres } from '@surge/postgres/postgres.migrator';
import { decodeRegistrySnapshot, type RegistrySnapshotV1 } from '@surge/registry-contracts/registry-change.event';
import { TOPICS } from '@surge/topic-catalog/topic.catalog';
import { sampleAccount, sampleMpan } from '@surge-test/fixtures/registry.stub';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { FlexMembershipIntake } from './flex-membership.intake';
import { REGISTRY_MIGRATIONS, REGISTRY_MIGRATIONS_TABLE } from './registry-postgres.migrations';
import { RegistryOutboxRelay } from './registry-outbox.relay';
import { RegistryService } from './registry.service';

/**
 * Issue 17: the registry applies the category change a flexibility enrolment asks for, from
 * flex.membership.v1 (real Kafka, its own consumer group) into its history on real PostgreSQL, and
 * publishes the account's new snapshot on registry.v1. A redelivered request changes nothing; an account a
 * person moved since stays as they left it; a record that is not the contract is skipped.
 */
describe('registry: category changes from flexibility enrolments', () => {
  const dbName = uniqueName('registry_flex');
  const membershipTopic = uniqueName('flex-membership-int');
  const registryTopic = uniqueName('registry-flex-int');
  const writer: ServicePrincipal = { kind: 'service', id: 'staff-1', scopes: ['registry:write', 'registry:read'] };
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  let pool: Pool;
  let publisher: PlatformaticEventPublisher;
  let relay: RegistryOutboxRelay;
  let service: RegistryService;
  let consumer: PlatformaticBatchConsumer;
  let reader: Consumer<string, Buffer, string, string>;
  const handled: Array<Record<string, number>> = [];
  const poison: string[] = [];
  const seen: RegistrySnapshotV1[] = [];

  beforeAll(async () => {
    await ensurePostgresDatabase(admin, dbName);
    const url = new URL(testEnv.DATABASE_URL);
    url.pathname = `/${dbName}`;
    pool = createPostgresPool(url.toString(), { max: 4 });
    await migratePostgres(pool, BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE);
    await migratePostgres(pool, REGISTRY_MIGRATIONS, REGISTRY_MIGRATIONS_TABLE);
    await ensureTopics(testEnv.KAFKA_BROKERS, [{ ...TOPICS.registry, name: registryTopic }, { ...TOPICS.flexMembership, name: membershipTopic }]);
    publisher = new PlatformaticEventPublisher({ brokers: testEnv.KAFKA_BROKERS, clientId: uniqueName('registry-flex'), deadlineMs: 10_000, maxBufferedRecords: 1000, maxBatchRecords: 100, lingerMs: 1, maxInFlightRequests: 1, lanes: 1 });
    relay = new RegistryOutboxRelay(pool, publisher, registryTopic, { batchSize: 100, idleMs: 100, coalesceMs: 5, retryMinMs: 50, retryMaxMs: 500 });
    service = new RegistryService(pool, { today: () => '2026-12-01', onCommitted: () => relay.nudge() });
    await service.createAccount(writer, sampleAccount('FLEX-D', sampleMpan(21)));
    await service.createAccount(writer, sampleAccount('FLEX-MOVED', sampleMpan(22)));
    await service.changeCategory(writer, 'FLEX-MOVED', { category: 'B', effectiveFrom: '2026-11-30' });
    await pool.query('DELETE FROM registry_outbox'); // only the changes made from here on are looked at on the topic
    relay.start();
    const intake = new FlexMembershipIntake(pool, { handled: (o) => handled.push(o), poison: (r) => poison.push(r) }, () => relay.nudge());
    consumer = new PlatformaticBatchConsumer({
      brokers: testEnv.KAFKA_BROKERS,
      clientId: uniqueName('registry-flex-consumer'),
      groupId: uniqueName('registry-flex-membership'),
      topics: [membershipTopic],
      maxBatchRecords: 50,
      maxBatchWaitMs: 50,
      retryMinMs: 50,
      retryMaxMs: 500,
    });
    await consumer.start((batch) => intake.handle(batch));
    reader = new Consumer<string, Buffer, string, string>({
      groupId: uniqueName('registry-flex-reader'),
      clientId: uniqueName('registry-flex-reader'),
      bootstrapBrokers: testEnv.KAFKA_BROKERS,
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    });
    const stream = await reader.consume({ topics: [registryTopic], mode: 'earliest', autocommit: false });
    stream.on('data', (m) => seen.push(decodeRegistrySnapshot(m.value, m.key)));
  }, 60_000);

  afterAll(async () => {
    await consumer?.stop().catch(() => undefined);
    await relay?.stop();
    await reader?.close(true).catch(() => undefined);
    await publisher?.close();
    await pool?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, [registryTopic, membershipTopic]).catch(() => undefined);
  });

  const fact = (accountId: string, change: MembershipV1['change'], at = '2026-12-01T17:45:00.000Z'): MembershipV1 => ({
    schema: MEMBERSHIP_SCHEMA,
    membershipEventId: change === 'enrolled' ? `${accountId}:enrolled` : `${accountId}:category-D-C`,
    accountId,
    change,
    categoryFrom: 'D',
    categoryTo: 'C',
    reason: 'A passive consumer who enrols flexible devices becomes a passive participant (C)',
    at,
  });
  const send = (values: Array<MembershipV1 | string>) =>
    publisher.publish(values.map((v) => ({ topic: membershipTopic, key: typeof v === 'string' ? 'FLEX-D' : v.accountId, value: typeof v === 'string' ? v : JSON.stringify(v) })));
  const total = (outcome: string) => handled.reduce((n, o) => n + (o[outcome] ?? 0), 0);

  it('moves a D account to C with its own history row, published on registry.v1, once however often the request is redelivered', async () => {
    await send(['not json', JSON.stringify({ ...fact('FLEX-D', 'category-change-requested'), membershipEventId: 'bad-at', at: 'yesterday' }), fact('FLEX-D', 'enrolled'), fact('FLEX-D', 'category-change-requested'), fact('FLEX-D', 'category-change-requested')]);
    await eventually(async () => total('applied') + total('duplicate') >= 2, 30_000);
    expect(total('applied')).toBe(1);
    expect(total('duplicate')).toBe(1);
    expect(total('ignored')).toBe(1);
    expect(poison).toHaveLength(2);

    const view = await service.getAccount(writer, 'FLEX-D');
    expect(view.account.category).toBe('C');
    expect(view.history.categories.map((v) => [v.version, v.category, v.effectiveFrom, v.recordedBy])).toEqual([
      [1, 'D', '2021-06-01', 'staff-1'],
      [2, 'C', '2026-12-01', 'flexibility:FLEX-D:category-D-C'],
    ]);
    await eventually(async () => seen.some((s) => s.schema === 'registry.account.v1' && s.accountId === 'FLEX-D'), 30_000);
    const snapshot = seen.find((s) => s.schema === 'registry.account.v1' && s.accountId === 'FLEX-D')!;
    expect(snapshot).toMatchObject({ category: 'C', categoryEffectiveFrom: '2026-12-01', change: 'account.category-changed' });

    // Redelivered later (a flexibility relay crash between ack and delete): nothing new, no second snapshot.
    await send([fact('FLEX-D', 'category-change-requested')]);
    await eventually(async () => total('duplicate') >= 2, 30_000);
    await new Promise((r) => setTimeout(r, 500)); // a second snapshot would arrive about now
    expect((await service.getAccount(writer, 'FLEX-D')).history.categories).toHaveLength(2);
    expect(seen.filter((s) => s.schema === 'registry.account.v1' && s.accountId === 'FLEX-D')).toHaveLength(1);
    expect((await pool.query('SELECT outcome, category_version FROM registry_membership_requests')).rows).toEqual([{ outcome: 'applied', category_version: 2 }]);
  });

  it('leaves an account a person moved since as it is, and records an unknown account rather than retrying it forever', async () => {
    await send([fact('FLEX-MOVED', 'category-change-requested'), fact('NO-SUCH-ACCOUNT', 'category-change-requested')]);
    await eventually(async () => total('already-moved') + total('unknown-account') >= 2, 30_000);
    const moved = await service.getAccount(writer, 'FLEX-MOVED');
    expect(moved.account.category).toBe('B');
    expect(moved.history.categories.map((v) => v.category)).toEqual(['D', 'B']);
    const outcomes = await pool.query(`SELECT account_id, outcome FROM registry_membership_requests WHERE account_id <> 'FLEX-D' ORDER BY account_id`);
    expect(outcomes.rows).toEqual([
      { account_id: 'FLEX-MOVED', outcome: 'already-moved' },
      { account_id: 'NO-SUCH-ACCOUNT', outcome: 'unknown-account' },
    ]);
    expect(seen.filter((s) => s.schema === 'registry.account.v1' && s.accountId === 'FLEX-MOVED')).toHaveLength(0);
  });
});
