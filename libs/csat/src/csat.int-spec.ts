import { randomUUID } from 'node:crypto';
import { ProduceAcks, Producer } from '@platformatic/kafka';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool } from 'pg';
import type { Principal } from '@surge/auth/principal.model';
import { createClickHouse, ensureDatabase } from '@surge/clickhouse/clickhouse.factory';
import { migrateClickHouse } from '@surge/clickhouse/clickhouse.migrator';
import type { ReadingOutcomeV1 } from '@surge/reading-contracts/reading-outcome.event';
import type { ConsumedRecord } from '@surge/kafka/kafka-record';
import { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { deleteTopics, ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics, type TopicCatalog } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase, migratePostgres } from '@surge/postgres/postgres.migrator';
import { clickHouseSettings, eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { PgAccountCategoryRepository } from './account-category.repository';
import { AnswerOutboxRelay } from './answer-outbox.relay';
import { ClickHouseCsatAnalytics, type CsatAnalytics } from './csat-analytics.repository';
import { CsatReportService } from './csat-report.service';
import { isSatisfied } from './csat.calculator';
import { CSAT_CLICKHOUSE_MIGRATIONS, CSAT_CLICKHOUSE_TRACKING_TABLE } from './csat-clickhouse.migrations';
import { CSAT_PG_MIGRATIONS, CSAT_PG_TRACKING_TABLE } from './csat-postgres.migrations';
import { InvitationIntakeService } from './invitation-intake.service';
import { isSampled, type InvitationPolicy } from './invitation.policy';
import { PgInvitationRepository } from './invitation.repository';
import { PgSurveyRepository } from './survey.repository';
import { SurveyService } from './survey.service';

const stringHeaders = {
  headerKey: (s?: string) => (s === undefined ? undefined : Buffer.from(s)),
  headerValue: (s?: string) => (s === undefined ? undefined : Buffer.from(s)),
};

/** Real Kafka, PostgreSQL and ClickHouse; this file's own databases and topics. */
describe('CSAT against PostgreSQL, ClickHouse and Kafka', () => {
  const database = uniqueName('it_csat');
  const prefix = `${uniqueName('it_csat')}.`;
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  let pool: Pool;
  let ch: ClickHouseClient;
  let topics: TopicCatalog;
  let analytics: ClickHouseCsatAnalytics;

  const T = (iso: string) => Date.parse(iso);
  const DECIDED = T('2022-03-31T08:00:00Z');
  const policy: InvitationPolicy = { samplingRate: 1, minDaysBetweenInvitations: 30, ttlHours: 72 };
  const intake = (p: Partial<InvitationPolicy> = {}, nowMs = DECIDED + 60_000) =>
    new InvitationIntakeService(new PgInvitationRepository(pool, 'D'), { ...policy, ...p }, undefined, () => nowMs);
  const customer = (accountId: string): Principal => ({ kind: 'customer', id: `c-${accountId}`, accountId, supplyPointIds: [], meterSerials: [] });
  const staff: Principal = { kind: 'service', id: 'staff', scopes: ['csat:read'] };

  const outcome = (o: Partial<ReadingOutcomeV1> = {}): ReadingOutcomeV1 => ({
    schema: 'reading.outcome.v1',
    readingId: randomUUID(),
    accountId: uniqueName('acct'),
    supplyPointId: '1200000000001',
    meterSerial: 'S1',
    registerId: 'S',
    readAt: '2022-03-31T00:00:00.000Z',
    value: '1234',
    channel: 'web',
    status: 'accepted',
    reasonCode: null,
    message: null,
    duplicateOf: null,
    decidedAt: new Date(DECIDED).toISOString(),
    correlationId: randomUUID(),
    ...o,
  });
  const records = (events: readonly ReadingOutcomeV1[]): ConsumedRecord[] =>
    events.map((e, i) => ({
      topic: e.status === 'accepted' ? topics.readingAccepted.name : topics.readingRejected.name,
      partition: 0,
      offset: BigInt(i),
      key: e.accountId,
      value: Buffer.from(JSON.stringify(e)),
      headers: {},
      timestamp: Date.now(),
    }));
  const invitationsOf = async (readingIds: readonly string[]) =>
    (await pool.query<{ id: string; reading_id: string; account_id: string; category: string }>('SELECT id, reading_id, account_id, category FROM csat.invitations WHERE reading_id = ANY($1)', [readingIds])).rows;

  beforeAll(async () => {
    topics = resolveTopics(prefix);
    await ensureTopics(testEnv.KAFKA_BROKERS, [topics.readingAccepted, topics.readingRejected]);
    await ensurePostgresDatabase(admin, database);
    const url = new URL(testEnv.DATABASE_URL);
    url.pathname = `/${database}`;
    // Idle connections may be cut by the server (other suites restart or terminate backends): the pool reconnects.
    pool = createPostgresPool(url.toString(), { max: 8 });
    await migratePostgres(pool, CSAT_PG_MIGRATIONS, CSAT_PG_TRACKING_TABLE);
    await ensureDatabase(clickHouseSettings(database));
    ch = createClickHouse(clickHouseSettings(database));
    await migrateClickHouse(ch, CSAT_CLICKHOUSE_MIGRATIONS, CSAT_CLICKHOUSE_TRACKING_TABLE);
    analytics = new ClickHouseCsatAnalytics(ch);
  });

  afterAll(async () => {
    await pool?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await ch?.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch?.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, [topics.readingAccepted.name, topics.readingRejected.name]).catch(() => undefined);
  });

  it('at most one invitation per interaction, however often and concurrently the batch is redelivered', async () => {
    const events = Array.from({ length: 40 }, () => outcome());
    const batch = records(events);
    await intake().handle(batch);
    await Promise.all([intake().handle(batch), intake().handle(batch), intake().handle([...batch].reverse())]);
    const rows = await invitationsOf(events.map((e) => e.readingId));
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.reading_id)).size).toBe(40);
  });

  it('one invitation per account per N days, even when two instances handle its two topics at once', async () => {
    const account = uniqueName('acct');
    const accepted = outcome({ accountId: account });
    const rejected = outcome({ accountId: account, status: 'rejected', reasonCode: 'NEGATIVE_ADVANCE', decidedAt: new Date(DECIDED + 3600_000).toISOString() });
    const results = await Promise.all([intake().handle(records([accepted])), intake().handle(records([rejected]))]);
    expect(results.flat().filter((r) => r.invitationId)).toHaveLength(1);
    expect((await pool.query('SELECT 1 FROM csat.invitations WHERE account_id = $1', [account])).rowCount).toBe(1);

    // 31 days later the account may be asked again.
    const later = outcome({ accountId: account, decidedAt: new Date(DECIDED + 31 * 86_400_000).toISOString() });
    await intake({}, DECIDED + 31 * 86_400_000 + 60_000).handle(records([later]));
    expect((await pool.query('SELECT 1 FROM csat.invitations WHERE account_id = $1', [account])).rowCount).toBe(2);
  });

  it('samples deterministically, skips duplicates and the D0010 feed, and snapshots the account category', async () => {
    const events = Array.from({ length: 100 }, () => outcome());
    await intake({ samplingRate: 0.5 }).handle(records(events));
    await intake({ samplingRate: 0.5 }).handle(records(events));
    const expected = events.filter((e) => isSampled(e.readingId, 0.5)).map((e) => e.readingId).sort();
    expect((await invitationsOf(events.map((e) => e.readingId))).map((r) => r.reading_id).sort()).toEqual(expected);

    const categories = new PgAccountCategoryRepository(pool);
    const a = outcome();
    await categories.upsert(a.accountId, 'B', new Date('2022-03-01T00:00:00Z'));
    await categories.upsert(a.accountId, 'C', new Date('2022-02-01T00:00:00Z')); // older: ignored
    const dup = outcome({ duplicateOf: randomUUID() });
    const feed = outcome({ channel: 'd0010' });
    await intake().handle(records([a, dup, feed]));
    const rows = await invitationsOf([a.readingId, dup.readingId, feed.readingId]);
    expect(rows.map((r) => [r.reading_id, r.category])).toEqual([[a.readingId, 'B']]);
    expect(await categories.find(a.accountId)).toBe('B');
  });

  it('a customer answers once: a second answer is 409, concurrent answers store one, others see 404, expired is SURVEY_EXPIRED', async () => {
    const events = [outcome(), outcome(), outcome()];
    await intake().handle(records(events));
    const [one, two, three] = await Promise.all(events.map(async (e) => (await invitationsOf([e.readingId]))[0]!));
    const at = (ms: number) => new SurveyService(new PgSurveyRepository(pool), () => ms);
    const service = at(DECIDED + 3600_000);

    await expect(service.listOpen(customer(one!.account_id))).resolves.toMatchObject({ items: [{ id: one!.id, status: 'open', readingId: events[0]!.readingId }] });
    await expect(service.answer(customer(one!.account_id), one!.id, { score: 5, comment: 'easy\u0000' })).resolves.toMatchObject({ status: 'answered', answer: { score: 5, comment: 'easy' } });
    await expect(service.answer(customer(one!.account_id), one!.id, { score: 1 })).rejects.toMatchObject({ code: 'SURVEY_ALREADY_ANSWERED' });
    await expect(service.listOpen(customer(one!.account_id))).resolves.toEqual({ items: [] });
    await expect(service.answer(customer('someone-else'), two!.id, { score: 1 })).rejects.toMatchObject({ code: 'SURVEY_NOT_FOUND' });

    const race = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => service.answer(customer(two!.account_id), two!.id, { score: 1 + (i % 5) })));
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(race.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(7).fill('SURVEY_ALREADY_ANSWERED'));
    expect((await pool.query('SELECT 1 FROM csat.answers WHERE invitation_id = $1', [two!.id])).rowCount).toBe(1);

    await expect(at(DECIDED + 73 * 3600_000).answer(customer(three!.account_id), three!.id, { score: 4 })).rejects.toMatchObject({ code: 'SURVEY_EXPIRED' });

    // Customer service sees what was asked and what was said, linked to the reading.
    const view = await service.listForAccount(staff, one!.account_id, {});
    expect(view.items).toEqual([expect.objectContaining({ id: one!.id, readingId: events[0]!.readingId, category: 'D', answer: expect.objectContaining({ score: 5, comment: 'easy' }) })]);
  });

  it('answers reach ClickHouse through the outbox; windows and breakdowns are exact, also after a re-send', async () => {
    // 24 answers over two days (days no other test answers on), three channels, two categories, three outcomes.
    const categories = new PgAccountCategoryRepository(pool);
    const plan = Array.from({ length: 24 }, (_, i) => ({
      channel: (['web', 'app', 'collector'] as const)[i % 3],
      category: i % 4 === 0 ? ('A' as const) : ('D' as const),
      status: (['accepted', 'rejected', 'held'] as const)[i % 3 === 0 ? 0 : (i % 2) + 1],
      score: 1 + ((i * 7) % 5),
      answeredAtMs: T('2022-04-01T09:00:00Z') + (i % 2) * 3600_000 + (i >= 16 ? 86_400_000 : 0) + i * 1000,
    }));
    const events = plan.map((p) =>
      outcome({ channel: p.channel, status: p.status, reasonCode: p.status === 'rejected' ? 'NEGATIVE_ADVANCE' : p.status === 'held' ? 'ADVANCE_TOO_HIGH' : null }),
    );
    for (const [i, e] of events.entries()) if (plan[i]!.category === 'A') await categories.upsert(e.accountId, 'A', new Date());
    await intake().handle(records(events));
    for (const [i, e] of events.entries()) {
      const [inv] = await invitationsOf([e.readingId]);
      await new SurveyService(new PgSurveyRepository(pool), () => plan[i]!.answeredAtMs).answer(customer(e.accountId), inv!.id, { score: plan[i]!.score });
    }
    const relay = new AnswerOutboxRelay(pool, analytics, { batchSize: 10, idleMs: 50, coalesceMs: 0, retryMinMs: 50, retryMaxMs: 200 });
    while ((await relay.drainOnce()) > 0);
    expect(await relay.pending()).toBe(0);

    const reports = new CsatReportService(analytics);
    const expectCounts = (filter: (p: (typeof plan)[number]) => boolean) => {
      const rows = plan.filter(filter);
      return { responses: rows.length, satisfied: rows.filter((p) => isSatisfied(p.score)).length };
    };
    const check = async () => {
      const byDay = await reports.report(staff, { from: '2022-04-01', to: '2022-04-03', granularity: 'day' });
      expect(byDay.buckets.map((b) => [b.start, b.responses, b.satisfied])).toEqual([
        ['2022-04-01T00:00:00.000Z', ...Object.values(expectCounts((p) => p.answeredAtMs < T('2022-04-02T00:00:00Z')))],
        ['2022-04-02T00:00:00.000Z', ...Object.values(expectCounts((p) => p.answeredAtMs >= T('2022-04-02T00:00:00Z')))],
      ]);
      expect(byDay.total).toMatchObject(expectCounts(() => true));

      const hour = await reports.report(staff, { from: '2022-04-01T10:00:00Z', to: '2022-04-01T11:00:00Z', granularity: 'hour', by: 'channel,category,outcome' });
      const inHour = (p: (typeof plan)[number]) => p.answeredAtMs >= T('2022-04-01T10:00:00Z') && p.answeredAtMs < T('2022-04-01T11:00:00Z');
      expect(hour.buckets.length).toBeGreaterThanOrEqual(3);
      for (const b of hour.buckets) {
        expect(b).toMatchObject(expectCounts((p) => inHour(p) && p.channel === b.channel && p.category === b.category && p.status === b.outcome));
        expect(b.reasonCode).toBe(b.outcome === 'rejected' ? 'NEGATIVE_ADVANCE' : b.outcome === 'held' ? 'ADVANCE_TOO_HIGH' : null);
      }
      expect(hour.total).toMatchObject(expectCounts(inHour));
      return byDay;
    };
    const before = await check();

    // A re-send (crash after the ClickHouse insert, before the outbox delete) changes nothing.
    const raw = await ch.query({
      query: `SELECT invitation_id AS invitationId, toUInt32(answered_at) * 1000 AS answeredAtMs, toUInt32(interaction_at) * 1000 AS interactionAtMs,
                     channel, category, outcome, reason_code AS reasonCode, score FROM csat_answers`,
      format: 'JSONEachRow',
    });
    const rows = (await raw.json<Record<string, string | number>>()).map((r) => ({ ...r, answeredAtMs: Number(r.answeredAtMs), interactionAtMs: Number(r.interactionAtMs), score: Number(r.score) }));
    await analytics.record(rows as unknown as Parameters<CsatAnalytics['record']>[0]);
    const after = await check();
    expect(after).toEqual(before);
  });

  it('while ClickHouse is down answers are still taken and wait in the outbox; they arrive once it is back', async () => {
    const e = outcome();
    await intake().handle(records([e]));
    const [inv] = await invitationsOf([e.readingId]);
    await new SurveyService(new PgSurveyRepository(pool), () => DECIDED + 3600_000).answer(customer(e.accountId), inv!.id, { score: 4 });

    const down = createClickHouse({ ...clickHouseSettings(database), url: 'http://127.0.0.1:1' });
    const broken = new AnswerOutboxRelay(pool, new ClickHouseCsatAnalytics(down), { batchSize: 100, idleMs: 50, coalesceMs: 0, retryMinMs: 50, retryMaxMs: 200 });
    await expect(broken.drainOnce()).rejects.toThrow();
    expect(await broken.pending()).toBe(1);
    await down.close();

    const relay = new AnswerOutboxRelay(pool, analytics, { batchSize: 100, idleMs: 50, coalesceMs: 0, retryMinMs: 50, retryMaxMs: 200 });
    relay.start();
    relay.nudge();
    await eventually(async () => (await relay.pending()) === 0 && (await analytics.rawCount([inv!.id])) === 1, 15_000);
    await relay.stop();
  });

  it('catches up from Kafka: outcomes published while CSAT was not running become invitations when it starts', async () => {
    const events = Array.from({ length: 30 }, (_, i) =>
      outcome({ status: i % 2 ? 'rejected' : 'accepted', reasonCode: i % 2 ? 'NEGATIVE_ADVANCE' : null, decidedAt: new Date().toISOString() }),
    );
    // Ingestion publishing while CSAT is not running (a plain producer, acks from all replicas).
    const producer = new Producer<Buffer, Buffer, string, string>({ clientId: 'it-csat', bootstrapBrokers: testEnv.KAFKA_BROKERS, acks: ProduceAcks.ALL, serializers: stringHeaders });
    try {
      await producer.send({ messages: records(events).map((r) => ({ topic: r.topic, key: Buffer.from(r.key), value: r.value })) });
    } finally {
      await producer.close();
    }

    const consumer = new PlatformaticBatchConsumer({
      brokers: testEnv.KAFKA_BROKERS,
      clientId: 'it-csat',
      groupId: `${prefix}csat`,
      topics: [topics.readingAccepted.name, topics.readingRejected.name],
      maxBatchRecords: 50,
      maxBatchWaitMs: 50,
      retryMinMs: 50,
      retryMaxMs: 500,
    });
    const service = new InvitationIntakeService(new PgInvitationRepository(pool, 'D'), policy);
    await consumer.start(async (batch) => {
      await service.handle(batch);
    });
    try {
      await eventually(async () => (await invitationsOf(events.map((e) => e.readingId))).length === 30, 30_000);
    } finally {
      await consumer.stop();
    }
  });
});
