/*
 * Kafka producer client benchmark: one harness, one workload, several clients.
 *
 * Build and run (Node 24, from the repository root):
 *   npx swc benchmarks -d dist && node_modules/.bin/node dist/benchmarks/kafka-clients.bench.js
 *   node_modules/.bin/node dist/benchmarks/kafka-clients.bench.js --runs 1 --messages 20000 --clients kafkajs
 *
 * Every measurement runs in a fresh child process (forked from this file), so CPU time and
 * peak RSS belong to one client and one mode, and a wedged client can be killed without
 * taking the run down. Each child creates its own 6-partition topic through the client's own
 * admin API and deletes it before it exits; the parent sweeps any topic a killed child left.
 *
 * Guarantees measured: acks = -1 (all in-sync replicas) and, unless --no-idempotent, the
 * client's idempotent producer. Neither client coalesces separate send() calls into one
 * produce request, and both allow a single in-flight produce request per broker while
 * idempotent, which is what the "individual" figures show.
 *
 * Bounded: a fixed message count per mode, a deadline per measurement (--deadline) and a
 * hard kill of the child shortly after it. Loopback brokers only.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

// A script, not an app: the broker list is the only environment input and is read once here.
const BROKERS: string[] = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b.length > 0);

const TOPIC_PREFIX = 'bench-kafka-clients-';
const PARTITIONS = 6;
const WARMUP_MESSAGES = 2_000;

type ClientName = 'noop' | 'kafkajs' | 'platformatic';
type Mode = 'individual' | 'batch' | 'coalesced' | 'latency' | 'latency-coalesced';

const ALL_CLIENTS: ClientName[] = ['noop', 'kafkajs', 'platformatic'];
const ALL_MODES: Mode[] = ['individual', 'batch', 'coalesced', 'latency', 'latency-coalesced'];

interface Settings {
  clients: ClientName[];
  modes: Mode[];
  runs: number;
  messages: number;
  concurrency: number;
  batchSize: number;
  rate: number;
  durationSec: number;
  deadlineSec: number;
  idempotent: boolean;
  json?: string;
}

interface KafkaMessage {
  key: string;
  value: string;
}

interface BenchClient {
  readonly label: string;
  createTopic(topic: string, partitions: number): Promise<void>;
  deleteTopics(topics: string[]): Promise<void>;
  listTopics(): Promise<string[]>;
  startProducer(): Promise<void>;
  send(topic: string, message: KafkaMessage): Promise<void>;
  sendBatch(topic: string, messages: KafkaMessage[]): Promise<void>;
  close(): Promise<void>;
}

interface RunResult {
  client: ClientName;
  clientLabel: string;
  mode: Mode;
  run: number;
  idempotent: boolean;
  attempted: number;
  acked: number;
  errors: number;
  firstError?: string;
  truncated: boolean;
  seconds: number;
  msgsPerSec: number;
  offeredRate?: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  scheduledP99?: number;
  cpuMsPer1k: number;
  warnings: string[];
  peakRssMiB: number;
  avgValueBytes: number;
}

// ---------------------------------------------------------------------------------------------
// Workload: meter reading events shaped like the ingest API's, keyed by supply point.

const SOURCES = ['customer-portal', 'mobile-app', 'smart-meter', 'field-agent'] as const;
const CHANNELS = ['web', 'ios', 'android', 'dcc', 'handheld'] as const;
const SUPPLY_POINTS = 50_000;

function pick<T>(items: readonly T[], n: number): T {
  return items[n % items.length] as T;
}

/** Deterministic per sequence number apart from the uuid, so every client sends the same shapes. */
function meterReading(seq: number): KafkaMessage {
  // Spread keys over a realistic population; multiplicative hashing avoids sequential keys.
  const sp = (seq * 2_654_435_761) % SUPPLY_POINTS;
  const supplyPointId = String(1_200_000_000_000 + sp * 7_919).padStart(13, '0');
  const readAtMs = Date.UTC(2026, 10, 1) + (seq % 86_400) * 60_000;
  const reading = {
    readingId: randomUUID(),
    accountId: `ACC-${String(10_000_000 + (sp % 40_000) * 13).padStart(9, '0')}`,
    supplyPointId,
    meterSerial: `E${String(10 + (sp % 15)).padStart(2, '0')}K${String(sp * 31).padStart(7, '0')}`,
    registerId: sp % 5 === 0 ? 'R2-NIGHT' : 'R1-DAY',
    readAt: new Date(readAtMs).toISOString(),
    value: `${(sp % 99_999).toString().padStart(5, '0')}.${seq % 10}`,
    unit: 'kWh',
    source: pick(SOURCES, seq),
    channel: pick(CHANNELS, sp),
    submittedAt: new Date(readAtMs + 90_000 + (seq % 3_600) * 1_000).toISOString(),
    correlationId: `req-${seq.toString(36).padStart(12, '0')}`,
    schemaVersion: 1,
  };
  return { key: supplyPointId, value: JSON.stringify(reading) };
}

