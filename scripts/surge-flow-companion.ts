/**
 * The industry flow beside the surge (scripts/surge-companions/flow.sh; README there): a 100,000-reading D0010
 * file through a flow-intake of the run's own, decided by the run's read-sink while the surge's customers submit.
 *   node dist/scripts/surge-flow-companion.js          (environment from scripts/surge-bench.sh)
 * It registers accounts of its own on the run's registry.v1 (SURGE_PREFIX: the run's read-sink follows the same
 * topic), starts flow-intake from dist/ on SURGE_FLOW_PORT (3109) at nice 10 (background priority, as
 * scripts/services.sh) with a PostgreSQL database of its own, posts the flow SURGE_FLOW_DELAY_SECONDS (5) into the
 * surge, and polls the flow's status until every reading is decided (processor done, no reading undecided) or
 * SURGE_FLOW_MAX_SECONDS (180). It writes $SURGE_DIR/companion-flow.json (seconds from the 202 to all decided, the
 * SLO "flow decided within 120 s") and lists flow-intake in companion-flow.pids; then stops it and drops its database.
 * Bounded: one file, one process, loopback only, stops by itself.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setPriority } from 'node:os';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { ensureTopics } from '@surge/kafka/topic.admin';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { encodeRegistrySnapshot } from '@surge/registry-contracts/registry-change.event';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { accountSnapshot, d0010Flow, flowSupplyPoints } from '@surge-test/fixtures/d0010-flow.stub';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { cpuTicks, statusKiB } from '@surge-test/support/process-stats';

const env = process.env;
const need = (name: string): string => {
  const v = env[name];
  if (!v) throw new Error(`${name} is not set (run by scripts/surge-bench.sh with SURGE_COMPANIONS=flow)`);
  return v;
};
const num = (name: string, fallback: number): number => (env[name] ? Number(env[name]) : fallback);

const SLO_SECONDS = 120;

interface FlowStatus {
  state: string;
  counts: { readings: number; readingsPublished: number; readingsRejected: number; heldUnmatched: number };
  outcomes: { accepted: number; duplicates: number; held: number; rejected: number; undecided: number; heldByReason: Record<string, number>; rejectedByReason: Record<string, number> };
}

/** CPU seconds (utime + stime) and peak RSS (VmHWM) of a live process, from /proc; nulls when unreadable. */
function processFigures(pid: number): { ticks: number | null; cpuSeconds: number | null; peakRssMiB: number | null } {
  const ticks = cpuTicks(pid);
  const hwm = statusKiB(pid, 'VmHWM');
  return { ticks, cpuSeconds: ticks === null ? null : +(ticks / 100).toFixed(1), peakRssMiB: hwm === null ? null : Math.round(hwm / 1024) };
}

