import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { sqlString } from '@surge/clickhouse/clickhouse.sql';
import { flowReadingId } from '@surge/flow-intake/flow-id';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { deleteTopics, ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { encodeRegistrySnapshot } from '@surge/registry-contracts/registry-change.event';
import { accountSnapshot, d0010Flow, flowSupplyPoints } from '@surge-test/fixtures/d0010-flow.stub';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { clickHouseSettings, eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';

interface FlowView {
  flowId: string;
  duplicate?: boolean;
  state: string;
  counts: { lines: number; readings: number; readingsPublished: number; readingsRejected: number; heldForReview: number; heldUnmatched: number; released: number; rejectedByReason: Record<string, number> };
  outcomes: { accepted: number; duplicates: number; held: number; rejected: number; undecided: number };
  links: { self: string; rejections: string; readings: string };
}

/**
 * The industry path end to end, on the built services: a collector sends a D0010 file to flow-intake, polls
 * its status to done, finds its readings through read-api's GET /v1/meter-readings (decided by the same
 * read-sink as customers' readings), and fetches the rejection report; a file dropped in the inbox goes the
 * same way; flow-intake killed (SIGKILL) mid-file resumes on restart with every reading exactly once in ClickHouse.
 */
describe('industry flows end to end', () => {
  const database = uniqueName('e2e_flows');
  const prefix = `${uniqueName('e2e-flows')}.`;
  const topics = resolveTopics(prefix);
  const issuer = 'https://id.e2e.local';
  const audience = 'surge-api';
  const collectorKey = 'e2e-flow-collector-key-0123456789';
  const otherKey = 'e2e-flow-other-collector-key-0123';
  const readerKey = 'e2e-flow-reader-key-012345678901';
  const inbox = mkdtempSync(join(tmpdir(), 'surge-flow-inbox-'));
  const points = flowSupplyPoints(uniqueName('fa'), 800_000 + Math.floor(Math.random() * 100_000), 30);
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  let privateKeyPem: string;
  let api: RunningService;
  let sink: RunningService;
  let flowsSvc: RunningService;
  let flowEnv: Record<string, string>;
  let ch: ClickHouseClient;

  beforeAll(async () => {
    const keys = await generateDevKeyPair();
    privateKeyPem = keys.privateKeyPem;
    await ensurePostgresDatabase(admin, database);
    const dbUrl = new URL(testEnv.DATABASE_URL);
    dbUrl.pathname = `/${database}`;
    // The registry's state, as the registry would have published it (all but the last supply point). Only
    // registry.v1 is made here: flow-intake starts first and must create what it consumes itself.
    await ensureTopics(testEnv.KAFKA_BROKERS, [topics.registry]);
    const publisher = new PlatformaticEventPublisher({ brokers: testEnv.KAFKA_BROKERS, clientId: uniqueName('e2e-flows'), deadlineMs: 10_000, maxBufferedRecords: 1000, maxBatchRecords: 100, lingerMs: 1, maxInFlightRequests: 1, lanes: 1 });
    await publisher.publish(points.slice(0, -1).map((p) => ({ topic: topics.registry.name, key: p.accountId, value: encodeRegistrySnapshot(accountSnapshot(p)) })));
    await publisher.close();
    const common = {
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: audience,
    };
    const readEnv = { ...common, CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL, CLICKHOUSE_DATABASE: database, REDIS_URL: testEnv.REDIS_URL, KAFKA_GROUP_ID: `${prefix}read-sink`, API_KEYS: `reader:${sha256Hex(readerKey)}:readings:read` };
    flowEnv = {
      ...common,
      DATABASE_URL: dbUrl.toString(),
      API_KEYS: [`collector-a:${sha256Hex(collectorKey)}:flows:submit`, `collector-b:${sha256Hex(otherKey)}:flows:submit`, `reader:${sha256Hex(readerKey)}:readings:read`].join(','),
      FLOW_INBOX_DIR: inbox,
      FLOW_INBOX_COLLECTOR: 'collector-a',
      FLOW_INBOX_POLL_MS: '200',
      FLOW_PROCESSOR_LEASE_MS: '3000',
      FLOW_PROCESSOR_IDLE_MS: '200',
      FLOW_PROCESSOR_BATCH_READINGS: '50',
      KAFKA_GROUP_ID: `${prefix}flow-intake-outcomes`,
    };
    flowsSvc = await startService('flow-intake', 4402, flowEnv);
    sink = await startService('read-sink', 4401, readEnv);
    api = await startService('read-api', 4400, readEnv);
    ch = createClickHouse(clickHouseSettings(database));
  }, 120_000);

  afterAll(async () => {
    await flowsSvc?.stop();
    await api?.stop();
    await sink?.stop();
    await ch?.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(inbox, { recursive: true, force: true });
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(topics).map((t) => t.name)).catch(() => undefined);
  });

  const send = (body: string, key = collectorKey, type = 'text/plain') =>
    fetch(`${flowsSvc.url}/v1/industry/flows`, { method: 'POST', headers: { 'content-type': type, 'x-api-key': key }, body });
  const view = async (flowId: string, key = collectorKey) => {
    const r = await fetch(`${flowsSvc.url}/v1/industry/flows/${flowId}`, { headers: { 'x-api-key': key } });
    return { status: r.status, body: (await r.json()) as FlowView & { error?: { code: string } } };
  };
  const untilDone = (flowId: string, timeoutMs = 60_000) => eventually(async () => ((await view(flowId)).body.state === 'done' ? (await view(flowId)).body : null), timeoutMs, 200);
  const lineOf = (text: string, prefix030: string) => text.split('\n').findIndex((l) => l.startsWith(prefix030)) + 1;

  it('a D0010 upload: 202 with a status URL, processed to done, readings queryable through read-api, the rejection report as CSV', async () => {
    const text = d0010Flow('E2EFLOW001', points.slice(-3), 2, [['026|1200023305960|V|', '028|X1|R|', '030|S|20220101000000|1.0|||T|N|']]);
    const res = await send(text);
    expect(res.status).toBe(202);
    const receipt = (await res.json()) as FlowView;
    expect(res.headers.get('location')).toBe(`/v1/industry/flows/${receipt.flowId}`);
    expect(receipt).toMatchObject({ duplicate: false, state: 'stored', links: { self: `/v1/industry/flows/${receipt.flowId}` } });

    const done = await untilDone(receipt.flowId);
    // The last supply point is not on the registry: its 2 readings are held (UNMATCHED_SUPPLY_POINT), not dropped.
    expect(done.counts).toMatchObject({ readings: 7, readingsPublished: 4, readingsRejected: 1, heldUnmatched: 2, rejectedByReason: { INVALID_MPAN_CORE: 1 } });

    const firstLine = lineOf(text, `030|S|20220101`);
    const readingId = flowReadingId(receipt.flowId, firstLine);
    const reading = await eventually(async () => {
      const r = await fetch(`${api.url}/v1/meter-readings/${readingId}`, { headers: { 'x-api-key': readerKey } });
      const body = (await r.json()) as { status?: string };
      return r.status === 200 && body.status !== 'received' ? body : null;
    }, 30_000);
    expect(reading).toMatchObject({ readingId, status: 'accepted', supplyPointId: points.at(-3)!.mpan, value: '10000' });

    const csv = await fetch(`${flowsSvc.url}${done.links.rejections}`, { headers: { 'x-api-key': collectorKey } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows[0]).toBe('line,mpan,meter_id,register_id,reason_code,message,readings');
    expect(rows.slice(1).map((r) => r.split(',')[4])).toEqual(['INVALID_MPAN_CORE']);

    // What the sink decided, per reading with its line.
    const decidedView = await eventually(async () => {
      const v = (await view(receipt.flowId)).body;
      return v.outcomes.undecided === 0 && v.outcomes.accepted === 4 ? v : null;
    }, 30_000);
    expect(decidedView.outcomes).toMatchObject({ accepted: 4, duplicates: 0, held: 2, rejected: 0, undecided: 0, heldByReason: { UNMATCHED_SUPPLY_POINT: 2 } });
    const perReading = (await (await fetch(`${flowsSvc.url}${done.links.readings}`, { headers: { 'x-api-key': collectorKey } })).text()).trim().split('\r\n');
    expect(perReading[0]).toBe('line,reading_id,mpan,status,reason_code,duplicate_of');
    expect(perReading[1]).toBe(`${firstLine},${readingId},${points.at(-3)!.mpan},accepted,,`);
    expect(perReading).toHaveLength(7);
    expect(perReading.slice(5).map((r) => r.split(',').slice(2, 5).join(','))).toEqual([`${points.at(-1)!.mpan},held,UNMATCHED_SUPPLY_POINT`, `${points.at(-1)!.mpan},held,UNMATCHED_SUPPLY_POINT`]);

    // The same reading from the customer too (same register, instant and value) is one reading: theirs is a duplicate.
    const sp = points.at(-3)!;
    const customer = await issueCustomerToken(privateKeyPem, { sub: `c-${sp.accountId}`, acc: sp.accountId, sp: [sp.mpan], ms: [sp.meterSerial] }, { issuer, audience });
    const own = await fetch(`${api.url}/v1/meter-readings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${customer}` },
      body: JSON.stringify({ supplyPointId: sp.mpan, meterSerial: sp.meterSerial, registerId: 'S', readAt: '2022-01-01T00:00:00Z', value: '10000' }),
    });
    expect(own.status).toBe(202);
    const ownId = ((await own.json()) as { readingId: string }).readingId;
    const dup = await eventually(async () => {
      const rs = await ch.query({ query: `SELECT status, duplicate_of FROM meter_readings FINAL WHERE reading_id = ${sqlString(ownId)}`, format: 'JSONEachRow' });
      return (await rs.json<{ status: string; duplicate_of: string }>())[0];
    }, 30_000);
    expect(dup).toEqual({ status: 'accepted', duplicate_of: readingId });

    // The same file again changes nothing and says so.
    const again = await send(text);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true, flowId: receipt.flowId, state: 'done' });
    // Another collector's flow is not found; without a key, 401; a customer, 403.
    expect(await view(receipt.flowId, otherKey)).toMatchObject({ status: 404, body: { error: { code: 'FLOW_NOT_FOUND' } } });
    expect((await fetch(`${flowsSvc.url}${done.links.rejections}`, { headers: { 'x-api-key': otherKey } })).status).toBe(404);
    expect((await fetch(`${flowsSvc.url}/v1/industry/flows/${receipt.flowId}`)).status).toBe(401);
    const token = await issueCustomerToken(privateKeyPem, { sub: 'c1', acc: points[0]!.accountId, sp: [points[0]!.mpan], ms: [points[0]!.meterSerial] }, { issuer, audience });
    const asCustomer = await fetch(`${flowsSvc.url}/v1/industry/flows`, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}` }, body: text });
    expect(asCustomer.status).toBe(403);
  }, 120_000);

  it('customer and industry readings of one register are judged in the order they reached the topic (one partition, one sink)', async () => {
    const sp = points[2]!; // no other test sends readings for it
    const token = await issueCustomerToken(privateKeyPem, { sub: `c-${sp.accountId}`, acc: sp.accountId, sp: [sp.mpan], ms: [sp.meterSerial] }, { issuer, audience });
    const submit = async (readAt: string, value: string) => {
      const r = await fetch(`${api.url}/v1/meter-readings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ supplyPointId: sp.mpan, meterSerial: sp.meterSerial, registerId: 'S', readAt, value }),
      });
      expect(r.status).toBe(202);
      return ((await r.json()) as { readingId: string }).readingId;
    };
    const decision = (readingId: string) =>
      eventually(async () => {
        const rs = await ch.query({ query: `SELECT status, reason_code FROM meter_readings FINAL WHERE reading_id = ${sqlString(readingId)}`, format: 'JSONEachRow' });
        return (await rs.json<{ status: string; reason_code: string }>())[0];
      }, 30_000);
    // 1. The customer's reading first.
    const first = await submit('2022-02-01T00:00:00Z', '20000');
    expect(await decision(first)).toEqual({ status: 'accepted', reason_code: '' });
    // 2. Then a flow: a reading below the customer's (judged after it: negative advance) and one above it.
    const text = d0010Flow('E2EORDER01', [], 0, [[`026|${sp.mpan}|V|`, `028|${sp.meterSerial}|R|`, '030|S|20220202000000|19990.0|||T|N|', '030|S|20220203000000|20010.0|||T|N|']]);
    const res = await send(text);
    expect(res.status).toBe(202);
    const { flowId } = (await res.json()) as FlowView;
    await untilDone(flowId);
    expect(await decision(flowReadingId(flowId, lineOf(text, '030|S|20220202')))).toEqual({ status: 'rejected', reason_code: 'NEGATIVE_ADVANCE' });
    expect(await decision(flowReadingId(flowId, lineOf(text, '030|S|20220203')))).toEqual({ status: 'accepted', reason_code: '' });
    // 3. The customer again, below the flow's accepted reading: judged after it, so a negative advance too.
    const last = await submit('2022-02-04T00:00:00Z', '20005');
    expect(await decision(last)).toEqual({ status: 'rejected', reason_code: 'NEGATIVE_ADVANCE' });
  }, 90_000);

  it('bad files get a 4xx with a stable code and nothing is taken', async () => {
    const good = d0010Flow('E2EFLOW002', points.slice(0, 2), 2);
    const refused = await send(good.replace(/ZPT\|(\w+)\|(\d+)\|/, 'ZPT|$1|99|'));
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: { code: string; message: string; issues: Array<{ code: string; field: string }> } };
    expect(body.error).toMatchObject({ code: 'FLOW_REFUSED', issues: [{ code: 'RECORD_COUNT_MISMATCH', field: `line ${good.trim().split('\n').length}` }] });
    expect((await send(good, collectorKey, 'application/json')).status).toBe(415);
    expect((await send(good, readerKey)).status).toBe(403);
    // Nothing of the refused file was stored: the good one is new, not a duplicate.
    const ok = await send(good);
    expect(ok.status).toBe(202);
  });

  it('a file dropped in the inbox is taken once, processed the same way, and moved to done/ with its report; a bad one to rejected/', async () => {
    const text = d0010Flow('E2EINBOX01', points.slice(3, 5), 2);
    writeFileSync(join(inbox, 'inbox-1.d0010.tmp'), text);
    renameSync(join(inbox, 'inbox-1.d0010.tmp'), join(inbox, 'inbox-1.d0010'));
    writeFileSync(join(inbox, 'bad.d0010'), text.replace('D0010002', 'D0010001'));
    const report = await eventually(async () => (existsSync(join(inbox, 'done', 'inbox-1.d0010.report.json')) ? JSON.parse(readFileSync(join(inbox, 'done', 'inbox-1.d0010.report.json'), 'utf8')) : null), 20_000);
    expect(report).toMatchObject({ outcome: 'accepted', fileId: 'E2EINBOX01', status: `/v1/industry/flows/${report.flowId}` });
    expect(existsSync(join(inbox, 'inbox-1.d0010'))).toBe(false);
    const done = await untilDone(report.flowId);
    expect(done.counts).toMatchObject({ readings: 4, readingsPublished: 4, readingsRejected: 0 });
    const rejected = await eventually(async () => (existsSync(join(inbox, 'rejected', 'bad.d0010.report.json')) ? JSON.parse(readFileSync(join(inbox, 'rejected', 'bad.d0010.report.json'), 'utf8')) : null), 20_000);
    expect(rejected).toMatchObject({ outcome: 'rejected', code: 'FLOW_REFUSED', issues: [{ code: 'UNSUPPORTED_FLOW_VERSION' }] });
  }, 60_000);

  it('flow-intake killed mid-file resumes on restart: every reading exactly once in ClickHouse', async () => {
    // Supply points no earlier test sent readings for: the same reading twice would rightly be a duplicate.
    const known = points.slice(5, 27);
    const text = d0010Flow('E2ECRASH01', known, 300); // 22 x 300 = 6,600 readings, 50 a batch
    const res = await send(text);
    expect(res.status).toBe(202);
    const { flowId } = (await res.json()) as FlowView;
    await eventually(async () => {
      const v = (await view(flowId)).body;
      return v.state === 'processing' && v.counts.readingsPublished > 0;
    }, 30_000, 20);
    await flowsSvc.stop('SIGKILL');
    flowsSvc = await startService('flow-intake', 4402, flowEnv);
    const done = await untilDone(flowId, 90_000);
    expect(done.counts).toMatchObject({ readings: 6600, readingsPublished: 6600, readingsRejected: 0 });
    const counted = await eventually(async () => {
      const rs = await ch.query({
        query: `SELECT count() AS rows, uniqExact(reading_id) AS ids, countIf(status = 'accepted' AND duplicate_of = '') AS counted
                FROM meter_readings FINAL WHERE correlation_id = ${sqlString(`flow-${flowId}`)}`,
        format: 'JSONEachRow',
      });
      const [row] = await rs.json<{ rows: string; ids: string; counted: string }>();
      return row && Number(row.ids) === 6600 ? row : null;
    }, 60_000, 500);
    expect(Number(counted.rows)).toBe(6600);
    await eventually(async () => {
      const v = (await view(flowId)).body;
      return v.outcomes.accepted === 6600 && v.outcomes.undecided === 0 && v.outcomes.duplicates === 0;
    }, 60_000, 500);
    // Counted once each: none is a duplicate of another (a republished batch kept its first decision).
    expect(Number(counted.counted)).toBe(6600);
  }, 200_000);
});
