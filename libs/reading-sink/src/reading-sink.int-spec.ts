import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse, ensureDatabase } from '@surge/clickhouse/clickhouse.factory';
import { READING_CLICKHOUSE_MIGRATIONS } from '@surge/reading-store/clickhouse/reading-clickhouse.migrations';
import { sqlString } from '@surge/clickhouse/clickhouse.sql';
import { migrateClickHouse } from '@surge/clickhouse/clickhouse.migrator';
import type { ConsumedRecord } from '@surge/kafka/kafka-record';
import { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { deleteTopics, ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics, type TopicCatalog } from '@surge/topic-catalog/topic.catalog';
import { clickHouseSettings, eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { submittedEvent, testMpan } from '@surge-test/fixtures/reading.stub';
import { encodeSubmitted } from '@surge/reading-contracts/meter-reading-submitted.event';
import { ClickHouseMeterReadingRepository } from '@surge/reading-store/clickhouse/clickhouse-meter-reading.repository';
import { ReadingSinkService } from './reading-sink.service';

/** Real Kafka and ClickHouse; this file's own database and topics. */
describe('ReadingSinkService against ClickHouse and Kafka', () => {
  const database = uniqueName('it_sink');
  const prefix = `${uniqueName('it')}.`;
  let topics: TopicCatalog;
  let ch: ClickHouseClient;
  let publisher: PlatformaticEventPublisher;
  let sink: ReadingSinkService;

  beforeAll(async () => {
    topics = resolveTopics(prefix);
    await ensureTopics(testEnv.KAFKA_BROKERS, Object.values(topics));
    await ensureDatabase(clickHouseSettings(database));
    ch = createClickHouse(clickHouseSettings(database));
    await migrateClickHouse(ch, READING_CLICKHOUSE_MIGRATIONS);
    publisher = new PlatformaticEventPublisher({
      brokers: testEnv.KAFKA_BROKERS, clientId: 'it-sink', deadlineMs: 10_000, maxBufferedRecords: 10_000, maxBatchRecords: 500, lingerMs: 1, maxInFlightRequests: 2, lanes: 2,
    });
    sink = new ReadingSinkService(new ClickHouseMeterReadingRepository(ch), publisher, topics);
  });

  afterAll(async () => {
    await publisher.close();
    await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await ch.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(topics).map((t) => t.name)).catch(() => undefined);
  });

  const asRecords = (events: ReturnType<typeof submittedEvent>[]): ConsumedRecord[] =>
    events.map((e, i) => ({ topic: topics.meterReadings.name, partition: 0, offset: BigInt(i), key: e.supplyPointId, value: encodeSubmitted(e), headers: {}, timestamp: Date.now() }));

  const countDistinct = async (accountId: string) => {
    const rs = await ch.query({
      query: `SELECT count() AS n, uniqExact(reading_id) AS u FROM (SELECT reading_id FROM meter_readings WHERE account_id = ${sqlString(accountId)} GROUP BY reading_id)`,
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: string; u: string }>();
    return { n: Number(row!.n), u: Number(row!.u) };
  };

  const rawRows = async (accountId: string) => {
    const rs = await ch.query({ query: `SELECT count() AS n FROM meter_readings WHERE account_id = ${sqlString(accountId)}`, format: 'JSONEachRow' });
    return Number((await rs.json<{ n: string }>())[0]!.n);
  };

  it('handling the same batch twice leaves every reading once in query results', async () => {
    const account = uniqueName('acct');
    const events = Array.from({ length: 50 }, (_, i) =>
      submittedEvent({ accountId: account, supplyPointId: testMpan(i), readAt: `2022-03-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00.000Z`, value: String(1000 + i) }),
    );
    const batch = asRecords(events);
    await sink.handle(batch);
    await sink.handle(batch); // a redelivery: the crash came after the write, before the commit

    expect(await countDistinct(account)).toEqual({ n: 50, u: 50 });
    // Two physical rows per reading may exist until a merge: queries must not depend on merges.
    expect(await rawRows(account)).toBeGreaterThanOrEqual(50);
    const repo = new ClickHouseMeterReadingRepository(ch);
    const page = await repo.listForAccount(account, { limit: 500 });
    expect(page).toHaveLength(50);
    expect(new Set(page.map((r) => r.readingId)).size).toBe(50);
  });

  it('a redelivery keeps the first decision', async () => {
    const account = uniqueName('acct');
    const sp = testMpan(999);
    const first = submittedEvent({ accountId: account, supplyPointId: sp, readAt: '2022-03-01T00:00:00.000Z', value: '1000' });
    const second = submittedEvent({ accountId: account, supplyPointId: sp, readAt: '2022-03-31T00:00:00.000Z', value: '1200' });
    await sink.handle(asRecords([first, second]));
    const repo = new ClickHouseMeterReadingRepository(ch);
    const before = await repo.findForAccount(account, second.readingId);
    await sink.handle(asRecords([second]));
    const after = await repo.findForAccount(account, second.readingId);
    expect(after).toEqual(before);
    expect(before!.status).toBe('accepted');
  });

  it('dead-letters a poison record and still stores the rest of its batch', async () => {
    const account = uniqueName('acct');
    const good = submittedEvent({ accountId: account });
    const batch = [
      ...asRecords([good]),
      { topic: topics.meterReadings.name, partition: 0, offset: 99n, key: 'x', value: Buffer.from('{not json'), headers: {}, timestamp: Date.now() },
    ];
    await sink.handle(batch);
    expect((await countDistinct(account)).u).toBe(1);
  });

  it('a real consumer group, then a second group replaying the whole topic, leaves each reading once', async () => {
    const account = uniqueName('acct');
    const events = Array.from({ length: 200 }, (_, i) =>
      submittedEvent({ accountId: account, supplyPointId: testMpan(5000 + i), readAt: '2022-03-31T00:00:00.000Z', value: String(i) }),
    );
    await publisher.publish(events.map((e) => ({ topic: topics.meterReadings.name, key: e.supplyPointId, value: encodeSubmitted(e) })));
    for (const group of ['g1', 'g2']) {
      const consumer = new PlatformaticBatchConsumer({
        brokers: testEnv.KAFKA_BROKERS, clientId: `it-${group}`, groupId: `${prefix}${group}`, topics: [topics.meterReadings.name],
        maxBatchRecords: 64, maxBatchWaitMs: 50, retryMinMs: 50, retryMaxMs: 500,
      });
      let handled = 0;
      await consumer.start(async (b) => {
        await sink.handle(b);
        handled += b.length;
      });
      await eventually(async () => handled >= 200, 30_000);
      await consumer.stop();
    }
    expect(await countDistinct(account)).toEqual({ n: 200, u: 200 });
  });
});
