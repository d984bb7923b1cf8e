import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Principal } from '@surge/auth/principal.model';
import { BILL_ISSUED_SCHEMA, type BillIssuedV1 } from '@surge/billing-contracts/bill-issued.event';
import type { OutgoingRecord } from '@surge/kafka/kafka-record';
import { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { deleteTopics, ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics, type TopicCatalog } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase, migratePostgres } from '@surge/postgres/postgres.migrator';
import type { ReadingOutcomeV1 } from '@surge/reading-contracts/reading-outcome.event';
import { ACCOUNT_SNAPSHOT_SCHEMA, type AccountSnapshotV1 } from '@surge/registry-contracts/registry-change.event';
import { SURVEY_ANSWERED_SCHEMA, SURVEY_INVITED_SCHEMA } from '@surge/survey-contracts/survey-event.event';
import { FLOW_ACCOUNT_INGESTED_SCHEMA, type FlowAccountIngestedV1 } from '@surge/flow-contracts/flow-account-ingested.event';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { timelineTopicMap, timelineTopics } from './timeline-topic.map';
import { TimelineProjector } from './timeline-projector.service';
import { TimelineQueryService } from './timeline-query.service';
import { TIMELINE_PG_MIGRATIONS, TIMELINE_PG_TRACKING_TABLE } from './timeline-postgres.migrations';
import { PgTimelineRepository } from './timeline.repository';

/**
 * Real Kafka and PostgreSQL; this file's own topics and databases. Shows the three promises of the read
 * model: idempotent on redelivery, catching up after it was down, and rebuildable from the topics from
 * scratch with the same answer.
 */
