/*
 * read-sink drain benchmark: how much CPU the built read-sink spends per reading, and how much
 * ClickHouse work it causes, draining a pre-loaded topic on this machine.
 *
 *   npm run build && npm run bench:sink
 *   npm run bench:sink -- --readings 200000 --registers 20000 --history 6 --cpu-prof
 *   npm run bench:sink -- --node-options='--max-old-space-size=192' --env GLIBC_TUNABLES=glibc.malloc.arena_max=2
 *   npm run bench:sink -- --node-args=--trace-gc --sink-log /tmp/sink.log   (collections counted from the log)
 *   npm run bench:sink -- --sink-main /tmp/before/dist/apps/read-sink/src/main.js   (another build, same harness)
 *
 * Steps, all bounded and on loopback:
 *   1. its own Kafka topic prefix, ClickHouse database and consumer group (as scripts/surge-bench.sh);
 *   2. --history accepted readings per register written straight to ClickHouse (the months before the
 *      surge), so every register has history for the checks to read;
 *   3. --readings submitted events published to the topic, shaped like read-api's (key = supply point,
 *      fixtures like scripts/surge-fixtures.ts) with the surge mix: mostly accepted, some repeats of a
 *      reading (duplicates), producer retries (same reading id twice), negative advances, implausibly
 *      large advances (held), backdated readings and a few undecodable records (dead letters);
 *   4. a calibration start of the sink on an empty topic (start-up CPU, subtracted below);
 *   5. dist/apps/read-sink/src/main.js started on --port, timed until every record was handled
 *      (surge_sink_batch_size_sum reaches the record count), sampling its /proc stat and VmHWM;
 *   6. figures printed, the sink stopped, topics and database dropped.
 * The bench process, Kafka and ClickHouse share the 2 cores with the sink: drain time is a floor on
 * this machine; CPU ms per reading is the sink's own (utime + stime), which load elsewhere barely moves.
 * ClickHouse CPU is the whole server's: other users of the shared server add to it (say so with figures).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClickHouse, ensureDatabase } from '@surge/clickhouse/clickhouse.factory';
import { READING_CLICKHOUSE_MIGRATIONS } from '@surge/reading-store/clickhouse/reading-clickhouse.migrations';
import { migrateClickHouse } from '@surge/clickhouse/clickhouse.migrator';
import { encodeSubmitted, type MeterReadingSubmittedV1 } from '@surge/reading-contracts/meter-reading-submitted.event';
import { ClickHouseMeterReadingRepository } from '@surge/reading-store/clickhouse/clickhouse-meter-reading.repository';
import type { StoredReading } from '@surge/reading-store/meter-reading.repository';
import { storedReading } from '@surge-test/fixtures/stored-reading.stub';
import { PlatformaticEventPublisher } from '@surge/kafka/platformatic-event-publisher';
import { deleteTopics, ensureTopics } from '@surge/kafka/topic.admin';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import { mpanCheckDigit } from '@surge/meter-domain/mpan.validator';
import { clickHouseSettings, testEnv, uniqueName } from '@surge-test/support/test-env.config';

const { values: args } = parseArgs({
  options: {
    readings: { type: 'string', default: '200000' },
    registers: { type: 'string', default: '20000' },
    history: { type: 'string', default: '6' },
    port: { type: 'string', default: '3900' },
    'max-seconds': { type: 'string', default: '600' },
    'cpu-prof': { type: 'boolean', default: false },
    'batch-records': { type: 'string' },
    /** Passed to the sink as NODE_OPTIONS, e.g. --max-old-space-size=256 as k8s/read-sink.yaml sets a heap cap. */
    'node-options': { type: 'string' },
    /** More of the sink's environment, KEY=VALUE, repeatable (e.g. GLIBC_TUNABLES as k8s/read-sink.yaml sets it). */
    env: { type: 'string', multiple: true },
    'history-cache': { type: 'string' },
    'clickhouse-pid-file': { type: 'string', default: '.stack/pids/clickhouse.pid' },
    /** Flags on the sink's node command line, for those NODE_OPTIONS refuses (e.g. --trace-gc), space-separated. */
    'node-args': { type: 'string' },
    /** The measured sink's whole stdout and stderr to this file (e.g. with --node-options=--trace-gc, to count collections). */
    'sink-log': { type: 'string' },
    /** Another build's read-sink (its dist/apps/read-sink/src/main.js), measured by this bench: before and after in one harness. */
    'sink-main': { type: 'string' },
    /** How often the bench reads the sink's /metrics (ms). Each scrape costs the sink CPU that is charged to its readings. */
    'poll-ms': { type: 'string', default: '250' },
  },
});
const READINGS = Number(args.readings);
const REGISTERS = Number(args.registers);
const HISTORY = Number(args.history);
const PORT = Number(args.port);
const MAX_SECONDS = Number(args['max-seconds']);
const POLL_MS = Number(args['poll-ms']);
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU in 1/100 s
const DAY_MS = 86_400_000;
/** History: one reading a month before the surge, ending in February. */
const HISTORY_END_MS = Date.UTC(2022, 1, 28, 9);
/** The surge: readings in the days up to 31 March 2022. */
const SURGE_START_MS = Date.UTC(2022, 2, 1, 8);

