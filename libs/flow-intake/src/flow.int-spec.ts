import { Consumer, stringDeserializer } from '@platformatic/kafka';
import type { Pool } from 'pg';
import { AppError } from '@surge/errors/app.error';
import { decodeSubmitted, type MeterReadingSubmittedV1 } from '@surge/reading-contracts/meter-reading-submitted.event';
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
import { flowReadingId } from './flow-id';
import { FLOW_MIGRATIONS, FLOW_MIGRATIONS_TABLE } from './flow.migrations';
import { FlowProcessor } from './flow.processor';
import { FlowRepository } from './flow.repository';
import { FlowStatusService } from './flow-status.service';
import { FlowUploadService } from './flow-upload.service';
import { RegistryStateFollower } from './registry-state.follower';
import { HeldReadingReleaser } from './held-reading.releaser';

const chunksOf = (text: string, size: number): Buffer[] => {
  const b = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
};
async function* stream(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield p;
}

/** Publishes for real, then "crashes" (throws) after `afterBatches` batches: the fault of a processor killed between publish and checkpoint. */
class CrashingPublisher implements EventPublisher {
  batches = 0;
  constructor(private readonly real: EventPublisher, private readonly afterBatches: number) {}
  async publish(records: readonly OutgoingRecord[]) {
    await this.real.publish(records);
    if (++this.batches >= this.afterBatches) throw new Error('processor killed after publishing, before its checkpoint');
  }
  isHealthy = () => true;
  close = async () => undefined;
}

/**
 * Industry flows on real PostgreSQL and Kafka: the file durable before the receipt, refused files leaving
 * nothing, a resubmission counted once, a processor crash mid-file resumed by another without loss, every
 * reading on meter-readings.v1 once per id with the API's contract, and the rejection report.
 */