describe('timeline against Kafka and PostgreSQL', () => {
  const prefix = `${uniqueName('it_timeline')}.`;
  const databases = [uniqueName('it_timeline_a'), uniqueName('it_timeline_b')];
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  const pools: Pool[] = [];
  let topics: TopicCatalog;
  let publisher: PlatformaticEventPublisher;

  const ACCOUNT = uniqueName('acct');
  const OTHER = uniqueName('acct');
  const MPAN = `12${String(Date.now()).slice(-11)}`;
  const SERIAL = `TL${randomUUID().slice(0, 8).toUpperCase()}`;
  const staff: Principal = { kind: 'service', id: 'cs', scopes: ['timeline:read'] };
  const otherStaff: Principal = { kind: 'service', id: 'billing', scopes: ['billing:read'] };
  const customer = (accountId: string): Principal => ({ kind: 'customer', id: `c-${accountId}`, accountId, supplyPointIds: [], meterSerials: [] });

  const at = (minute: number) => new Date(Date.UTC(2026, 2, 31, 8, minute)).toISOString();
  const outcome = (accountId: string, minute: number, o: Partial<ReadingOutcomeV1> = {}): OutgoingRecord => {
    const e: ReadingOutcomeV1 = {
      schema: 'reading.outcome.v1', readingId: randomUUID(), accountId, supplyPointId: MPAN, meterSerial: SERIAL, registerId: '1', readAt: '2026-03-31T00:00:00.000Z',
      value: String(1000 + minute), channel: 'web', status: 'accepted', reasonCode: null, message: null, duplicateOf: null, decidedAt: at(minute), correlationId: randomUUID(), ...o,
    };
    return { topic: e.status === 'accepted' ? topics.readingAccepted.name : topics.readingRejected.name, key: accountId, value: JSON.stringify(e) };
  };
  const bill = (accountId: string, minute: number): OutgoingRecord => {
    const e: BillIssuedV1 = {
      schema: BILL_ISSUED_SCHEMA, billId: randomUUID(), accountId, kind: 'bill', correctsBillId: null, periodStart: '2026-03-01', periodEnd: '2026-03-31', netPence: '10000', vatPence: '500',
      totalPence: '10500', estimated: false, issuedAt: at(minute), lines: [{ lineNo: 1, kind: 'energy', description: 'Energy', periodFrom: '2026-03-01', periodTo: '2026-03-31', amountPence: '10000', estimated: false }],
    };
    return { topic: topics.bills.name, key: accountId, value: JSON.stringify(e) };
  };
  const survey = (accountId: string, minute: number, answered: boolean): OutgoingRecord[] => {
    const invitationId = randomUUID();
    const readingId = randomUUID();
    const invited = { schema: SURVEY_INVITED_SCHEMA, invitationId, accountId, readingId, channel: 'web', invitedAt: at(minute), expiresAt: at(minute + 600) };
    const answer = { schema: SURVEY_ANSWERED_SCHEMA, invitationId, accountId, readingId, score: 4, comment: 'fine', answeredAt: at(minute + 1) };
    return [invited, ...(answered ? [answer] : [])].map((e) => ({ topic: topics.surveys.name, key: accountId, value: JSON.stringify(e) }));
  };
  const registry = (accountId: string, revision: number, serial: string): OutgoingRecord => {
    const s: AccountSnapshotV1 = {
      schema: ACCOUNT_SNAPSHOT_SCHEMA, revision: String(revision), accountId, category: 'D', categoryEffectiveFrom: '2020-01-01', domestic: true, vulnerable: false, vatRate: '0.05',
      supplyPoints: [{ supplyPointId: MPAN, fuel: 'electricity', supplyStart: '2020-01-01', meters: [{ meterSerial: serial, installedOn: '2020-01-01', removedOn: null, registers: [] }] }],
      agreements: [], change: revision === 1 ? 'account.created' : 'meter.exchanged', changedAt: at(revision),
    };
    return { topic: topics.registry.name, key: accountId, value: JSON.stringify(s) };
  };

  const consumer = (groupId: string, projector: TimelineProjector) => {
    const c = new PlatformaticBatchConsumer({
      brokers: testEnv.KAFKA_BROKERS, clientId: 'it-timeline', groupId, topics: [...timelineTopicMap(topics).keys()],
      maxBatchRecords: 7, maxBatchWaitMs: 50, retryMinMs: 100, retryMaxMs: 1000, sessionTimeoutMs: 6000,
    });
    return { start: () => c.start((batch) => projector.handle(batch)), stop: () => c.stop() };
  };
  const allPages = async (service: TimelineQueryService, principal: Principal, accountId: string, limit = 3) => {
    const items: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<TimelineQueryService['timeline']>> = await service.timeline(principal, accountId, { limit: String(limit), ...(cursor ? { cursor } : {}) });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };

  beforeAll(async () => {
    topics = resolveTopics(prefix);
    await ensureTopics(testEnv.KAFKA_BROKERS, timelineTopics(topics));
    for (const db of databases) {
      await ensurePostgresDatabase(admin, db);
      const url = new URL(testEnv.DATABASE_URL);
      url.pathname = `/${db}`;
      const pool = createPostgresPool(url.toString(), { max: 4 });
      await migratePostgres(pool, TIMELINE_PG_MIGRATIONS, TIMELINE_PG_TRACKING_TABLE);
      pools.push(pool);
    }
    publisher = new PlatformaticEventPublisher({ brokers: testEnv.KAFKA_BROKERS, clientId: 'it-timeline', deadlineMs: 10_000, maxBufferedRecords: 1000, maxBatchRecords: 100, lingerMs: 2, maxInFlightRequests: 1, lanes: 1 });
  });

  afterAll(async () => {
    await publisher?.close();
    for (const pool of pools) await pool.end();
    for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, timelineTopics(topics).map((t) => t.name)).catch(() => undefined);
  });

  it('builds each story in order, catches up after downtime, ignores redelivery, and a rebuild from the topics gives the same answer', async () => {
    const [poolA, poolB] = pools as [Pool, Pool];
    const repoA = new PgTimelineRepository(poolA);
    const stored: string[] = [];
    const afterTopic: number[] = [];
    const projectorA = new TimelineProjector(repoA, timelineTopicMap(topics), {
      projected: () => undefined,
      skipped: () => undefined,
      stored: (source) => stored.push(source),
      storedAfterTopic: (_source, seconds) => afterTopic.push(seconds),
    });
    const serviceA = new TimelineQueryService(repoA);

    const firstHalf = [registry(ACCOUNT, 1, 'OLD1'), outcome(ACCOUNT, 10, { status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', message: 'Lower than before' }), ...survey(ACCOUNT, 11, false), outcome(OTHER, 12, { supplyPointId: '1299999999999', meterSerial: 'OTHER1' })];
    const secondHalf = [registry(ACCOUNT, 2, SERIAL), outcome(ACCOUNT, 20), bill(ACCOUNT, 30), ...survey(ACCOUNT, 40, true), outcome(ACCOUNT, 50, { status: 'held', reasonCode: 'HIGH_ADVANCE' })];

    const live = consumer(`${prefix}timeline`, projectorA);
    await publisher.publish(firstHalf);
    await live.start();
    await eventually(async () => (await allPages(serviceA, staff, ACCOUNT)).length === 3);
    await live.stop(); // the timeline is down...
    await publisher.publish(secondHalf); // ...while the rest of the platform goes on
    const restarted = consumer(`${prefix}timeline`, projectorA);
    await restarted.start(); // and it catches up from its committed offsets
    const expectedCount = 3 + 6;
    const built = await eventually(async () => {
      const items = await allPages(serviceA, staff, ACCOUNT);
      return items.length === expectedCount ? items : null;
    });
    await restarted.stop();

    // Newest first, every kind there, links to the things themselves.
    const kinds = (built as { kind: string }[]).map((e) => e.kind);
    expect(kinds).toEqual(['reading.held', 'survey.answered', 'survey.invited', 'bill.issued', 'reading.accepted', 'survey.invited', 'reading.rejected', 'registry.changed', 'registry.changed']);

    // Redelivery: the same records again (a crash between write and commit) change nothing.
    const again = [...firstHalf, ...secondHalf].map((r, i) => ({ topic: r.topic, partition: 0, offset: BigInt(i), key: r.key, value: Buffer.from(r.value), headers: {}, timestamp: Date.now() }));
    const storedBefore = stored.length;
    expect(storedBefore).toBe(expectedCount + 1); // every entry once (OTHER's reading too), each with its freshness
    await projectorA.handle(again);
    await projectorA.handle(again.slice(3));
    expect(await allPages(serviceA, staff, ACCOUNT)).toEqual(built);
    expect(stored.length).toBe(storedBefore); // a redelivery stores nothing, so it is not measured again
    // The timeline's own part, from the record on its topic to the entry stored: once per entry, seconds here.
    expect(afterTopic).toHaveLength(storedBefore);
    expect(afterTopic.every((s) => s >= 0 && s < 60)).toBe(true);

    // Rebuild from scratch: a new database and a new consumer group read every topic from the beginning.
    const repoB = new PgTimelineRepository(poolB);
    const rebuild = consumer(`${prefix}timeline-rebuild`, new TimelineProjector(repoB, timelineTopicMap(topics)));
    await rebuild.start();
    const serviceB = new TimelineQueryService(repoB);
    const rebuilt = await eventually(async () => {
      const items = await allPages(serviceB, staff, ACCOUNT, 50);
      return items.length === expectedCount ? items : null;
    });
    await rebuild.stop();
    expect(rebuilt).toEqual(built);
    expect(await allPages(serviceB, customer(ACCOUNT), ACCOUNT, 50)).toEqual(await allPages(serviceA, customer(ACCOUNT), ACCOUNT, 50));

    // The search index follows the highest registry revision: the old serial no longer finds the account.
    expect((await serviceA.lookup(staff, { q: SERIAL })).matches).toEqual([{ accountId: ACCOUNT, matchedOn: 'meter_serial', timeline: `/v1/accounts/${ACCOUNT}/timeline` }]);
    expect((await serviceA.lookup(staff, { q: 'OLD1' })).matches).toEqual([]);
    expect((await serviceA.lookup(staff, { q: MPAN })).matches).toEqual([{ accountId: ACCOUNT, matchedOn: 'mpan', timeline: `/v1/accounts/${ACCOUNT}/timeline` }]);
    // An account the registry never announced is still found by the meter its readings name.
    expect((await serviceA.lookup(staff, { q: 'OTHER1' })).matches).toEqual([{ accountId: OTHER, matchedOn: 'meter_serial', timeline: `/v1/accounts/${OTHER}/timeline` }]);
    expect((await serviceA.lookup(staff, { q: OTHER })).matches).toEqual([{ accountId: OTHER, matchedOn: 'account_id', timeline: `/v1/accounts/${OTHER}/timeline` }]);
  }, 90_000);

  it('an industry flow: its entry per account, its readings saying their channel, and what the sink decided about them counted when the page is read (a review since shows)', async () => {
    const pool = pools[0]!;
    const repo = new PgTimelineRepository(pool);
    const service = new TimelineQueryService(repo);
    const FLOWACCT = uniqueName('acct');
    const flowId = randomUUID().replace(/^(.{14})./, '$15'); // any UUID (flow ids are v5-shaped)
    const ingested: FlowAccountIngestedV1 = {
      schema: FLOW_ACCOUNT_INGESTED_SCHEMA, eventId: `${flowId}:${FLOWACCT}`, flowId, flowType: 'D0010', fileId: 'F0000042', sender: { role: 'D', mpid: 'UDMS' },
      accountId: FLOWACCT, readings: 3, supplyPointIds: [MPAN], receivedAt: at(5), processedAt: at(6),
    };
    const fromFlow = (minute: number, o: Partial<ReadingOutcomeV1>) => outcome(FLOWACCT, minute, { channel: 'd0010', correlationId: `flow-${flowId}`, ...o });
    const heldId = randomUUID();
    const records = [
      { topic: topics.industryFlows.name, key: FLOWACCT, value: JSON.stringify(ingested) },
      fromFlow(7, {}),
      fromFlow(8, { readingId: heldId, status: 'held', reasonCode: 'HIGH_ADVANCE' }),
      fromFlow(9, { status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', message: 'Lower than before' }),
      outcome(FLOWACCT, 10, { channel: 'web' }), // not from the flow: not counted
    ];
    await publisher.publish(records);
    const live = consumer(`${prefix}timeline`, new TimelineProjector(repo, timelineTopicMap(topics)));
    await live.start();
    const page = await eventually(async () => {
      const p = await service.timeline(staff, FLOWACCT, {}).catch(() => null);
      return p && p.items.length === 5 ? p : null;
    });
    const flowEntry = page.items.find((e) => e.kind === 'flow.ingested')!;
    expect(flowEntry).toMatchObject({
      id: `flow:${flowId}:${FLOWACCT}`,
      source: 'flow-intake',
      occurredAt: at(5),
      summary: 'Industry flow F0000042 from D UDMS: 3 readings (1 accepted, 1 held for review, 1 rejected)',
      link: { type: 'industry-flow', id: flowId, href: `/v1/industry/flows/${flowId}` },
      details: { outcomes: { accepted: 1, held: 1, rejected: 1, undecided: 0 } },
    });
    expect(page.items.at(-1)!.id).toBe(flowEntry.id); // received before its readings were decided
    expect(page.items.filter((e) => e.kind.startsWith('reading.') && (e.details as { flowId?: string }).flowId === flowId)).toHaveLength(3);
    expect(page.items.filter((e) => e.summary.includes('(D0010 flow)'))).toHaveLength(3);

    // The held reading is reviewed and accepted: the flow's counts follow, with nothing rewritten.
    await publisher.publish([fromFlow(30, { readingId: heldId, status: 'accepted', reasonCode: 'ACCEPTED_ON_REVIEW', reviewId: randomUUID() })]);
    const reviewed = await eventually(async () => {
      const p = await service.timeline(staff, FLOWACCT, { kind: 'flow' });
      return p.items[0]?.summary.includes('2 accepted') ? p : null;
    });
    await live.stop();
    expect(reviewed.items.map((e) => e.summary)).toEqual(['Industry flow F0000042 from D UDMS: 3 readings (2 accepted, 0 held for review, 1 rejected)']);

    // Redelivered: the same entry once. And the customer sees the flow too, without the staff note.
    await new TimelineProjector(repo, timelineTopicMap(topics)).handle(records.map((r, i) => ({ topic: r.topic, partition: 0, offset: BigInt(i), key: r.key, value: Buffer.from(r.value), headers: {}, timestamp: Date.now() })));
    expect((await service.timeline(staff, FLOWACCT, { kind: 'flow' })).items).toEqual(reviewed.items);
    const own = await service.timeline(customer(FLOWACCT), FLOWACCT, { kind: 'flow' });
    expect(own.items.map((e) => e.summary)).toEqual(reviewed.items.map((e) => e.summary));
    expect('staffNote' in own.items[0]!).toBe(false);
    // Paging past it: a page that ends on the flow entry gives a cursor the next page takes.
    const pages = await allPages(service, staff, FLOWACCT, 1);
    expect(pages).toHaveLength(6);
  });

  it('registry snapshots of many accounts in one batch: each account keeps its highest revision, in three statements whatever the batch', async () => {
    const repo = new PgTimelineRepository(pools[0]!);
    const service = new TimelineQueryService(repo);
    const [x, y] = [uniqueName('acct'), uniqueName('acct')];
    const ids = (accountId: string, revision: bigint, serial: string) => ({ accountId, revision, supplyPointIds: [], meterSerials: [serial] });
    const tag = randomUUID().slice(0, 6).toUpperCase();
    await repo.apply([], [ids(x, 5n, `XA${tag}`), ids(y, 1n, `YB${tag}`), ids(x, 3n, `XZ${tag}`)]);
    await repo.apply([], [ids(x, 4n, `XC${tag}`), ids(y, 2n, `YD${tag}`)]);
    const found = async (q: string) => (await service.lookup(staff, { q })).matches.map((m) => m.accountId);
    expect(await found(`XA${tag}`)).toEqual([x]); // revision 5 stays: 3 (same batch) and 4 (later batch) are older
    expect(await found(`XZ${tag}`)).toEqual([]);
    expect(await found(`XC${tag}`)).toEqual([]);
    expect(await found(`YB${tag}`)).toEqual([]); // revision 2 replaced 1
    expect(await found(`YD${tag}`)).toEqual([y]);
  });

  it('filters by kind and time, hides staff notes from the customer, and answers 404 for another account or an unknown one', async () => {
    const service = new TimelineQueryService(new PgTimelineRepository(pools[0]!));
    const bills = await service.timeline(staff, ACCOUNT, { kind: 'bill' });
    expect(bills.items.map((e) => e.kind)).toEqual(['bill.issued']);
    expect(bills.items[0]).toMatchObject({ source: 'billing', link: { type: 'bill' }, details: { totalPence: '10500', lines: [expect.objectContaining({ kind: 'energy' })] } });
    const window = await service.timeline(staff, ACCOUNT, { from: at(20), to: at(40) });
    expect(window.items.map((e) => e.kind)).toEqual(['bill.issued', 'reading.accepted']);
    const readings = await service.timeline(staff, ACCOUNT, { kind: 'reading,survey' });
    expect(new Set(readings.items.map((e) => e.kind.split('.')[0]))).toEqual(new Set(['reading', 'survey']));

    const staffView = await service.timeline(staff, ACCOUNT, { kind: 'reading' });
    expect(staffView.items.every((e) => 'staffNote' in e && typeof e.staffNote === 'string')).toBe(true);
    const own = await service.timeline(customer(ACCOUNT), ACCOUNT, { kind: 'reading' });
    expect(own.items.map((e) => e.id)).toEqual(staffView.items.map((e) => e.id));
    expect(own.items.some((e) => 'staffNote' in e)).toBe(false);
    const rejected = own.items.find((e) => e.kind === 'reading.rejected');
    expect(rejected?.details).toMatchObject({ reasonCode: 'NEGATIVE_ADVANCE', message: 'Lower than before' });

    await expect(service.timeline(customer(ACCOUNT), OTHER, {})).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    await expect(service.timeline(staff, uniqueName('nobody'), {})).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    await expect(service.timeline(otherStaff, ACCOUNT, {})).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
    await expect(service.lookup(customer(ACCOUNT), { q: ACCOUNT })).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
    await expect(service.timeline(staff, ACCOUNT, { kind: 'gossip' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(service.timeline(staff, ACCOUNT, { from: at(40), to: at(20) })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(service.timeline(staff, ACCOUNT, { cursor: 'nope' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    await expect(service.timeline(staff, ACCOUNT, { colour: 'red' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