const log = (msg: string) => process.stdout.write(`[bench:sink] ${msg}\n`);

const mpan = (n: number): string => {
  const first12 = `${10 + (n % 14)}${String(n).padStart(10, '0')}`;
  return `${first12}${mpanCheckDigit(first12)}`;
};

interface Register {
  accountId: string;
  supplyPointId: string;
  meterSerial: string;
  /** Latest accepted value, in tenths (exact). */
  tenths: number;
  /** Latest accepted instant, ms. */
  at: number;
  /** The last event published for it, for repeats. */
  last?: MeterReadingSubmittedV1;
}

const tenthsText = (t: number): string => `${Math.floor(t / 10)}.${t % 10}`;

function registers(run: string): Register[] {
  return Array.from({ length: REGISTERS }, (_, i) => ({
    accountId: `SNK-${run}-${i}`,
    supplyPointId: mpan(1_000_000 + i),
    meterSerial: `K${String(i).padStart(8, '0')}`,
    tenths: 10_000 + (i % 5_000) * 10,
    at: 0,
  }));
}

/** HISTORY monthly accepted readings per register, about 7 kWh a day (the 2,700 kWh/year profile). */
function historyRows(regs: Register[]): StoredReading[] {
  const rows: StoredReading[] = [];
  const start = HISTORY_END_MS - (HISTORY - 1) * 30 * DAY_MS;
  regs.forEach((r, i) => {
    for (let h = 0; h < HISTORY; h++) {
      const at = start + h * 30 * DAY_MS + (i % 3600) * 1000;
      if (h > 0) r.tenths += 30 * 70 + (i % 7) * 10;
      r.at = at;
      rows.push(
        storedReading({
          readingId: `hist-${i}-${h}`,
          accountId: r.accountId,
          supplyPointId: r.supplyPointId,
          meterSerial: r.meterSerial,
          readAt: new Date(at).toISOString(),
          value: tenthsText(r.tenths),
          source: h % 4 === 3 ? 'D' : 'R',
          submittedAtMs: at,
          decidedAtMs: at,
          correlationId: `hist-${i}-${h}`,
          version: at,
        }),
      );
    }
  });
  return rows;
}

