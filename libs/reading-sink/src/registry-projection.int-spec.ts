import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse, ensureDatabase } from '@surge/clickhouse/clickhouse.factory';
import { READING_CLICKHOUSE_MIGRATIONS } from '@surge/reading-store/clickhouse/reading-clickhouse.migrations';
import { migrateClickHouse } from '@surge/clickhouse/clickhouse.migrator';
import type { ConsumedRecord, OutgoingRecord } from '@surge/kafka/kafka-record';
import type { ReadingOutcomeV1 } from '@surge/reading-contracts/reading-outcome.event';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { PlatformaticTopicTailer } from '@surge/kafka/platformatic-topic.tailer';
import { deleteTopics, ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics, type TopicCatalog } from '@surge/topic-catalog/topic.catalog';
import { ACCOUNT_SNAPSHOT_SCHEMA, encodeRegistrySnapshot, type AccountSnapshotV1 } from '@surge/registry-contracts/registry-change.event';
import { submittedEvent, testMpan } from '@surge-test/fixtures/reading.stub';
import { clickHouseSettings, eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { encodeSubmitted, type MeterReadingSubmittedV1 } from '@surge/reading-contracts/meter-reading-submitted.event';
import { ClickHouseMeterReadingRepository } from '@surge/reading-store/clickhouse/clickhouse-meter-reading.repository';
import { encodeReview, REVIEW_SCHEMA } from '@surge/reading-contracts/reading-review.event';
import { ClickHouseReadingReviewRepository } from '@surge/reading-store/clickhouse/clickhouse-reading-review.repository';
import { ReadingSinkService } from './reading-sink.service';
import { RegistryProjectionFeed } from './registry-projection.feed';

/** Real Kafka (registry.v1 read by the tailer) and ClickHouse 18.16 (the sink's writes, the review queries); this file's own topics and database. */
describe('read-sink judges with the registry projection built from registry.v1', () => {
  const database = uniqueName('it_regproj');
  const prefix = `${uniqueName('it')}.`;
  const account = uniqueName('ACC').replace(/_/g, '-');
  const mpan = testMpan(4321);
  let topics: TopicCatalog;
  let ch: ClickHouseClient;
  let publisher: PlatformaticEventPublisher;
  let tailer: PlatformaticTopicTailer;
  let feed: RegistryProjectionFeed;
  let sink: ReadingSinkService;
  const published: OutgoingRecord[] = [];

  const snapshot = (revision: number, eacKwh: string, category: AccountSnapshotV1['category'] = 'B'): AccountSnapshotV1 => ({
    schema: ACCOUNT_SNAPSHOT_SCHEMA,
    revision: String(revision),
    accountId: account,
    category,
    categoryEffectiveFrom: '2021-06-01',
    domestic: true,
    vulnerable: false,
    vatRate: '0.05',
    supplyPoints: [
      {
        supplyPointId: mpan,
        fuel: 'electricity',
        supplyStart: '2021-06-01',
        meters: [{ meterSerial: 'M-IT-1', installedOn: '2021-06-01', removedOn: null, registers: [{ registerId: 'S', kind: 'import', digits: 5, unit: 'kWh', eacKwh, eacEffectiveFrom: '2021-06-01' }] }],
      },
    ],
    agreements: [],
    change: revision === 1 ? 'account.created' : 'register.eac-changed',
    changedAt: new Date().toISOString(),
  });
  const publishSnapshot = (s: AccountSnapshotV1) => publisher.publish([{ topic: topics.registry.name, key: s.accountId, value: encodeRegistrySnapshot(s) }]);
  const reading = (readAt: string, value: string) => submittedEvent({ accountId: account, supplyPointId: mpan, meterSerial: 'M-IT-1', registerId: 'S', readAt, value });
  let offset = 0n;
  const asRecords = (events: MeterReadingSubmittedV1[]): ConsumedRecord[] =>
    events.map((e) => ({ topic: topics.meterReadings.name, partition: 0, offset: offset++, key: e.supplyPointId, value: encodeSubmitted(e), headers: {}, timestamp: Date.now() }));
  const repo = () => new ClickHouseMeterReadingRepository(ch);

  beforeAll(async () => {
    topics = resolveTopics(prefix);
    await ensureTopics(testEnv.KAFKA_BROKERS, Object.values(topics));
    await ensureDatabase(clickHouseSettings(database));
    ch = createClickHouse(clickHouseSettings(database));
    await migrateClickHouse(ch, READING_CLICKHOUSE_MIGRATIONS);
    publisher = new PlatformaticEventPublisher({
      brokers: testEnv.KAFKA_BROKERS, clientId: 'it-regproj', deadlineMs: 10_000, maxBufferedRecords: 1_000, maxBatchRecords: 100, lingerMs: 1, maxInFlightRequests: 1, lanes: 1,
    });
    // Published before the sink starts: the start-up catch-up must have applied it before the first reading.
    await publishSnapshot(snapshot(1, '500'));
    feed = new RegistryProjectionFeed();
    tailer = new PlatformaticTopicTailer({ brokers: testEnv.KAFKA_BROKERS, clientId: uniqueName('it-regproj'), topics: [topics.registry.name], lagIntervalMs: 500 });
    await tailer.start((r) => feed.apply(r));
    // Every record the sink publishes is kept, to check what the outcome events say.
    const recording = { publish: async (r: readonly OutgoingRecord[]) => (published.push(...r), publisher.publish(r)), isHealthy: () => publisher.isHealthy(), close: () => publisher.close() };
    sink = new ReadingSinkService(repo(), recording, topics, undefined, Date.now, undefined, feed);
  }, 60_000);

  afterAll(async () => {
    await tailer?.stop();
    await publisher?.close();
    await ch?.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await ch?.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(topics).map((t) => t.name)).catch(() => undefined);
  });

  it('applies the registry state published before start-up, and a later change to later readings', async () => {
    await tailer.caughtUp();
    expect(feed.register(mpan, 'M-IT-1', 'S')).toMatchObject({ accountId: account, eacKwh: '500', digits: 5, category: 'B' });

    // 200 kWh in 20 days: the default (2,700 kWh a year, bar ~296 kWh) accepts it; this account's 500 kWh a year (bar ~55 kWh) holds it.
    const first = reading('2022-03-01T00:00:00.000Z', '1000');
    const held = reading('2022-03-21T00:00:00.000Z', '1200');
    await sink.handle(asRecords([first, held]));
    const heldRow = await repo().findForAccount(account, held.readingId);
    expect(heldRow).toMatchObject({ status: 'held', category: 'B' });
    expect(heldRow!.flags).not.toContain('default-eac');

    // The registry raises the EAC; once the projection has read the change, the same advance is plausible.
    await publishSnapshot(snapshot(2, '6000'));
    await eventually(async () => feed.register(mpan, 'M-IT-1', 'S')?.eacKwh === '6000', 15_000);
    const later = reading('2022-04-10T00:00:00.000Z', '1400');
    await sink.handle(asRecords([later]));
    expect(await repo().findForAccount(account, later.readingId)).toMatchObject({ status: 'accepted' });
    // A redelivered older snapshot changes nothing (highest revision wins).
    await publishSnapshot(snapshot(1, '500'));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(feed.register(mpan, 'M-IT-1', 'S')?.eacKwh).toBe('6000');
  }, 60_000);

  it('a held reading is in the staff queue (filters by reason, category, age), a review decides it once, and the audit trail keeps every decision', async () => {
    const reviews = new ClickHouseReadingReviewRepository(ch);
    const queue = await reviews.listHeld({ limit: 10, category: 'B' });
    expect(queue).toHaveLength(1);
    const held = queue[0]!;
    expect(await reviews.listHeld({ limit: 10, category: 'A' })).toEqual([]);
    expect(await reviews.listHeld({ limit: 10, reasonCode: held.reasonCode })).toHaveLength(1);
    expect(await reviews.listHeld({ limit: 10, heldAtOrBeforeMs: held.decidedAtMs - 60_000 })).toEqual([]);
    expect(await reviews.listHeld({ limit: 10, after: { decidedAtMs: held.decidedAtMs, readingId: held.readingId } })).toEqual([]);

    const decision = (reviewId: string, d: 'accept' | 'reject'): ConsumedRecord => ({
      topic: topics.meterReadings.name, partition: 0, offset: offset++, key: mpan, headers: { schema: REVIEW_SCHEMA }, timestamp: Date.now(),
      value: encodeReview({
        schema: REVIEW_SCHEMA, reviewId, readingId: held.readingId, accountId: account, supplyPointId: mpan, meterSerial: 'M-IT-1', registerId: 'S', decision: d,
        note: 'photo of the meter matches', reviewedBy: 'staff-it', requestedAt: new Date().toISOString(), correlationId: 'it',
      }),
    });
    await sink.handle([decision('rv-1', 'accept')]);
    await sink.handle([decision('rv-1', 'accept')]); // a redelivery
    await sink.handle([decision('rv-2', 'reject')]); // a second reviewer, too late
    expect(await repo().findForAccount(account, held.readingId)).toMatchObject({ status: 'accepted', reasonCode: 'ACCEPTED_ON_REVIEW', reviewId: 'rv-1' });
    expect(await reviews.listHeld({ limit: 10, category: 'B' })).toEqual([]);
    const trail = await reviews.reviewsOf(account, held.readingId);
    expect(trail.map((r) => [r.reviewId, r.decision, r.applied, r.reviewedBy])).toEqual([
      ['rv-1', 'accept', true, 'staff-it'],
      ['rv-2', 'reject', false, 'staff-it'],
    ]);
    expect(trail[0]!.note).toBe('photo of the meter matches');
    // The outcome the review decided carries the reviewer's note for staff (its redelivery too); the late one's note is not on it.
    const decidedOutcomes = published
      .filter((r) => r.topic === topics.readingAccepted.name)
      .map((r) => JSON.parse(String(r.value)) as ReadingOutcomeV1)
      .filter((e) => e.readingId === held.readingId);
    expect(decidedOutcomes.length).toBeGreaterThanOrEqual(2);
    for (const e of decidedOutcomes) expect(e).toMatchObject({ status: 'accepted', reviewId: 'rv-1', reviewNote: 'photo of the meter matches' });
  }, 60_000);
});
