/*
 * Industry flow alongside a customer surge: a 100,000-reading D0010 file sent to the built flow-intake while
 * customers keep submitting to the built read-api, both decided by the same built read-sink.
 *
 *   npm run build && npm run bench:flows
 *   npm run bench:flows -- --readings 100000 --rate 100 --baseline-seconds 15 --max-seconds 150
 *
 * Self-contained and bounded (about 2-3 minutes, loopback only, stops by itself): it starts read-sink,
 * read-api and flow-intake from dist/ on ports 4410-4412 with their own PostgreSQL database, ClickHouse
 * database and Kafka topic prefix on the local stack; publishes the registry snapshots the flow's supply
 * points need; runs customers at --rate submissions a second (open model: sent on schedule, latency from the
 * scheduled time, at most 256 in flight) for --baseline-seconds alone, then uploads the flow and goes on
 * until every reading of the flow is decided in ClickHouse (or --max-seconds). It prints the flow's figures
 * (upload to 202, 202 to done, 202 to all decided, readings a second) and the customers' p50/p95/p99 and
 * errors before and during the flow; then stops everything and drops what it created. Load generator and
 * services share the machine's cores: the figures are a floor.
 */
import { cpus, loadavg, setPriority } from 'node:os';
import { parseArgs } from 'node:util';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { issueCustomerToken } from '@surge/auth/token.issuer';
import { createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { sqlString } from '@surge/clickhouse/clickhouse.sql';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { deleteTopics, ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { encodeRegistrySnapshot } from '@surge/registry-contracts/registry-change.event';
import { accountSnapshot, d0010Flow, flowSupplyPoints } from '@surge-test/fixtures/d0010-flow.stub';
import { testMpan } from '@surge-test/fixtures/reading.stub';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { clickHouseSettings, testEnv, uniqueName } from '@surge-test/support/test-env.config';

const { values: args } = parseArgs({
  options: {
    readings: { type: 'string', default: '100000' },
    'readings-per-point': { type: 'string', default: '100' },
    rate: { type: 'string', default: '100' },
    customers: { type: 'string', default: '300' },
    'baseline-seconds': { type: 'string', default: '15' },
    'max-seconds': { type: 'string', default: '150' },
    'port-base': { type: 'string', default: '4410' },
  },
});
const READINGS = Number(args.readings);
const PER_POINT = Number(args['readings-per-point']);
const RATE = Number(args.rate);
const CUSTOMERS = Number(args.customers);
const BASELINE_S = Number(args['baseline-seconds']);
const MAX_S = Number(args['max-seconds']);
const PORT = Number(args['port-base']);
const MAX_IN_FLIGHT = 256;

interface Sample {
  readonly at: number;
  readonly ms: number;
  readonly ok: boolean;
  readonly status: number;
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
function summary(samples: readonly Sample[]) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const byStatus: Record<string, number> = {};
  for (const s of samples) {
    if (s.ok) continue;
    const k = s.status === -1 ? 'not sent (256 in flight)' : s.status === 0 ? 'network' : String(s.status);
    byStatus[k] = (byStatus[k] ?? 0) + 1;
  }
  return { requests: samples.length, errors: samples.filter((s) => !s.ok).length, errorsByStatus: byStatus, p50: +pct(ms, 50).toFixed(1), p95: +pct(ms, 95).toFixed(1), p99: +pct(ms, 99).toFixed(1), max: +(ms.at(-1) ?? NaN).toFixed(1) };
}

async function main(): Promise<void> {
  const database = uniqueName('bench_flows');
  const prefix = `${uniqueName('bench-flows')}.`;
  const topics = resolveTopics(prefix);
  const collectorKey = `bench-collector-${Date.now()}-key`;
  const keys = await generateDevKeyPair();
  const issuer = 'https://id.bench.local';
  const audience = 'surge-api';
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  const ch = createClickHouse(clickHouseSettings(database));
  const services: RunningService[] = [];
  const points = flowSupplyPoints(uniqueName('bf'), 600_000 + Math.floor(Math.random() * 100_000), Math.ceil(READINGS / PER_POINT));
  try {
    await ensurePostgresDatabase(admin, database);
    const dbUrl = new URL(testEnv.DATABASE_URL);
    dbUrl.pathname = `/${database}`;
    await ensureTopics(testEnv.KAFKA_BROKERS, Object.values(topics));
    const publisher = new PlatformaticEventPublisher({ brokers: testEnv.KAFKA_BROKERS, clientId: 'bench-flows', deadlineMs: 20_000, maxBufferedRecords: 20_000, maxBatchRecords: 500, lingerMs: 2, maxInFlightRequests: 2, lanes: 1 });
    await publisher.publish(points.map((p) => ({ topic: topics.registry.name, key: p.accountId, value: encodeRegistrySnapshot(accountSnapshot(p)) })));
    await publisher.close();
    const common = { KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','), KAFKA_TOPIC_PREFIX: prefix, JWT_PUBLIC_KEY: keys.publicKeyPem, JWT_ISSUER: issuer, JWT_AUDIENCE: audience, LOG_LEVEL: 'warn' };
    const readEnv = { ...common, CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL, CLICKHOUSE_DATABASE: database, REDIS_URL: testEnv.REDIS_URL, KAFKA_GROUP_ID: `${prefix}read-sink` };
    services.push(await startService('read-sink', PORT + 1, readEnv));
    const api = await startService('read-api', PORT, readEnv);
    services.push(api);
    const flows = await startService('flow-intake', PORT + 2, { ...common, DATABASE_URL: dbUrl.toString(), API_KEYS: `bench-collector:${sha256Hex(collectorKey)}:flows:submit`, KAFKA_GROUP_ID: `${prefix}flow-intake-outcomes` });
    services.push(flows);
    // Customer first, as on the local stack (scripts/services.sh) and in k8s (PriorityClasses): the background
    // services run at nice 10, read-api at 0, so on contended cores the flow and the sink wait, not customers.
    for (const s of [services[0]!, flows]) setPriority(s.pid, Number(process.env.SURGE_BACKGROUND_NICE ?? 10));

    const file = d0010Flow(`BENCH${Date.now().toString(36).slice(-5).toUpperCase()}`, points, PER_POINT);
    const customers = await Promise.all(
      Array.from({ length: CUSTOMERS }, async (_, i) => {
        const mpan = testMpan(500_000 + i);
        const token = await issueCustomerToken(keys.privateKeyPem, { sub: `bench-c${i}`, acc: `BENCH-C${i}`, sp: [mpan], ms: [`BC${i}`] }, { issuer, audience, ttlSeconds: 3600 });
        return { mpan, serial: `BC${i}`, token, n: 0 };
      }),
    );

    // Customers: open model at RATE a second, latency from the scheduled send.
    const samples: Sample[] = [];
    let inFlight = 0;
    let stop = false;
    let sent = 0;
    const started = performance.now();
    const tick = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * RATE);
      while (!stop && sent < due) {
        const scheduled = started + (sent / RATE) * 1000;
        const c = customers[sent % customers.length]!;
        sent++;
        if (inFlight >= MAX_IN_FLIGHT) {
          samples.push({ at: scheduled, ms: performance.now() - scheduled, ok: false, status: -1 });
          continue;
        }
        inFlight++;
        const readAt = new Date(Date.UTC(2022, 0, 1) + c.n * 3600_000).toISOString();
        const value = String(1000 + c.n++);
        fetch(`${api.url}/v1/meter-readings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` },
          body: JSON.stringify({ supplyPointId: c.mpan, meterSerial: c.serial, registerId: 'S', readAt, value }),
        })
          .then(async (r) => {
            await r.arrayBuffer();
            samples.push({ at: scheduled, ms: performance.now() - scheduled, ok: r.status === 202, status: r.status });
          })
          .catch(() => samples.push({ at: scheduled, ms: performance.now() - scheduled, ok: false, status: 0 }))
          .finally(() => inFlight--);
      }
    }, 5);

    await new Promise((r) => setTimeout(r, BASELINE_S * 1000));
    const flowStart = performance.now();
    const upload = await fetch(`${flows.url}/v1/industry/flows`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-api-key': collectorKey }, body: file });
    const accepted = performance.now();
    const receipt = (await upload.json()) as { flowId: string; links: { self: string } };
    if (upload.status !== 202) throw new Error(`upload answered ${upload.status}: ${JSON.stringify(receipt)}`);
    let doneAt: number | undefined;
    let decidedAt: number | undefined;
    let decided = 0;
    let published = 0;
    const deadline = accepted + MAX_S * 1000;
    while (performance.now() < deadline && decidedAt === undefined) {
      await new Promise((r) => setTimeout(r, 500));
      if (doneAt === undefined) {
        const v = (await (await fetch(`${flows.url}${receipt.links.self}`, { headers: { 'x-api-key': collectorKey } })).json()) as { state: string; counts: { readingsPublished: number } };
        published = v.counts.readingsPublished;
        if (v.state === 'done') doneAt = performance.now();
      }
      const rs = await ch.query({ query: `SELECT uniqExact(reading_id) AS n FROM meter_readings WHERE correlation_id = ${sqlString(`flow-${receipt.flowId}`)}`, format: 'JSONEachRow' });
      decided = Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
      if (doneAt !== undefined && decided >= published) decidedAt = performance.now();
    }
    stop = true;
    clearInterval(tick);
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 50));

    const before = summary(samples.filter((s) => s.at < flowStart));
    const during = summary(samples.filter((s) => s.at >= flowStart && s.at <= (decidedAt ?? performance.now())));
    const secs = (ms: number | undefined) => (ms === undefined ? null : +(ms / 1000).toFixed(1));
    const result = {
      flow: {
        readings: READINGS,
        bytes: Buffer.byteLength(file),
        uploadTo202Seconds: secs(accepted - flowStart),
        accepted202ToDoneSeconds: secs(doneAt === undefined ? undefined : doneAt - accepted),
        accepted202ToAllDecidedSeconds: secs(decidedAt === undefined ? undefined : decidedAt - accepted),
        published,
        decided,
        publishedReadingsPerSecond: doneAt === undefined ? null : Math.round(published / ((doneAt - accepted) / 1000)),
        decidedReadingsPerSecond: decidedAt === undefined ? null : Math.round(decided / ((decidedAt - accepted) / 1000)),
      },
      customers: { ratePerSecond: RATE, beforeFlow: before, duringFlow: during },
      // Other work on the machine moves every figure: say how busy it was (1-minute load average at the end).
      machine: { cores: cpus().length, loadAverage1m: +loadavg()[0]!.toFixed(2) },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `flow: ${READINGS} readings, 202 after ${result.flow.uploadTo202Seconds} s, done ${result.flow.accepted202ToDoneSeconds} s after the 202 (${result.flow.publishedReadingsPerSecond} readings/s published), all decided ${result.flow.accepted202ToAllDecidedSeconds} s after it (${result.flow.decidedReadingsPerSecond} readings/s)`,
    );
    console.log(`customers at ${RATE}/s: before p95 ${before.p95} ms p99 ${before.p99} ms (${before.errors} errors of ${before.requests}); during p95 ${during.p95} ms p99 ${during.p99} ms (${during.errors} errors of ${during.requests})`);
    if (decidedAt === undefined) process.exitCode = 1;
  } finally {
    for (const s of services.reverse()) await s.stop().catch(() => undefined);
    await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
    await ch.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(topics).map((t) => t.name)).catch(() => undefined);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