type Kind = 'fresh' | 'duplicate' | 'retry' | 'negative' | 'held' | 'backdated' | 'poison';
/** Per 100 readings: the surge mix (issue 10: mostly accepted, some duplicates and invalid). */
const MIX: readonly [Kind, number][] = [
  ['fresh', 86],
  ['duplicate', 4],
  ['retry', 2],
  ['negative', 3],
  ['held', 2],
  ['backdated', 2],
  ['poison', 1],
];
const kindOf = (n: number): Kind => {
  // A fixed pseudo-random permutation, so every run sees the same sequence.
  let x = (Math.imul(n ^ 0x5bd1e995, 0x27d4eb2d) >>> 0) % 100;
  for (const [kind, share] of MIX) {
    if (x < share) return kind;
    x -= share;
  }
  return 'fresh';
};

interface Preloaded {
  records: { key: string; value: Buffer }[];
  kinds: Map<Kind, number>;
}

function surgeRecords(regs: Register[], run: string): Preloaded {
  const records: { key: string; value: Buffer }[] = [];
  const kinds = new Map<Kind, number>();
  const perRegister = Math.ceil(READINGS / REGISTERS);
  const submittedAt = new Date().toISOString();
  for (let n = 0; n < READINGS; n++) {
    // Round-robin over registers: one register's readings are spread over the topic, in order.
    const i = n % REGISTERS;
    const round = Math.floor(n / REGISTERS);
    const r = regs[i]!;
    let kind = kindOf(n);
    if ((kind === 'duplicate' || kind === 'retry') && !r.last) kind = 'fresh';
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    if (kind === 'poison') {
      records.push({ key: r.supplyPointId, value: Buffer.from(n % 2 ? '{"schema":"meter-reading.submitted.v1","readingId":' : `{"schema":"nope-${n}"}`) });
      continue;
    }
    if (kind === 'retry' || kind === 'duplicate') {
      const again = kind === 'retry' ? r.last! : { ...r.last!, readingId: `${run}-${n}`, correlationId: `c-${n}` };
      records.push({ key: r.supplyPointId, value: encodeSubmitted(again) });
      continue;
    }
    // Spread over the month so one register's surge readings are days apart.
    const at = SURGE_START_MS + Math.floor(((round + 1) * 30 * DAY_MS) / (perRegister + 1)) + (i % 3600) * 1000;
    let value: number;
    let readAt = at;
    if (kind === 'negative') value = Math.max(0, r.tenths - 500);
    else if (kind === 'held') value = r.tenths + 50_000;
    else if (kind === 'backdated') {
      // Between the last two monthly history readings: place it in history, checked against both.
      readAt = HISTORY_END_MS - 15 * DAY_MS + (i % 3600) * 1000 + 1000;
      value = r.tenths - 900;
    } else {
      const days = Math.max(1, Math.round((at - r.at) / DAY_MS));
      value = r.tenths + days * (40 + (n % 50));
    }
    const event: MeterReadingSubmittedV1 = {
      schema: 'meter-reading.submitted.v1',
      readingId: `${run}-${n}`,
      accountId: r.accountId,
      supplyPointId: r.supplyPointId,
      fuel: 'electricity',
      meterSerial: r.meterSerial,
      registerId: 'S',
      readAt: new Date(readAt).toISOString(),
      value: tenthsText(value),
      unit: 'kWh',
      source: n % 10 === 0 ? 'R' : 'C',
      channel: n % 3 === 0 ? 'app' : 'web',
      submittedAt,
      correlationId: `c-${n}`,
      digits: 6,
    };
    if (kind === 'fresh') {
      r.tenths = value;
      r.at = at;
    }
    r.last = event;
    records.push({ key: r.supplyPointId, value: encodeSubmitted(event) });
  }
  return { records, kinds };
}

/** utime + stime of a process, in ms; null when it is gone or unreadable. */
function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

function peakRssMiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

interface Sink {
  child: ChildProcess;
  output: () => string;
}