async function main(): Promise<void> {
  const dir = need('SURGE_DIR');
  const run = need('SURGE_RUN');
  const prefix = need('SURGE_PREFIX');
  // The services' defaults when the run's environment does not say (the local stack).
  const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const databaseUrl = env.DATABASE_URL ?? 'postgres://surge:surge@127.0.0.1:5432/surge';
  const readings = num('SURGE_FLOW_READINGS', 100_000);
  const perPoint = num('SURGE_FLOW_READINGS_PER_POINT', 100);
  const port = num('SURGE_FLOW_PORT', 3109);
  const delayS = num('SURGE_FLOW_DELAY_SECONDS', 5);
  const maxS = num('SURGE_FLOW_MAX_SECONDS', 180);
  const topics = resolveTopics(prefix);
  const database = `surge_flow_${run.replace(/[^A-Za-z0-9_]/g, '_')}`.toLowerCase();
  const collectorKey = `surge-flow-companion-${run}-${process.pid}`;
  const admin = createPostgresPool(databaseUrl, { max: 1 });
  const report = (body: Record<string, unknown>) => writeFileSync(join(dir, 'companion-flow.json'), `${JSON.stringify(body, null, 2)}\n`);
  let flows: RunningService | undefined;
  try {
    await ensurePostgresDatabase(admin, database);
    const url = new URL(databaseUrl);
    url.pathname = `/${database}`;
    // Accounts of its own, on the run's registry topic: flow-intake matches the flow against them, and the
    // run's read-sink judges the readings with their EACs and digits, as it would a supplier's accounts.
    const points = flowSupplyPoints(`SURGE-FLOW-${run}`, 3_000_000 + (Number(run) % 1_000_000), Math.ceil(readings / perPoint));
    await ensureTopics(brokers, [topics.registry]);
    const publisher = new PlatformaticEventPublisher({ brokers, clientId: 'surge-flow-companion', deadlineMs: 20_000, maxBufferedRecords: 20_000, maxBatchRecords: 500, lingerMs: 2, maxInFlightRequests: 2, lanes: 1 });
    await publisher.publish(points.map((p) => ({ topic: topics.registry.name, key: p.accountId, value: encodeRegistrySnapshot(accountSnapshot(p)) })));
    await publisher.close();
    const file = d0010Flow(`SF${String(run).slice(-8)}`, points, perPoint);

    flows = await startService('flow-intake', port, {
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      DATABASE_URL: url.toString(),
      JWT_PUBLIC_KEY: need('JWT_PUBLIC_KEY'),
      ...(env.JWT_ISSUER ? { JWT_ISSUER: env.JWT_ISSUER } : {}),
      ...(env.JWT_AUDIENCE ? { JWT_AUDIENCE: env.JWT_AUDIENCE } : {}),
      API_KEYS: `surge-flow-companion:${sha256Hex(collectorKey)}:flows:submit`,
      KAFKA_GROUP_ID: `${prefix}flow-intake-outcomes`,
      LOG_LEVEL: 'warn',
      // The heap flags it has on the local stack and in k8s (scripts/service-node-flags.sh).
      NODE_OPTIONS: '--max-old-space-size=256 --max-semi-space-size=32',
    });
    // Background priority, as on the local stack and in k8s: on shared cores the customer comes first.
    setPriority(flows.pid, 10);
    writeFileSync(join(dir, 'companion-flow.pids'), `flow-intake\t${flows.pid}\n`);
    // Up, following the run's registry and outcome topics: the bench may start the load (README: .starting/.ready).
    writeFileSync(join(dir, 'companion-flow.ready'), `${new Date().toISOString()}\n`);

    await new Promise((r) => setTimeout(r, delayS * 1000));
    const t0 = performance.now();
    const res = await fetch(`${flows.url}/v1/industry/flows`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-api-key': collectorKey }, body: file });
    const t202 = performance.now();
    const receipt = (await res.json()) as { flowId: string; links: { self: string } };
    if (res.status !== 202) throw new Error(`flow-intake answered ${res.status}: ${JSON.stringify(receipt)}`);
    let status: FlowStatus | undefined;
    let doneAt: number | undefined;
    let decidedAt: number | undefined;
    while (performance.now() - t202 < maxS * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      try {
        status = (await (await fetch(`${flows.url}${receipt.links.self}`, { headers: { 'x-api-key': collectorKey } })).json()) as FlowStatus;
      } catch {
        continue; // a slow answer on busy cores; asked again
      }
      if (status.state === 'done' && doneAt === undefined) doneAt = performance.now();
      if (status.state === 'failed') break;
      if (status.state === 'done' && status.outcomes.undecided === 0) {
        decidedAt = performance.now();
        break;
      }
    }
    // flow-intake is stopped before the bench's closing CPU snapshot: its own figures, taken here, and its last
    // CPU ticks for the report's table (README: companion-<name>.cpu-end.tsv).
    const proc = processFigures(flows.pid);
    if (proc.ticks !== null) writeFileSync(join(dir, 'companion-flow.cpu-end.tsv'), `flow-intake\t${proc.ticks}\n`);
    const secs = (t: number | undefined) => (t === undefined ? null : +((t - t202) / 1000).toFixed(1));
    const decidedSeconds = secs(decidedAt);
    const ok = decidedSeconds !== null && decidedSeconds <= SLO_SECONDS;
    const o = status?.outcomes;
    report({
      title: 'industry flow beside the surge',
      lines: [
        `${readings.toLocaleString('en-GB')} D0010 readings (${points.length.toLocaleString('en-GB')} supply points): 202 after ${((t202 - t0) / 1000).toFixed(1)} s, published ${secs(doneAt) ?? '-'} s after it, all decided ${decidedSeconds ?? `not within ${maxS}`} s after it`,
        o ? `read-sink decided: ${o.accepted} accepted, ${o.duplicates} duplicates, ${o.held} held, ${o.rejected} rejected, ${o.undecided} undecided` : 'no status',
        `flow-intake (nice 10): ${proc.cpuSeconds ?? '-'} CPU s, peak RSS ${proc.peakRssMiB ?? '-'} MiB`,
      ],
      slos: [{ name: `flow decided within ${SLO_SECONDS} s`, ok, value: decidedSeconds }],
      figures: {
        readings,
        bytes: Buffer.byteLength(file),
        uploadTo202Seconds: +((t202 - t0) / 1000).toFixed(2),
        accepted202ToPublishedSeconds: secs(doneAt),
        decidedSeconds,
        state: status?.state ?? null,
        counts: status?.counts ?? null,
        outcomes: o ?? null,
        flowIntakeCpuSeconds: proc.cpuSeconds,
        flowIntakePeakRssMiB: proc.peakRssMiB,
      },
    });
    console.log(`flow companion: decided ${decidedSeconds ?? 'never'} s after the 202 (SLO ${SLO_SECONDS} s: ${ok ? 'met' : 'NOT met'})`);
  } catch (error) {
    // Never keep the load waiting for a companion that failed.
    writeFileSync(join(dir, 'companion-flow.ready'), `${new Date().toISOString()} (failed)\n`);
    report({ title: 'industry flow beside the surge', lines: [`FAILED: ${String((error as Error)?.message ?? error)}`], slos: [{ name: `flow decided within ${SLO_SECONDS} s`, ok: false, value: null }], figures: {} });
    throw error;
  } finally {
    await flows?.stop().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