describe('industry flows on PostgreSQL and Kafka', () => {
  const dbName = uniqueName('flows_int');
  const prefix = `${uniqueName('flows-int')}.`;
  const topics = resolveTopics(prefix);
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  const collector = { kind: 'service' as const, id: 'collector-a', scopes: ['flows:submit' as const] };
  const other = { kind: 'service' as const, id: 'collector-b', scopes: ['flows:submit' as const] };
  const points = flowSupplyPoints(uniqueName('acct'), 700_000 + Math.floor(Math.random() * 100_000), 20);
  let pool: Pool;
  let publisher: PlatformaticEventPublisher;
  let follower: RegistryStateFollower;
  let flows: FlowRepository;
  let upload: FlowUploadService;
  let reader: Consumer<string, Buffer, string, string>;
  const published: MeterReadingSubmittedV1[] = [];
  let crashFlowId = '';
  let crashText = '';

  beforeAll(async () => {
    await ensurePostgresDatabase(admin, dbName);
    const url = new URL(testEnv.DATABASE_URL);
    url.pathname = `/${dbName}`;
    pool = createPostgresPool(url.toString(), { max: 6 });
    await migratePostgres(pool, FLOW_MIGRATIONS, FLOW_MIGRATIONS_TABLE);
    await ensureTopics(testEnv.KAFKA_BROKERS, [topics.meterReadings, topics.registry]);
    publisher = new PlatformaticEventPublisher({ brokers: testEnv.KAFKA_BROKERS, clientId: uniqueName('flows-int'), deadlineMs: 10_000, maxBufferedRecords: 10_000, maxBatchRecords: 500, lingerMs: 2, maxInFlightRequests: 2, lanes: 1 });
    // All but the last supply point are on the registry; the last is unknown to it.
    await publisher.publish(points.slice(0, -1).map((p) => ({ topic: topics.registry.name, key: p.accountId, value: encodeRegistrySnapshot(accountSnapshot(p)) })));
    follower = new RegistryStateFollower(
      new PlatformaticBatchConsumer({ brokers: testEnv.KAFKA_BROKERS, clientId: uniqueName('flows-int-reg'), groupId: RegistryStateFollower.groupId(prefix), topics: [topics.registry.name], maxBatchRecords: 500, maxBatchWaitMs: 10, retryMinMs: 100, retryMaxMs: 1000 }),
      () => endOffsets(testEnv.KAFKA_BROKERS, topics.registry),
    );
    await follower.start();
    await eventually(() => follower.caughtUp(), 30_000);
    flows = new FlowRepository(pool);
    upload = new FlowUploadService(pool, { maxBytes: 1024 * 1024, chunkBytes: 4096 });
    reader = new Consumer<string, Buffer, string, string>({
      groupId: uniqueName('flows-int-reader'),
      clientId: uniqueName('flows-int-reader'),
      bootstrapBrokers: testEnv.KAFKA_BROKERS,
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    });
    const s = await reader.consume({ topics: [topics.meterReadings.name], mode: 'earliest', autocommit: false });
    s.on('data', (m) => published.push(decodeSubmitted(m.value)));
  }, 90_000);

  afterAll(async () => {
    await reader?.close(true).catch(() => undefined);
    await follower?.stop();
    await publisher?.close();
    await pool?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, [topics.meterReadings.name, topics.registry.name]).catch(() => undefined);
  });

  const processor = (id: string, pub: EventPublisher = publisher, leaseMs = 60_000) =>
    new FlowProcessor(flows, pub, { lookup: (a, b, c) => follower.register(a, b, c), caughtUp: () => follower.caughtUp() }, { processorId: id, batchReadings: 25, leaseMs, topic: topics.meterReadings.name, pipelineDepth: 3 });
  const chunkRows = async (flowId: string) => Number((await pool.query('SELECT count(*) AS n FROM industry_flow_chunks WHERE flow_id = $1', [flowId])).rows[0].n);

  it('stores the raw bytes in chunks before answering, byte for byte; the same file again is a duplicate and changes nothing', async () => {
    const text = d0010Flow('DUP0000001', points.slice(0, 2), 3);
    const first = await upload.receive(stream(chunksOf(text, 7)), { owner: 'service:collector-a', via: 'api' });
    expect(first.outcome).toBe('accepted');
    expect(first.flow).toMatchObject({ state: 'stored', fileId: 'DUP0000001', senderMpid: 'UDMS', records: 2 * 5, groups: 2, bytes: Buffer.byteLength(text) });
    const { rows } = await pool.query<{ data: Buffer }>('SELECT data FROM industry_flow_chunks WHERE flow_id = $1 ORDER BY seq', [first.flow.flowId]);
    expect(Buffer.concat(rows.map((r) => r.data)).toString()).toBe(text);
    const again = await upload.receive(stream(chunksOf(text, 100)), { owner: 'service:collector-a', via: 'inbox' });
    expect(again).toMatchObject({ outcome: 'duplicate', flow: { flowId: first.flow.flowId, receivedVia: 'api' } });
    expect(await chunkRows(first.flow.flowId)).toBe(rows.length);
    // The same file id from the same sender with other bytes is refused, not taken as a second flow.
    const changed = text.replace('10000.0', '10001.0');
    await expect(upload.receive(stream([Buffer.from(changed)]), { owner: 'service:collector-a', via: 'api' })).rejects.toMatchObject({ code: 'FLOW_ID_REUSED' });
  });

  it('two copies sent at once: one flow, the other answered duplicate', async () => {
    const text = d0010Flow('RACE000001', points.slice(0, 3), 40);
    const results = await Promise.all([0, 1].map(() => upload.receive(stream(chunksOf(text, 512)), { owner: 'service:collector-a', via: 'api' })));
    expect(results.map((r) => r.outcome).sort()).toEqual(['accepted', 'duplicate']);
    expect(new Set(results.map((r) => r.flow.flowId)).size).toBe(1);
  });

  it.each([
    ['truncated', (t: string) => t.slice(0, t.length - 20), 'TRUNCATED'],
    ['no trailer', (t: string) => t.split('\n').filter((l) => !l.startsWith('ZPT')).join('\n'), 'MISSING_TRAILER'],
    ['record count wrong', (t: string) => t.replace(/ZPT\|(\w+)\|(\d+)\|/, 'ZPT|$1|999|'), 'RECORD_COUNT_MISMATCH'],
    ['not a D0010', (t: string) => t.replace('D0010002', 'D0086001'), 'NOT_D0010'],
  ])('refuses a file whole (%s) with its line and reason, and stores nothing', async (_name, spoil, reason) => {
    const fileId = uniqueName('R').slice(-10).toUpperCase().replace(/[^A-Z0-9]/g, 'X');
    const text = spoil(d0010Flow(fileId, points.slice(0, 3), 30));
    const before = Number((await pool.query('SELECT count(*) AS n FROM industry_flow_chunks')).rows[0].n);
    const error = await upload.receive(stream(chunksOf(text, 256)), { owner: 'service:collector-a', via: 'api' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'FLOW_REFUSED', details: { issues: [{ code: reason }] } });
    expect((error as AppError).details.issues![0]!.field).toMatch(/^line \d+$/);
    expect(Number((await pool.query('SELECT count(*) AS n FROM industry_flow_chunks')).rows[0].n)).toBe(before);
  });

  it('takes at most maxConcurrent files at once: the next is 503 FLOW_INTAKE_BUSY, nothing read; taken again once one finished', async () => {
    const capped = new FlowUploadService(pool, { maxBytes: 1024 * 1024, chunkBytes: 512, maxConcurrent: 2 });
    const texts = [0, 1, 2].map((i) => d0010Flow(`BUSY00000${i}`, points.slice(0, 2), 3));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // A slow sender: the first bytes, then nothing until the gate opens.
    async function* slow(text: string): AsyncGenerator<Buffer> {
      yield Buffer.from(text.slice(0, 40));
      await gate;
      yield Buffer.from(text.slice(40));
    }
    const first = capped.receive(slow(texts[0]!), { owner: 'service:collector-a', via: 'api' });
    const second = capped.receive(slow(texts[1]!), { owner: 'service:collector-a', via: 'api' });
    await expect(capped.receive(stream([Buffer.from(texts[2]!)]), { owner: 'service:collector-a', via: 'api' })).rejects.toMatchObject({ code: 'FLOW_INTAKE_BUSY', kind: 'unavailable' });
    release();
    expect((await first).outcome).toBe('accepted');
    expect((await second).outcome).toBe('accepted');
    expect((await capped.receive(stream([Buffer.from(texts[2]!)]), { owner: 'service:collector-a', via: 'api' })).outcome).toBe('accepted');
  });

  it('refuses a file past the size limit with 413 FLOW_TOO_LARGE, storing nothing', async () => {
    const small = new FlowUploadService(pool, { maxBytes: 2000, chunkBytes: 512 });
    await expect(small.receive(stream(chunksOf(d0010Flow('BIG0000001', points, 5), 300)), { owner: 'service:collector-a', via: 'api' })).rejects.toMatchObject({ code: 'FLOW_TOO_LARGE', kind: 'payload_too_large' });
    expect(await flows.find('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('a processor killed mid-file is taken over after its lease: every reading published, counted once, rejections reported', async () => {
    const badGroup = ['026|1200023305960|V|', '028|X1|R|', '030|S|20220101000000|1.0|||T|N|'];
    const suspect = points[0]!;
    const text = d0010Flow('CRASH00001', points, 12, [[`026|${suspect.mpan}|V|`, `028|${suspect.meterSerial}|R|`, '030|S|20230101000000|20000.0|||F|N|'], badGroup]);
    // Earlier tests' flows first (a healthy processor), so the doomed one takes this flow.
    while ((await processor('healthy').processNext()) !== 'idle');
    const { flow } = await upload.receive(stream(chunksOf(text, 1000)), { owner: 'service:collector-a', via: 'api' });

    const crashing = processor('doomed', new CrashingPublisher(publisher, 3), 1500);
    await expect(crashing.processNext()).rejects.toThrow(/killed/);
    // Crash: the lease is released by the error path here; a real kill leaves it to expire. Make it so.
    await pool.query("UPDATE industry_flows SET lease_owner = 'doomed', lease_until = now() + interval '1 second', state = 'processing' WHERE flow_id = $1", [flow.flowId]);
    const mid = (await flows.find(flow.flowId))!;
    expect(mid.checkpointLine).toBeGreaterThan(0);
    expect(mid.readingsPublished).toBe(50); // two batches checkpointed; the third published but not
    expect(await processor('rescuer').processNext()).toBe('idle'); // the lease still holds
    await new Promise((r) => setTimeout(r, 1100));
    expect(await processor('rescuer').processNext()).toBe('done');

    const done = (await flows.find(flow.flowId))!;
    const expectedPublished = 19 * 12 + 1;
    // The last supply point is unknown to the registry: its 12 readings are held, not rejected.
    expect(done).toMatchObject({ state: 'done', readings: 20 * 12 + 1 + 1, readingsPublished: expectedPublished, readingsRejected: 1, heldUnmatched: 12, released: 0, groupsRejected: 1, heldForReview: 1 });
    crashFlowId = flow.flowId;
    crashText = text;
    const ids = new Set<string>();
    await eventually(async () => {
      ids.clear();
      for (const e of published) if (e.correlationId === `flow-${flow.flowId}`) ids.add(e.readingId);
      return ids.size === expectedPublished;
    }, 30_000);
    const mine = published.filter((e) => e.correlationId === `flow-${flow.flowId}`);
    expect(mine.length).toBeGreaterThan(expectedPublished); // the batch in flight at the crash went twice, same ids
    const sample = mine.find((e) => e.supplyPointId === points[1]!.mpan)!;
    expect(sample).toMatchObject({ schema: 'meter-reading.submitted.v1', accountId: points[1]!.accountId, channel: 'd0010', source: 'R', registerId: 'S', digits: 6, fuel: 'electricity', unit: 'kWh', submittedAt: flow.receivedAt });
    const held = mine.find((e) => e.hold)!;
    expect(held).toMatchObject({ supplyPointId: suspect.mpan, hold: { reasonCode: 'SUSPECT_READING' } });
    expect(held.readingId).toBe(flowReadingId(flow.flowId, text.split('\n').findIndex((l) => l.startsWith('030|S|20230101')) + 1));

    const status = new FlowStatusService(flows);
    const view = await status.status(collector, flow.flowId);
    expect(view.counts.rejectedByReason).toEqual({ INVALID_MPAN_CORE: 1 });
    expect(view.counts).toMatchObject({ heldUnmatched: 12, released: 0 });
    expect(view.outcomes.heldByReason).toEqual({ UNMATCHED_SUPPLY_POINT: 12 });
    let csv = '';
    for await (const part of await status.rejectionsCsv(collector, flow.flowId)) csv += part;
    const rows = csv.trim().split('\r\n');
    expect(rows[0]).toBe('line,mpan,meter_id,register_id,reason_code,message,readings');
    expect(rows).toHaveLength(1 + 1);
    expect(rows[1]).toMatch(/^\d+,1200023305960,,,INVALID_MPAN_CORE,.*,1$/);
    // The held ones are in the per-reading report with their lines, held for UNMATCHED_SUPPLY_POINT.
    let perReading = '';
    for await (const part of await status.readingsCsv(collector, flow.flowId)) perReading += part;
    const heldRows = perReading.trim().split('\r\n').filter((r) => r.includes(`,${points[19]!.mpan},`));
    expect(heldRows).toHaveLength(12);
    const firstHeldLine = text.split('\n').findIndex((l) => l === `026|${points[19]!.mpan}|V|`) + 3;
    expect(heldRows[0]).toBe(`${firstHeldLine},${flowReadingId(flow.flowId, firstHeldLine)},${points[19]!.mpan},held,UNMATCHED_SUPPLY_POINT,`);
    // Another collector's flow is not found, as if it did not exist.
    await expect(status.status(other, flow.flowId)).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND' });
    await expect(status.rejectionsCsv(other, flow.flowId)).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND' });
  }, 90_000);
  it('held readings are released when the registry learns their supply point: published once each with the same ids, counted once, also across a crash and a restart', async () => {
    expect(crashFlowId).not.toBe('');
    const unknown = points[19]!;
    const lines = crashText.split('\n');
    const heldLines = lines.flatMap((l, i) => (i > lines.indexOf(`026|${unknown.mpan}|V|`) && i <= lines.indexOf(`026|${unknown.mpan}|V|`) + 13 && l.startsWith('030|') ? [i + 1] : []));
    expect(heldLines).toHaveLength(12);
    const heldIds = heldLines.map((line) => flowReadingId(crashFlowId, line));
    const lookup = (a: string, b: string, c: string) => follower.register(a, b, c);
    // A repository whose first "released" commit fails: the crash between publish and mark.
    class FailingOnce extends FlowRepository {
      failed = false;
      override async markReleased(readings: Parameters<FlowRepository['markReleased']>[0]) {
        if (!this.failed) {
          this.failed = true;
          throw new Error('killed after publishing, before marking released');
        }
        return super.markReleased(readings);
      }
    }
    const failing = new FailingOnce(pool);
    const releaser = new HeldReadingReleaser(failing, publisher, lookup, { topic: topics.meterReadings.name, pageSize: 5 });
    follower.onChange((ids) => releaser.registryChanged(ids));
    // Nothing to release while the registry does not know the supply point.
    expect(await releaser.releaseDue()).toBe(0);
    expect(releaser.pending).toBe(false);

    await publisher.publish([{ topic: topics.registry.name, key: unknown.accountId, value: encodeRegistrySnapshot(accountSnapshot(unknown)) }]);
    await eventually(async () => releaser.pending, 30_000);
    await expect(releaser.releaseDue()).rejects.toThrow(/killed/);
    // Restarted: a fresh releaser sweeps every held reading (it knows none from a change).
    const restarted = new HeldReadingReleaser(flows, publisher, lookup, { topic: topics.meterReadings.name, pageSize: 5 });
    expect(await restarted.releaseDue()).toBe(12);
    // The registry record again (a redelivery) and another sweep: nothing more.
    restarted.registryChanged([unknown.mpan]);
    restarted.sweep();
    expect(await restarted.releaseDue()).toBe(0);

    const done = (await flows.find(crashFlowId))!;
    expect(done).toMatchObject({ heldUnmatched: 0, released: 12, readingsPublished: 19 * 12 + 1 + 12 });
    const events = await eventually(async () => {
      const mine = published.filter((e) => heldIds.includes(e.readingId));
      return new Set(mine.map((e) => e.readingId)).size === 12 ? mine : null;
    }, 30_000);
    // Published for the 5-reading page before the "crash" and again after: the same ids, the same events.
    expect(events.length).toBeGreaterThanOrEqual(12);
    const first = events.find((e) => e.readingId === heldIds[0])!;
    expect(first).toMatchObject({ accountId: unknown.accountId, supplyPointId: unknown.mpan, meterSerial: unknown.meterSerial, registerId: 'S', digits: 6, channel: 'd0010', correlationId: `flow-${crashFlowId}`, value: '10000' });
    for (const e of events) expect(e).toEqual(events.find((x) => x.readingId === e.readingId));

    const view = await new FlowStatusService(flows).status(collector, crashFlowId);
    expect(view.counts).toMatchObject({ heldUnmatched: 0, released: 12 });
    expect(view.outcomes.heldByReason).toEqual({});
    expect(view.outcomes.undecided).toBe(19 * 12 + 1 + 12); // no sink here: published, waiting for its decision
  }, 60_000);
});