async function startSink(env: Record<string, string>, cpuProfDir?: string, logFile?: string): Promise<Sink> {
  const main = args['sink-main'] ?? join(__dirname, '..', 'apps', 'read-sink', 'src', 'main.js');
  const nodeArgs = [...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []), ...(logFile && args['node-args'] ? args['node-args'].split(' ').filter(Boolean) : [])];
  const child = spawn(process.execPath, [...nodeArgs, main], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(PORT), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const log = logFile ? createWriteStream(logFile) : undefined;
  child.stdout?.on('data', (d) => {
    log?.write(d);
    output = (output + String(d)).slice(-20_000);
  });
  child.stderr?.on('data', (d) => {
    log?.write(d);
    output = (output + String(d)).slice(-20_000);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`read-sink exited with ${child.exitCode}:\n${output}`);
    const ok = await fetch(`http://127.0.0.1:${PORT}/health/ready`).then((r) => r.ok, () => false);
    if (ok) return { child, output: () => output };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`read-sink not ready in 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopSink(sink: Sink): Promise<void> {
  const { child } = sink;
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000).unref())]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** Records the sink has handled (decided or dead-lettered, outcomes acknowledged): the sum of its batch sizes; and its heap gauges. */
async function sinkMetrics(): Promise<{ handled: number; heapTotal: number; heapUsed: number; external: number }> {
  const text = await fetch(`http://127.0.0.1:${PORT}/metrics`).then((r) => r.text(), () => '');
  const gauge = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    handled: gauge('surge_sink_batch_size_sum'),
    heapTotal: gauge('nodejs_heap_size_total_bytes'),
    heapUsed: gauge('nodejs_heap_size_used_bytes'),
    external: gauge('nodejs_external_memory_bytes'),
  };
}

/** Collections and their pause time from a --trace-gc log (one line per collection). */
function gcSummary(file: string): string[] {
  const kinds = new Map<string, { n: number; ms: number }>();
  for (const m of readFileSync(file, 'utf8').matchAll(/ ms: (Scavenge|Minor Mark-Sweep|Mark-Compact(?: \(reduce\))?)\b[^\n]*?, ([\d.]+) \/ [\d.]+ ms/g)) {
    const k = kinds.get(m[1]!) ?? { n: 0, ms: 0 };
    k.n++;
    k.ms += Number(m[2]);
    kinds.set(m[1]!, k);
  }
  if (kinds.size === 0) return [`GC: no --trace-gc lines in ${file}`];
  return [...kinds].map(([kind, { n, ms }]) => `RESULT GC ${kind}: ${n} collections, ${(ms / 1000).toFixed(2)} s of pauses (--trace-gc, start-up included)`);
}

