import { Consumer, stringDeserializer } from '@platformatic/kafka';
import type { Pool } from 'pg';
import { decodeFlowAccountIngested, type FlowAccountIngestedV1 } from '@surge/flow-contracts/flow-account-ingested.event';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import type { OutgoingRecord } from '@surge/kafka/kafka-record';
import { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { deleteTopics, endOffsets, ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase, migratePostgres } from '@surge/postgres/postgres.migrator';
import { encodeRegistrySnapshot } from '@surge/registry-contracts/registry-change.event';
import { accountSnapshot, d0010Flow, flowSupplyPoints } from '@surge-test/fixtures/d0010-flow.stub';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { FLOW_MIGRATIONS, FLOW_MIGRATIONS_TABLE } from './flow.migrations';
import { FlowProcessor } from './flow.processor';
import { FlowRepository } from './flow.repository';
import { FlowUploadService } from './flow-upload.service';
import { RegistryStateFollower } from './registry-state.follower';

/** Publishes for real, then fails the first publish to `topic` (a processor killed, or Kafka lost, after the ack and before `done`). */
class FailOnceOnTopic implements EventPublisher {
  failed = false;
  constructor(private readonly real: EventPublisher, private readonly topic: string) {}
  async publish(records: readonly OutgoingRecord[]) {
    await this.real.publish(records);
    if (!this.failed && records.some((r) => r.topic === this.topic)) {
      this.failed = true;
      throw new Error('killed after announcing, before the flow was marked done');
    }
  }
  isHealthy = () => true;
  close = async () => undefined;
}

/**
 * A processed flow is announced on industry-flows.v1, one event per account it carried readings for (the account
 * timeline's "industry flow ingested"), from the checkpointed rows, after the last batch and before `done`: a
 * failure in between announces again with the same event ids (at least once, never lost), and the counts cover
 * readings published before a crash too. Real PostgreSQL and Kafka; this file's own database and topics.
 */
describe('industry flow announcements on Kafka', () => {
  const dbName = uniqueName('flows_announce');
  const prefix = `${uniqueName('flows-announce')}.`;
  const topics = resolveTopics(prefix);
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  // Five accounts, the last unknown to the registry (its readings are rejected at intake and announce nothing).
  const points = flowSupplyPoints(uniqueName('acct'), 800_000 + Math.floor(Math.random() * 100_000), 5);
  let pool: Pool;
  let publisher: PlatformaticEventPublisher;
  let follower: RegistryStateFollower;
  let reader: Consumer<string, Buffer, string, string>;
  const announced: { key: string; event: FlowAccountIngestedV1 | null }[] = [];

  beforeAll(async () => {
    await ensurePostgresDatabase(admin, dbName);
    const url = new URL(testEnv.DATABASE_URL);
    url.pathname = `/${dbName}`;
    pool = createPostgresPool(url.toString(), { max: 4 });
    await migratePostgres(pool, FLOW_MIGRATIONS, FLOW_MIGRATIONS_TABLE);
    await ensureTopics(testEnv.KAFKA_BROKERS, [topics.meterReadings, topics.registry, topics.industryFlows]);
    publisher = new PlatformaticEventPublisher({ brokers: testEnv.KAFKA_BROKERS, clientId: uniqueName('flows-announce'), deadlineMs: 10_000, maxBufferedRecords: 1000, maxBatchRecords: 100, lingerMs: 2, maxInFlightRequests: 1, lanes: 1 });
    await publisher.publish(points.slice(0, -1).map((p) => ({ topic: topics.registry.name, key: p.accountId, value: encodeRegistrySnapshot(accountSnapshot(p)) })));
    follower = new RegistryStateFollower(
      new PlatformaticBatchConsumer({ brokers: testEnv.KAFKA_BROKERS, clientId: uniqueName('flows-announce-reg'), groupId: RegistryStateFollower.groupId(prefix), topics: [topics.registry.name], maxBatchRecords: 500, maxBatchWaitMs: 10, retryMinMs: 100, retryMaxMs: 1000 }),
      () => endOffsets(testEnv.KAFKA_BROKERS, topics.registry),
    );
    await follower.start();
    await eventually(() => follower.caughtUp(), 30_000);
    reader = new Consumer<string, Buffer, string, string>({
      groupId: uniqueName('flows-announce-reader'),
      clientId: uniqueName('flows-announce-reader'),
      bootstrapBrokers: testEnv.KAFKA_BROKERS,
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    });
    const s = await reader.consume({ topics: [topics.industryFlows.name], mode: 'earliest', autocommit: false });
    s.on('data', (m) => announced.push({ key: m.key, event: decodeFlowAccountIngested(m.value) }));
  }, 90_000);

  afterAll(async () => {
    await reader?.close(true).catch(() => undefined);
    await follower?.stop();
    await publisher?.close();
    await pool?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, [topics.meterReadings.name, topics.registry.name, topics.industryFlows.name]).catch(() => undefined);
  });

  it('announces each account once per flow with its readings; a failure before done announces again with the same ids, counting readings published before it', async () => {
    const flows = new FlowRepository(pool);
    const upload = new FlowUploadService(pool, { maxBytes: 1024 * 1024, chunkBytes: 4096 });
    const received = await upload.receive((async function* () { yield Buffer.from(d0010Flow('ANN0000001', points, 3)); })(), { owner: 'service:collector-a', via: 'api' });
    expect(received.outcome).toBe('accepted');
    const flowId = received.flow.flowId;
    const processor = (id: string, pub: EventPublisher) =>
      new FlowProcessor(flows, pub, { lookup: (a, b, c) => follower.register(a, b, c), caughtUp: () => follower.caughtUp() }, {
        processorId: id, batchReadings: 4, leaseMs: 60_000, topic: topics.meterReadings.name, flowsTopic: topics.industryFlows.name,
      });

    await expect(processor('doomed', new FailOnceOnTopic(publisher, topics.industryFlows.name)).processNext()).rejects.toThrow(/killed after announcing/);
    expect((await flows.find(flowId))?.state).toBe('processing'); // not done: it will be announced again
    expect(await processor('rescuer', publisher).processNext()).toBe('done');

    const known = points.slice(0, -1);
    await eventually(async () => announced.length >= known.length * 2, 30_000);
    const events = announced.map((a) => a.event!);
    expect(events.every((e) => e !== null)).toBe(true);
    // At least once: the same event ids twice (before and after the failure), each copy saying the same.
    expect(new Set(events.map((e) => e.eventId))).toEqual(new Set(known.map((p) => `${flowId}:${p.accountId}`)));
    for (const p of known) {
      const copies = announced.filter((a) => a.event!.accountId === p.accountId);
      expect(copies.length).toBe(2);
      for (const c of copies) {
        expect(c.key).toBe(p.accountId);
        const { processedAt, ...rest } = c.event!;
        expect(Date.parse(processedAt)).not.toBeNaN();
        expect(rest).toEqual({
          schema: 'industry-flow.account-ingested.v1', eventId: `${flowId}:${p.accountId}`, flowId, flowType: 'D0010', fileId: 'ANN0000001', sender: { role: 'D', mpid: 'UDMS' },
          accountId: p.accountId, readings: 3, supplyPointIds: [p.mpan], receivedAt: received.flow.receivedAt,
        });
      }
    }
    expect(announced.some((a) => a.key === points.at(-1)!.accountId)).toBe(false); // unknown to the registry: on no account
  }, 60_000);
});
