/*
 * D0010 intake benchmark: the whole path of a 1,000,000-reading file through the BUILT flow-intake, from
 * the first byte of the upload to the last reading published on meter-readings.v1 (acks=all) and
 * checkpointed: streamed into PostgreSQL with pass 1 (structure) on the way, 202, then the processor's
 * pass 2 (groups), registry matching, publishing and checkpoints.
 *
 *   npm run build && npm run bench:d0010 -- --mode intake
 *   options: --readings N (1000000)  --supply-points N (10000: the registry accounts the file's readings
 *            cycle through)  --batch N (FLOW_PROCESSOR_BATCH_READINGS, the service's default 1000)
 *            --port P (4430)  --max-seconds S (300)  --file PATH (reuse or write this file)
 *            --publisher-thread true|false (FLOW_PUBLISHER_THREAD: the Kafka producer on a worker thread; default the service's, true)
 *
 * Self-contained and bounded: its own PostgreSQL database and Kafka topic prefix on the local stack, one
 * flow-intake on --port (no read-sink: the figure is the intake's, not the sink's), stopped and dropped at
 * the end. Prints the seconds (upload to 202, 202 to published, total), readings/s, flow-intake's peak RSS
 * (VmHWM) and CPU seconds, the records on the topic (each reading once unless a batch was retried), and the
 * machine's load average (other work on the 2 cores moves every figure).
 * flow-intake holds a projection of the registry (registry.v1): here --supply-points accounts. A supplier's
 * whole registry costs more memory (about 216 MiB for 1,000,000 registers, docs/benchmarks.md "Registry
 * projection memory"): a standing cost of the process, not of the file.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { sha256Hex } from '@surge/auth/authenticator.service';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { deleteTopics, endOffsets, ensureTopics } from '@surge/kafka/topic.admin';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { ACCOUNT_SNAPSHOT_SCHEMA, encodeRegistrySnapshot, type AccountSnapshotV1 } from '@surge/registry-contracts/registry-change.event';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { generateDevKeyPair } from '@surge-test/support/dev-key.generator';
import { startService, type RunningService } from '@surge-test/support/service.process';
import { testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { generateD0010Lines, generatedSupplyPoint, writeFlowFile } from './d0010-file.generator';
import { cpuTicks, statusKiB } from '@surge-test/support/process-stats';

const PLATFORM_REGISTER: Record<string, string> = { S: 'S', DY: 'DAY', NT: 'NIGHT' };

function snapshot(index: number, prefix: string): AccountSnapshotV1 {
  const sp = generatedSupplyPoint(index);
  return {
    schema: ACCOUNT_SNAPSHOT_SCHEMA,
    revision: '1',
    accountId: `${prefix}-${index}`,
    category: 'D',
    categoryEffectiveFrom: '2020-01-01',
    domestic: true,
    vulnerable: false,
    vatRate: '0.05',
    supplyPoints: [
      {
        supplyPointId: sp.mpanCore,
        fuel: 'electricity',
        supplyStart: '2020-01-01',
        meters: [
          {
            meterSerial: sp.meterId,
            installedOn: '2020-01-01',
            removedOn: null,
            registers: sp.registers.map((r) => ({ registerId: PLATFORM_REGISTER[r]!, kind: 'import' as const, digits: 6, unit: 'kWh' as const, eacKwh: '3100', eacEffectiveFrom: '2020-01-01' })),
          },
        ],
      },
    ],
    agreements: [],
    change: 'bench',
    changedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** VmHWM (peak RSS) and VmRSS of a process, in KiB. */
function memoryOf(pid: number): { hwm: number; rss: number } {
  return { hwm: statusKiB(pid, 'VmHWM') ?? 0, rss: statusKiB(pid, 'VmRSS') ?? 0 };
}