/** Self time per function from a .cpuprofile, the top `n`. */
function profileSummary(dir: string, n = 25): string[] {
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().at(-1);
  if (!file) return ['(no profile written)'];
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [
    `profile ${join(dir, file)} (${(total / 1e6).toFixed(1)} s sampled), self time:`,
    ...[...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`),
  ];
}

async function main(): Promise<void> {
  const name = uniqueName('bench_sink');
  const prefix = `${name}.`;
  const calibration = `${name}_cal`;
  const topics = resolveTopics(prefix);
  const calTopics = resolveTopics(`${calibration}.`);
  const chSettings = clickHouseSettings(name);
  const ch = createClickHouse(chSettings, null);
  const chPid = Number(readFileSync(args['clickhouse-pid-file'], 'utf8').trim());
  const profDir = args['cpu-prof'] ? join(process.cwd(), '.stack', 'bench', name) : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  const baseEnv = {
    KAFKA_BROKERS: testEnv.KAFKA_BROKERS.join(','),
    CLICKHOUSE_URL: testEnv.CLICKHOUSE_URL,
    ...(args['batch-records'] ? { SINK_MAX_BATCH_RECORDS: args['batch-records'] } : {}),
    ...(args['history-cache'] ? { SINK_HISTORY_CACHE_REGISTERS: args['history-cache'] } : {}),
    ...(args['node-options'] ? { NODE_OPTIONS: args['node-options'] } : {}),
    ...Object.fromEntries((args.env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
  };
  let sink: Sink | undefined;
  try {
    log(`run ${name}: ${READINGS} readings over ${REGISTERS} registers, ${HISTORY} history readings each; sink ${args['sink-main'] ?? 'of this build'}, /metrics read every ${POLL_MS} ms; sink env ${JSON.stringify(baseEnv).replace(/"(KAFKA_BROKERS|CLICKHOUSE_URL)":"[^"]*",?/g, '')}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
    await ensureDatabase(chSettings);
    const db = createClickHouse(chSettings);
    await migrateClickHouse(db, READING_CLICKHOUSE_MIGRATIONS);
    const regs = registers(name);
    const history = historyRows(regs);
    const repo = new ClickHouseMeterReadingRepository(db);
    for (let i = 0; i < history.length; i += 50_000) await repo.insert(history.slice(i, i + 50_000));
    await db.close();
    log(`history: ${history.length} accepted readings in ClickHouse`);

    await ensureTopics(testEnv.KAFKA_BROKERS, Object.values(topics));
    const { records, kinds } = surgeRecords(regs, name);
    const publisher = new PlatformaticEventPublisher({
      brokers: testEnv.KAFKA_BROKERS,
      clientId: 'bench-sink-preload',
      deadlineMs: 60_000,
      maxBufferedRecords: 20_000,
      maxBatchRecords: 2_000,
      lingerMs: 5,
      maxInFlightRequests: 2,
      lanes: 2,
    });
    const t0 = Date.now();
    // Chunks in order: one supply point's records keep their order (same key, same lane, same partition).
    for (let i = 0; i < records.length; i += 10_000) {
      await publisher.publish(records.slice(i, i + 10_000).map((r) => ({ topic: topics.meterReadings.name, key: r.key, value: r.value })));
    }
    await publisher.close();
    log(`pre-loaded ${records.length} records in ${((Date.now() - t0) / 1000).toFixed(1)} s; mix ${JSON.stringify(Object.fromEntries(kinds))}`);

    // Calibration: the same sink on an empty topic, so start-up CPU (Nest, migrations, group join) is not charged to readings.
    const cal = await startSink({ ...baseEnv, KAFKA_TOPIC_PREFIX: `${calibration}.`, CLICKHOUSE_DATABASE: name, KAFKA_GROUP_ID: `${calibration}.read-sink` });
    await new Promise((r) => setTimeout(r, 1_000));
    const startupCpu = cpuMs(cal.child.pid!) ?? 0;
    await stopSink(cal);
    log(`calibration: start-up CPU of read-sink ${startupCpu.toFixed(0)} ms`);

    const partsBefore = await partsCreated(ch, name);
    const chCpu0 = cpuMs(chPid);
    const spawnedAt = process.hrtime.bigint();
    sink = await startSink({ ...baseEnv, KAFKA_TOPIC_PREFIX: prefix, CLICKHOUSE_DATABASE: name, KAFKA_GROUP_ID: `${prefix}read-sink` }, profDir, args['sink-log']);
    const pid = sink.child.pid!;
    const readyAt = process.hrtime.bigint();
    let handled = 0;
    const peak = { heapTotal: 0, heapUsed: 0, external: 0 };
    const deadline = Date.now() + MAX_SECONDS * 1000;
    while (handled < records.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const m = await sinkMetrics();
      handled = m.handled;
      peak.heapTotal = Math.max(peak.heapTotal, m.heapTotal);
      peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
      peak.external = Math.max(peak.external, m.external);
      // Gone (killed, out of memory): stop at once rather than wait out --max-seconds.
      if (sink.child.exitCode !== null || sink.child.signalCode !== null || cpuMs(pid) === null) throw new Error(`read-sink exited:\n${sink.output()}`);
    }
    const drainedAt = process.hrtime.bigint();
    const sinkCpu = cpuMs(pid) ?? NaN;
    const chCpu1 = cpuMs(chPid);
    const rss = peakRssMiB(pid);
    const seconds = Number(drainedAt - spawnedAt) / 1e9;
    const parts = (await partsCreated(ch, name)) - partsBefore;
    const active = await activeParts(ch, name);
    const stored = await storedCounts(ch, name);
    if (handled < records.length) log(`WARNING: only ${handled} of ${records.length} records handled within ${MAX_SECONDS} s`);
    const readingCpu = sinkCpu - startupCpu;
    const fromReady = Number(drainedAt - readyAt) / 1e9;
    log(`RESULT drain: ${handled} records in ${seconds.toFixed(1)} s from spawn, ${fromReady.toFixed(1)} s from ready: ${(handled / fromReady).toFixed(0)} readings/s`);
    log(`RESULT read-sink CPU: ${sinkCpu.toFixed(0)} ms total, ${readingCpu.toFixed(0)} ms after start-up: ${(readingCpu / handled).toFixed(3)} ms per reading`);
    log(
      `RESULT ClickHouse CPU during the drain: ${chCpu0 !== null && chCpu1 !== null ? ((chCpu1 - chCpu0) / 1000).toFixed(1) : 'n/a'} s (${chCpu0 !== null && chCpu1 !== null ? ((chCpu1 - chCpu0) / handled).toFixed(3) : 'n/a'} ms per reading; the whole shared server)`,
    );
    const mib = (b: number) => (b / 1024 / 1024).toFixed(0);
    log(`RESULT read-sink peak RSS: ${rss.toFixed(0)} MiB (peaks sampled from /metrics every ${POLL_MS} ms: V8 heap ${mib(peak.heapTotal)} MiB, of it used ${mib(peak.heapUsed)} MiB; buffers outside it ${mib(peak.external)} MiB)`);
    log(`RESULT ClickHouse parts: ${parts} created by the drain's inserts, ${active} active at the end`);
    log(`RESULT stored: ${JSON.stringify(stored)}`);
    await stopSink(sink);
    sink = undefined;
    if (profDir) for (const line of profileSummary(profDir)) log(line);
    if (args['sink-log']) for (const line of gcSummary(args['sink-log'])) log(line);
  } finally {
    if (sink) await stopSink(sink);
    await ch.command({ query: `DROP DATABASE IF EXISTS ${name}` }).catch(() => undefined);
    await ch.close();
    await deleteTopics(testEnv.KAFKA_BROKERS, [...Object.values(topics), ...Object.values(calTopics)].map((t) => t.name)).catch(() => undefined);
  }
}

/** Level-0 parts are what inserts create (merges make higher levels); inactive ones stay listed for minutes, long enough here. */
async function partsCreated(ch: ReturnType<typeof createClickHouse>, db: string): Promise<number> {
  const rs = await ch.query({ query: `SELECT count() AS n FROM system.parts WHERE database = '${db}' AND table = 'meter_readings' AND level = 0`, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
}

async function activeParts(ch: ReturnType<typeof createClickHouse>, db: string): Promise<number> {
  const rs = await ch.query({ query: `SELECT count() AS n FROM system.parts WHERE database = '${db}' AND table = 'meter_readings' AND active`, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
}

/** Readings per final decision (collapsed per reading id, as every query does). */
async function storedCounts(ch: ReturnType<typeof createClickHouse>, db: string): Promise<Record<string, number>> {
  const rs = await ch.query({
    query: `SELECT concat(toString(s), if(d != '', '+duplicate', '')) AS k, count() AS n FROM (
              SELECT reading_id, argMax(status, version) AS s, argMax(duplicate_of, version) AS d FROM ${db}.meter_readings
              WHERE NOT startsWith(reading_id, 'hist-') GROUP BY reading_id) GROUP BY k ORDER BY k`,
    format: 'JSONEachRow',
  });
  return Object.fromEntries((await rs.json<{ k: string; n: string }>()).map((r) => [r.k, Number(r.n)]));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