// ---------------------------------------------------------------------------------------------
// Client adapters. Each is loaded lazily so a child process only pays for the client it measures.

function packageVersion(name: string): string {
  // Walk up from the entry point: not every package exports its package.json.
  let dir = dirname(require.resolve(name));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    try {
      const pkg = require(join(dir, 'package.json')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? '?';
    } catch {
      // no package.json at this level
    }
  }
  return '?';
}

function noopClient(): BenchClient {
  // Resolves on the next turn of the event loop: measures the harness's own cost.
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  return {
    label: 'noop (harness only)',
    createTopic: async () => undefined,
    deleteTopics: async () => undefined,
    listTopics: async () => [],
    startProducer: async () => undefined,
    send: tick,
    sendBatch: tick,
    close: async () => undefined,
  };
}

function kafkajsClient(idempotent: boolean): BenchClient {
  const kafkajs: typeof import('kafkajs') = require('kafkajs');
  const kafka = new kafkajs.Kafka({
    clientId: 'surge-bench-kafkajs',
    brokers: BROKERS,
    logLevel: kafkajs.logLevel.ERROR,
  });
  const producer = kafka.producer({
    idempotent,
    // kafkajs merges the cluster's default retry (5) into the producer's, then warns that limited
    // retries weaken idempotence; the idempotent producer is meant to retry without limit.
    retry: idempotent ? { retries: Number.MAX_SAFE_INTEGER } : undefined,
    // The Java-compatible murmur2 partitioner: keys land on the same partitions as in other clients.
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  const admin = kafka.admin();
  let adminConnected = false;
  const withAdmin = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (!adminConnected) {
      await admin.connect();
      adminConnected = true;
    }
    return fn();
  };
  return {
    label: `kafkajs ${packageVersion('kafkajs')}`,
    createTopic: (topic, partitions) =>
      withAdmin(async () => {
        await admin.createTopics({
          topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
          waitForLeaders: true,
        });
      }),
    deleteTopics: (topics) => withAdmin(() => admin.deleteTopics({ topics })),
    listTopics: () => withAdmin(() => admin.listTopics()),
    startProducer: () => producer.connect(),
    send: async (topic, message) => {
      await producer.send({ topic, acks: -1, messages: [message] });
    },
    sendBatch: async (topic, messages) => {
      await producer.send({ topic, acks: -1, messages });
    },
    close: async () => {
      await producer.disconnect();
      if (adminConnected) await admin.disconnect();
    },
  };
}

function platformaticClient(idempotent: boolean): BenchClient {
  // ESM-only package; Node 24 loads it through require(esm).
  const plt: typeof import('@platformatic/kafka') = require('@platformatic/kafka');
  const producer = new plt.Producer({
    clientId: 'surge-bench-platformatic',
    bootstrapBrokers: BROKERS,
    serializers: plt.stringSerializers,
    idempotent,
    acks: plt.ProduceAcks.ALL,
    // Its default partitioner masks murmur2 differently from the Java client and kafkajs; this one
    // matches them, so keys land on the same partitions for every client measured.
    partitioner: plt.compatibilityPartitioner,
    autocreateTopics: false,
  });
  const admin = new plt.Admin({ clientId: 'surge-bench-platformatic-admin', bootstrapBrokers: BROKERS });
  return {
    label: `@platformatic/kafka ${packageVersion('@platformatic/kafka')}`,
    createTopic: async (topic, partitions) => {
      await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
      // CreateTopics returns before every partition has a leader; wait so warm-up does not retry.
      const until = Date.now() + 15_000;
      for (;;) {
        const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
        const parts = metadata.topics.get(topic)?.partitions ?? [];
        if (parts.length === partitions && parts.every((p) => p.leader >= 0)) return;
        if (Date.now() > until) throw new Error(`topic ${topic} has no leaders after 15 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    deleteTopics: (topics) => admin.deleteTopics({ topics }),
    listTopics: () => admin.listTopics(),
    startProducer: async () => undefined, // connects on first send (the warm-up)
    send: async (topic, message) => {
      await producer.send({ messages: [{ topic, key: message.key, value: message.value }] });
    },
    sendBatch: async (topic, messages) => {
      await producer.send({ messages: messages.map((m) => ({ topic, key: m.key, value: m.value })) });
    },
    close: async () => {
      await producer.close();
      await admin.close();
    },
  };
}

function createClient(name: ClientName, idempotent: boolean): BenchClient {
  switch (name) {
    case 'noop':
      return noopClient();
    case 'kafkajs':
      return kafkajsClient(idempotent);
    case 'platformatic':
      return platformaticClient(idempotent);
  }
}

/**
 * Individual awaited sends coalesced into one produce request while the previous one is in
 * flight: what a service in front of a client without a linger setting would do. Each caller
 * still awaits its own acknowledgement; order within a key is kept because batches go out one
 * at a time and keep arrival order.
 */
class Coalescer {
  private queue: { message: KafkaMessage; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private inFlight = false;

  constructor(
    private readonly client: BenchClient,
    private readonly topic: string,
    private readonly maxBatch: number,
  ) {}

  send(message: KafkaMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.inFlight = true;
    this.client
      .sendBatch(
        this.topic,
        batch.map((b) => b.message),
      )
      .then(
        () => batch.forEach((b) => b.resolve()),
        (error: unknown) => batch.forEach((b) => b.reject(error)),
      )
      .finally(() => {
        this.inFlight = false;
        this.pump();
      });
  }
}

// ---------------------------------------------------------------------------------------------
// Measurements (run inside a child process).

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx] as number;
}

function sortedOf(values: Float64Array, count: number): Float64Array {
  return values.slice(0, count).sort();
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`.slice(0, 300);
  return String(e).slice(0, 300);
}

interface PhaseOutcome {
  attempted: number;
  acked: number;
  errors: number;
  firstError?: string;
  truncated: boolean;
  elapsedMs: number;
  latencies: Float64Array; // acked entries only, compacted
  scheduled?: Float64Array;
  offeredRate?: number;
}

async function closedLoop(
  count: number,
  concurrency: number,
  deadline: number,
  sendOne: (i: number) => Promise<void>,
): Promise<PhaseOutcome> {
  const latencies = new Float64Array(count);
  let next = 0;
  let acked = 0;
  let errors = 0;
  let firstError: string | undefined;
  let truncated = false;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      if (performance.now() > deadline) {
        truncated = next < count;
        return;
      }
      const i = next++;
      if (i >= count) return;
      const t0 = performance.now();
      try {
        await sendOne(i);
        latencies[acked++] = performance.now() - t0;
      } catch (e) {
        errors++;
        firstError ??= describeError(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return {
    attempted: Math.min(next, count),
    acked,
    errors,
    firstError,
    truncated,
    elapsedMs: performance.now() - started,
    latencies: latencies.slice(0, acked),
  };
}

async function batchLoop(
  client: BenchClient,
  topic: string,
  count: number,
  batchSize: number,
  inFlight: number,
  deadline: number,
  seqBase: number,
): Promise<PhaseOutcome> {
  const batches = Math.ceil(count / batchSize);
  const latencies = new Float64Array(batches);
  let next = 0;
  let done = 0;
  let acked = 0;
  let attempted = 0;
  let errors = 0;
  let firstError: string | undefined;
  let truncated = false;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      if (performance.now() > deadline) {
        truncated = next < batches;
        return;
      }
      const b = next++;
      if (b >= batches) return;
      const from = b * batchSize;
      const size = Math.min(batchSize, count - from);
      const messages = Array.from({ length: size }, (_, k) => meterReading(seqBase + from + k));
      attempted += size;
      const t0 = performance.now();
      try {
        await client.sendBatch(topic, messages);
        latencies[done++] = performance.now() - t0;
        acked += size;
      } catch (e) {
        errors += size;
        firstError ??= describeError(e);
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return {
    attempted,
    acked,
    errors,
    firstError,
    truncated,
    elapsedMs: performance.now() - started,
    latencies: latencies.slice(0, done),
  };
}

/** Open loop: messages are issued on a fixed schedule whether or not earlier ones were acked. */
async function fixedRate(
  rate: number,
  durationSec: number,
  deadline: number,
  sendOne: (i: number) => Promise<void>,
): Promise<PhaseOutcome> {
  const total = Math.round(rate * durationSec);
  const interval = 1_000 / rate;
  const service = new Float64Array(total);
  const scheduled = new Float64Array(total);
  let issued = 0;
  let lastIssue = 0;
  let settled = 0;
  let acked = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  await new Promise<void>((finish) => {
    const check = (): void => {
      if (settled === total) finish();
    };
    const tick = (): void => {
      const now = performance.now();
      if (now > deadline) return finish();
      const due = Math.min(total, Math.floor((now - started) / interval) + 1);
      while (issued < due) {
        const i = issued++;
        const intended = started + i * interval;
        const t0 = performance.now();
        sendOne(i).then(
          () => {
            const t = performance.now();
            service[acked] = t - t0;
            scheduled[acked] = t - intended; // includes any lag of this harness's timer
            acked++;
            settled++;
            check();
          },
          (e: unknown) => {
            errors++;
            settled++;
            firstError ??= describeError(e);
            check();
          },
        );
      }
      lastIssue = performance.now();
      if (issued < total) setTimeout(tick, 1);
    };
    tick();
  });
  const elapsedMs = performance.now() - started;
  return {
    attempted: issued,
    acked,
    errors,
    firstError,
    truncated: settled < total,
    elapsedMs,
    latencies: service.slice(0, acked),
    scheduled: scheduled.slice(0, acked),
    offeredRate: (issued / Math.max(1, lastIssue - started)) * 1_000,
  };
}

async function runChild(client: ClientName, mode: Mode, run: number, s: Settings): Promise<RunResult> {
  // Collect process warnings (e.g. a client's negative timers) into the report instead of stderr.
  const warnings = new Map<string, number>();
  process.removeAllListeners('warning');
  process.on('warning', (w) => warnings.set(w.name, (warnings.get(w.name) ?? 0) + 1));
  const bench = createClient(client, s.idempotent);
  const topic = `${TOPIC_PREFIX}${client}-${mode}-r${run}-${process.pid}-${Date.now()}`;
  let topicCreated = false;
  try {
    await bench.createTopic(topic, PARTITIONS);
    topicCreated = true;
    await bench.startProducer();

    // Warm-up (not measured): connections, metadata, producer id, JIT.
    const warm = await closedLoop(WARMUP_MESSAGES, 64, performance.now() + 60_000, (i) =>
      bench.send(topic, meterReading(i)),
    );
    if (warm.acked === 0) throw new Error(`warm-up failed: ${warm.firstError ?? 'no acks'}`);

    let sizeSum = 0;
    for (let i = 0; i < 1_000; i++) sizeSum += Buffer.byteLength(meterReading(i).value);
    const seqBase = WARMUP_MESSAGES;

    const cpu0 = process.cpuUsage();
    const deadline = performance.now() + s.deadlineSec * 1_000;
    let outcome: PhaseOutcome;
    switch (mode) {
      case 'individual':
        outcome = await closedLoop(s.messages, s.concurrency, deadline, (i) =>
          bench.send(topic, meterReading(seqBase + i)),
        );
        break;
      case 'batch':
        outcome = await batchLoop(bench, topic, s.messages, s.batchSize, 4, deadline, seqBase);
        break;
      case 'coalesced': {
        const coalescer = new Coalescer(bench, topic, s.batchSize);
        outcome = await closedLoop(s.messages, s.concurrency, deadline, (i) =>
          coalescer.send(meterReading(seqBase + i)),
        );
        break;
      }
      case 'latency':
        outcome = await fixedRate(s.rate, s.durationSec, deadline, (i) => bench.send(topic, meterReading(seqBase + i)));
        break;
      case 'latency-coalesced': {
        const coalescer = new Coalescer(bench, topic, s.batchSize);
        outcome = await fixedRate(s.rate, s.durationSec, deadline, (i) => coalescer.send(meterReading(seqBase + i)));
        break;
      }
    }
    const cpu = process.cpuUsage(cpu0);

    const sorted = sortedOf(outcome.latencies, outcome.latencies.length);
    const scheduledSorted = outcome.scheduled ? sortedOf(outcome.scheduled, outcome.scheduled.length) : undefined;
    return {
      client,
      clientLabel: bench.label,
      mode,
      run,
      idempotent: s.idempotent,
      attempted: outcome.attempted,
      acked: outcome.acked,
      errors: outcome.errors,
      firstError: outcome.firstError,
      truncated: outcome.truncated,
      seconds: outcome.elapsedMs / 1_000,
      msgsPerSec: (outcome.acked / outcome.elapsedMs) * 1_000,
      offeredRate: outcome.offeredRate,
      p50: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      max: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
      scheduledP99: scheduledSorted ? percentile(scheduledSorted, 0.99) : undefined,
      cpuMsPer1k: outcome.attempted > 0 ? ((cpu.user + cpu.system) / 1_000 / outcome.attempted) * 1_000 : Number.NaN,
      peakRssMiB: process.resourceUsage().maxRSS / 1_024,
      warnings: [...warnings].map(([name, n]) => `${name} x${n}`),
      avgValueBytes: sizeSum / 1_000,
    };
  } finally {
    if (topicCreated) await bench.deleteTopics([topic]).catch(() => undefined);
    await bench.close().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Parent: plan, fork, aggregate, print.

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      clients: { type: 'string', default: ALL_CLIENTS.join(',') },
      modes: { type: 'string', default: ALL_MODES.join(',') },
      runs: { type: 'string', default: '3' },
      messages: { type: 'string', default: '100000' },
      concurrency: { type: 'string', default: '256' },
      'batch-size': { type: 'string', default: '500' },
      rate: { type: 'string', default: '2000' },
      duration: { type: 'string', default: '10' },
      deadline: { type: 'string', default: '300' },
      'no-idempotent': { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      [
        'Usage: node dist/benchmarks/kafka-clients.bench.js [options]',
        `  --clients     ${ALL_CLIENTS.join(',')} (default: all)`,
        `  --modes       ${ALL_MODES.join(',')} (default: all)`,
        '  --runs N      repetitions of every client x mode, interleaved (default 3; the median is shown)',
        '  --messages N  messages per throughput run (default 100000)',
        '  --concurrency N  individual sends in flight (default 256)',
        '  --batch-size N   messages per batch / max coalesced batch (default 500)',
        '  --rate R --duration S  offered rate and length of the latency runs (default 2000 msg/s, 10 s)',
        '  --deadline S  cap on one measurement (default 300 s); partial runs are flagged',
        '  --no-idempotent  plain acks=-1 producer instead of the idempotent one',
        '  --json FILE   also write every run as JSON',
        'Broker list: KAFKA_BROKERS (default 127.0.0.1:9092), loopback addresses only.',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const int = (name: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in [${min}, ${max}]`);
    return n;
  };
  const list = <T extends string>(name: string, v: string | undefined, allowed: readonly T[]): T[] => {
    const items = (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);
    for (const item of items) {
      if (!allowed.includes(item as T)) throw new Error(`--${name}: unknown "${item}" (known: ${allowed.join(', ')})`);
    }
    return items as T[];
  };
  return {
    clients: list('clients', values.clients, ALL_CLIENTS),
    modes: list('modes', values.modes, ALL_MODES),
    runs: int('runs', values.runs, 1, 20),
    messages: int('messages', values.messages, 1_000, 1_000_000),
    concurrency: int('concurrency', values.concurrency, 1, 10_000),
    batchSize: int('batch-size', values['batch-size'], 1, 10_000),
    rate: int('rate', values.rate, 1, 100_000),
    durationSec: int('duration', values.duration, 1, 120),
    deadlineSec: int('deadline', values.deadline, 5, 600),
    idempotent: !values['no-idempotent'],
    json: values.json,
  };
}

function assertLoopback(brokers: string[]): void {
  for (const broker of brokers) {
    const host = broker.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const loopback = host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
    if (!loopback) throw new Error(`KAFKA_BROKERS must name loopback brokers only, got ${broker}`);
  }
}

function brokerReachable(broker: string): Promise<boolean> {
  const m = /^(.*):(\d+)$/.exec(broker);
  const host = (m?.[1] ?? broker).replace(/^\[|\]$/g, '');
  const port = Number(m?.[2] ?? 9092);
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function forkRun(client: ClientName, mode: Mode, run: number, s: Settings): Promise<RunResult | { error: string }> {
  return new Promise((resolve) => {
    const child = fork(__filename, ['--child', JSON.stringify({ client, mode, run, settings: s })], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: RunResult | { error: string } | undefined;
    // The child has its own deadline; this is the backstop for a client that never returns.
    const killer = setTimeout(() => child.kill('SIGKILL'), (s.deadlineSec + 90) * 1_000);
    child.on('message', (m: RunResult | { error: string }) => {
      result = m;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve(result ?? { error: `child exited with ${signal ?? code} before reporting` });
    });
  });
}

function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

function fmt(n: number | undefined, digits = 1): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    '| ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i < 2 ? ':' : '-') + '-'.repeat(w) + (i < 2 ? '-' : ':')).join('|') + '|';
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

async function parent(s: Settings): Promise<void> {
  assertLoopback(BROKERS);
  // The children report their warnings; the parent's clean-up client would only repeat them.
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name !== 'TimeoutNegativeWarning') process.stderr.write(`${w.name}: ${w.message}\n`);
  });
  const needsBroker = s.clients.some((c) => c !== 'noop');
  if (needsBroker && !(await brokerReachable(BROKERS[0] ?? ''))) {
    throw new Error(`no broker at ${BROKERS[0]}: start it with "npm run stack -- up" or set KAFKA_BROKERS`);
  }
  const started = Date.now();
  process.stdout.write(
    `Kafka producer benchmark: brokers ${BROKERS.join(',')}, acks=-1, idempotent=${s.idempotent}, ` +
      `${PARTITIONS} partitions, RF 1, node ${process.version}, ${require('node:os').cpus().length} cpus\n` +
      `throughput: ${s.messages} msgs (individual: ${s.concurrency} in flight; batch: ${s.batchSize}/batch, 4 in flight; ` +
      `coalesced: ${s.concurrency} awaited sends coalesced up to ${s.batchSize}); ` +
      `latency: ${s.rate} msg/s for ${s.durationSec} s; ${s.runs} run(s) each, interleaved, median shown\n\n`,
  );

  const results: RunResult[] = [];
  const failures: string[] = [];
  for (let run = 1; run <= s.runs; run++) {
    for (const mode of s.modes) {
      for (const client of s.clients) {
        const r = await forkRun(client, mode, run, s);
        if ('error' in r) {
          failures.push(`${client} ${mode} run ${run}: ${r.error}`);
          process.stdout.write(`  run ${run} ${mode.padEnd(17)} ${client.padEnd(12)} FAILED: ${r.error}\n`);
          continue;
        }
        results.push(r);
        const extra = r.errors ? ` errors=${r.errors} (${r.firstError})` : '';
        process.stdout.write(
          `  run ${run} ${mode.padEnd(17)} ${client.padEnd(12)} ${fmt(r.msgsPerSec, 0).padStart(9)} msg/s  ` +
            `p50 ${fmt(r.p50, 2)} p99 ${fmt(r.p99, 2)} ms  cpu ${fmt(r.cpuMsPer1k)} ms/1k  rss ${fmt(r.peakRssMiB, 0)} MiB` +
            `${r.truncated ? '  TRUNCATED' : ''}${extra}\n`,
        );
      }
    }
  }

  // Topics of children that were killed before their own clean-up.
  const sweeper = s.clients.find((c) => c !== 'noop');
  if (sweeper) {
    const admin = createClient(sweeper, false);
    try {
      const leftovers = (await admin.listTopics()).filter((t) => t.startsWith(TOPIC_PREFIX));
      if (leftovers.length) await admin.deleteTopics(leftovers);
      if (leftovers.length) process.stdout.write(`\nswept ${leftovers.length} leftover topic(s)\n`);
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  const rows: string[][] = [];
  for (const mode of s.modes) {
    for (const client of s.clients) {
      const rs = results.filter((r) => r.client === client && r.mode === mode);
      if (rs.length === 0) continue;
      const tput = rs.map((r) => r.msgsPerSec);
      const latencyMode = mode.startsWith('latency');
      rows.push([
        mode,
        rs[0]?.clientLabel ?? client,
        `${rs.length}`,
        latencyMode ? fmt(median(rs.map((r) => r.offeredRate ?? Number.NaN)), 0) : '-',
        fmt(median(tput), 0),
        `${fmt(Math.min(...tput), 0)}–${fmt(Math.max(...tput), 0)}`,
        fmt(median(rs.map((r) => r.p50)), 2),
        fmt(median(rs.map((r) => r.p95)), 2),
        fmt(median(rs.map((r) => r.p99)), 2),
        latencyMode ? fmt(median(rs.map((r) => r.scheduledP99 ?? Number.NaN)), 2) : '-',
        fmt(median(rs.map((r) => r.cpuMsPer1k)), 1),
        fmt(median(rs.map((r) => r.peakRssMiB)), 0),
        `${rs.reduce((a, r) => a + r.errors, 0)}${rs.some((r) => r.truncated) ? ' (truncated)' : ''}`,
      ]);
    }
  }
  const avgBytes = results[0]?.avgValueBytes;
  process.stdout.write(
    `\nResults, median of runs. offered = issue rate of the open-loop latency runs; acked msg/s = acks over the\n` +
      `whole run including any backlog drain, with its min–max over the runs; p50/p95/p99 = send() call to ack, ms;\n` +
      `sched p99 = from the scheduled send time (counts queueing behind a slow client, and harness timer lag);\n` +
      `cpu = CPU time of the client process per 1,000 messages (the broker's is not counted); peak RSS of that process.\n` +
      `Value ${fmt(avgBytes, 0)} bytes of JSON, key 13 bytes.\n\n`,
  );
  process.stdout.write(
    table(
      ['mode', 'client', 'runs', 'offered', 'acked msg/s', 'range', 'p50', 'p95', 'p99', 'sched p99', 'cpu ms/1k', 'peak RSS MiB', 'errors'],
      rows,
    ) + '\n',
  );
  const warned = new Map<string, Set<string>>();
  for (const r of results) for (const w of r.warnings) (warned.get(r.clientLabel) ?? warned.set(r.clientLabel, new Set()).get(r.clientLabel))?.add(w.replace(/ x\d+$/, ''));
  for (const [label, names] of warned) process.stdout.write(`\nprocess warnings from ${label}: ${[...names].join(', ')}\n`);
  if (failures.length) process.stdout.write(`\nFailed runs:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
  process.stdout.write(`\ntotal ${((Date.now() - started) / 1_000).toFixed(0)} s\n`);
  if (s.json) writeFileSync(s.json, JSON.stringify({ settings: s, brokers: BROKERS, node: process.version, results }, null, 2));
  if (failures.length) process.exitCode = 1;
}

async function child(spec: string): Promise<void> {
  const { client, mode, run, settings } = JSON.parse(spec) as {
    client: ClientName;
    mode: Mode;
    run: number;
    settings: Settings;
  };
  let message: RunResult | { error: string };
  try {
    message = await runChild(client, mode, run, settings);
  } catch (e) {
    message = { error: describeError(e) };
  }
  // Some clients keep sockets or timers alive after close; exit once the result is delivered.
  process.send?.(message, () => process.exit(0));
}

const childIndex = process.argv.indexOf('--child');
if (childIndex >= 0) {
  void child(process.argv[childIndex + 1] ?? '{}');
} else {
  parent(parseSettings(process.argv.slice(2))).catch((e: unknown) => {
    process.stderr.write(`${describeError(e)}\n`);
    process.exit(1);
  });
}