/** utime + stime of a process, in seconds. */
function cpuSecondsOf(pid: number): number {
  return (cpuTicks(pid) ?? 0) / 100;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-GB');

/** The node flags scripts/service-node-flags.sh gives a service ('' when the script is not there). */
function serviceNodeFlags(app: string): string {
  const r = spawnSync('bash', ['-c', `source scripts/service-node-flags.sh && service_node_flags ${app}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

/** The local stack's Kafka broker (scripts/stack/stack.sh's pid file), for its CPU seconds; undefined if not found. */
function brokerPid(): number | undefined {
  try {
    const pid = Number(readFileSync(join(process.env.SURGE_STATE_DIR ?? join(process.cwd(), '.stack'), 'pids', 'kafka.pid'), 'utf8').trim());
    return cpuTicks(pid) == null ? undefined : pid;
  } catch {
    return undefined;
  }
}

export async function runIntakeBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      mode: { type: 'string' },
      readings: { type: 'string', default: '1000000' },
      'supply-points': { type: 'string', default: '10000' },
      batch: { type: 'string', default: '1000' },
      port: { type: 'string', default: '4430' },
      'max-seconds': { type: 'string', default: '300' },
      file: { type: 'string' },
      'publisher-thread': { type: 'string' },
    },
  });
  const readings = Number(values.readings);
  const supplyPoints = Number(values['supply-points']);
  const maxMs = Number(values['max-seconds']) * 1000;
  const database = uniqueName('bench_d0010_intake');
  const prefix = `${uniqueName('bench-d0010-intake')}.`;
  const topics = resolveTopics(prefix);
  const collectorKey = `bench-intake-collector-${Date.now()}`;
  const path = values.file ?? join(tmpdir(), `surge-d0010-intake-${readings}-${supplyPoints}-${process.pid}.uff`);
  const ownFile = values.file === undefined;
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  let service: RunningService | undefined;
  try {
    if (!existsSync(path)) {
      const t = performance.now();
      const written = await writeFlowFile(path, generateD0010Lines({ readings, supplyPoints, fileId: `I${Date.now().toString(36).slice(-9).toUpperCase()}` }));
      console.log(`generated ${fmt(readings)} readings over ${fmt(supplyPoints)} supply points: ${fmt(written.lines)} lines, ${(written.bytes / 1024 / 1024).toFixed(1)} MiB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    const bytes = statSync(path).size;
    await ensurePostgresDatabase(admin, database);
    const dbUrl = new URL(testEnv.DATABASE_URL);
    dbUrl.pathname = `/${database}`;
    await ensureTopics(testEnv.KAFKA_BROKERS, [topics.registry, topics.meterReadings]);
    const registry = new PlatformaticEventPublisher({ brokers: testEnv.KAFKA_BROKERS, clientId: 'bench-d0010-intake', deadlineMs: 30_000, maxBufferedRecords: 20_000, maxBatchRecords: 500, lingerMs: 2, maxInFlightRequests: 2, lanes: 1 });
    for (let i = 0; i < supplyPoints; i += 5000) {
      const n = Math.min(5000, supplyPoints - i);
      await registry.publish(Array.from({ length: n }, (_, k) => ({ topic: topics.registry.name, key: `${prefix}-${i + k}`, value: encodeRegistrySnapshot(snapshot(i + k, prefix)) })));
    }
    await registry.close();

    const keys = await generateDevKeyPair();
    service = await startService('flow-intake', Number(values.port), {
      KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      DATABASE_URL: dbUrl.toString(),
      JWT_PUBLIC_KEY: keys.publicKeyPem,
      API_KEYS: `bench-collector:${sha256Hex(collectorKey)}:flows:submit`,
      KAFKA_GROUP_ID: `${prefix}flow-intake-outcomes`,
      FLOW_PROCESSOR_BATCH_READINGS: values.batch!,
      ...(values['publisher-thread'] ? { FLOW_PUBLISHER_THREAD: values['publisher-thread'] } : {}),
      LOG_LEVEL: 'warn',
      // flow-intake's own node flags (scripts/service-node-flags.sh, as k8s/ and services.sh run it), unless
      // SURGE_BENCH_NODE_OPTIONS says otherwise (it replaces them; profiling: add "--cpu-prof --cpu-prof-dir=/tmp/prof").
      NODE_OPTIONS: process.env.SURGE_BENCH_NODE_OPTIONS ?? serviceNodeFlags('flow-intake'),
    });
    const pid = service.pid;
    const cpuBefore = cpuSecondsOf(pid);
    const broker = brokerPid();
    const brokerCpuBefore = broker === undefined ? 0 : cpuSecondsOf(broker);
    const idleRss = memoryOf(pid).rss;
    let peakRss = 0;
    const sampler = setInterval(() => {
      try {
        peakRss = Math.max(peakRss, memoryOf(pid).rss);
      } catch {
        /* exited */
      }
    }, 100);

    const t0 = performance.now();
    const res = await fetch(`${service.url}/v1/industry/flows`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-api-key': collectorKey, 'content-length': String(bytes) },
      body: Readable.toWeb(createReadStream(path, { highWaterMark: 256 * 1024 })) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const t202 = performance.now();
    const receipt = (await res.json()) as { flowId: string; links: { self: string } };
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(receipt)}`);
    let view: { state: string; counts: { readings: number; readingsPublished: number; heldUnmatched: number; readingsRejected: number } } | undefined;
    while (performance.now() - t202 < maxMs) {
      await new Promise((r) => setTimeout(r, 200));
      view = (await (await fetch(`${service.url}${receipt.links.self}`, { headers: { 'x-api-key': collectorKey } })).json()) as typeof view;
      if (view!.state === 'done' || view!.state === 'failed') break;
    }
    const tDone = performance.now();
    clearInterval(sampler);
    const { hwm } = memoryOf(pid);
    const cpu = cpuSecondsOf(pid) - cpuBefore;
    const brokerCpu = broker === undefined ? undefined : cpuSecondsOf(broker) - brokerCpuBefore;
    const ends = await endOffsets(testEnv.KAFKA_BROKERS, topics.meterReadings);
    const onTopic = [...ends.values()].reduce((s, n) => s + Number(n), 0);
    const total = (tDone - t0) / 1000;
    const result = {
      readings,
      supplyPoints,
      bytes,
      batchReadings: Number(values.batch),
      state: view?.state,
      published: view?.counts.readingsPublished,
      held: view?.counts.heldUnmatched,
      rejected: view?.counts.readingsRejected,
      recordsOnTopic: onTopic,
      uploadTo202Seconds: +((t202 - t0) / 1000).toFixed(2),
      accepted202ToPublishedSeconds: +((tDone - t202) / 1000).toFixed(2),
      totalSeconds: +total.toFixed(2),
      readingsPerSecond: Math.round(readings / total),
      peakRssMiB: Math.round(hwm / 1024),
      sampledPeakRssMiB: Math.round(peakRss / 1024),
      rssBeforeUploadMiB: Math.round(idleRss / 1024),
      cpuSeconds: +cpu.toFixed(1),
      // The shared broker: other work on the stack adds to it.
      brokerCpuSeconds: brokerCpu === undefined ? null : +brokerCpu.toFixed(1),
      nodeOptions: process.env.SURGE_BENCH_NODE_OPTIONS ?? serviceNodeFlags('flow-intake'),
      machine: { cores: cpus().length, loadAverage1m: +loadavg()[0]!.toFixed(2) },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `d0010 intake: ${fmt(readings)} readings (${(bytes / 1024 / 1024).toFixed(1)} MiB) uploaded, 202 after ${result.uploadTo202Seconds} s, published ${result.accepted202ToPublishedSeconds} s later: ${result.totalSeconds} s in all, ${fmt(result.readingsPerSecond)} readings/s; flow-intake peak RSS ${result.peakRssMiB} MiB, ${result.cpuSeconds} CPU s (Kafka broker ${result.brokerCpuSeconds ?? '?'} CPU s); load ${result.machine.loadAverage1m}`,
    );
    const ok = view?.state === 'done' && view.counts.readingsPublished === readings && total < 60 && result.peakRssMiB < 300;
    console.log(`targets (under 60 s, under 300 MB, every reading published): ${ok ? 'met' : 'NOT met'}`);
    if (view?.state !== 'done' || view.counts.readingsPublished !== readings) process.exitCode = 1;
  } finally {
    await service?.stop().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await deleteTopics(testEnv.KAFKA_BROKERS, Object.values(topics).map((t) => t.name)).catch(() => undefined);
    if (ownFile) rmSync(path, { force: true });
  }
}

if (require.main === module) {
  runIntakeBench(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
