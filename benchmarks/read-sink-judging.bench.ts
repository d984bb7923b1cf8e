/*
 * read-sink's own code per reading, without Kafka or ClickHouse: ReadingSinkService.handle over the same
 * 200,000-reading surge mix as bench:sink (20,000 registers, 6 monthly history readings each, batches of 5,000),
 * in this process, against an in-memory store. What it measures is the sink's judging, bookkeeping and encoding
 * (decode, lookups' bookkeeping, the plausibility checks, the history cache, the rows as the ClickHouse client
 * encodes them, the outcome records), which bench:sink cannot separate from the Kafka and ClickHouse clients and
 * from other processes' load on a shared machine. It is a micro-benchmark, not a test: the store is a stand-in
 * (the real one is measured by bench:sink).
 *
 *   npm run build && node --max-old-space-size=1024 --max-semi-space-size=16 dist/benchmarks/read-sink-judging.bench.js
 *   ... --dist /tmp/before/dist          another build's libs (before and after in one harness)
 *   ... --heap-sample /tmp/alloc.json    allocations sampled by function (objects collected since included)
 *
 * Prints CPU ms per reading (process utime + stime over the handling only), the decisions (they must be bench:sink's:
 * 175,103 accepted, 7,181 duplicates, 4,095 held, 8,021 rejected) and, with --heap-sample, the bytes allocated.
 * The old space is raised because the in-memory store keeps every row; the sink's own flags are bench:sink's concern.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector';
import type { ConsumedRecord } from '@surge/kafka/kafka-record';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import type { HistoricReading, MeterReadingRepository, RegisterKey, StoredReading } from '@surge/reading-store/meter-reading.repository';

const { values: args } = parseArgs({
  options: {
    readings: { type: 'string', default: '200000' },
    registers: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '5000' },
    dist: { type: 'string' },
    'heap-sample': { type: 'string' },
  },
});
const N = Number(args.readings);
const REGISTERS = Number(args.registers);
const BATCH = Number(args.batch);
const root = args.dist ?? join(__dirname, '..');
/* eslint-disable @typescript-eslint/no-require-imports */
const { ReadingSinkService } = require(`${root}/libs/reading-sink/src/reading-sink.service`) as typeof import('@surge/reading-sink/reading-sink.service');
const { RegisterHistoryCache } = require(`${root}/libs/reading-sink/src/reading-sink-history.cache`) as typeof import('@surge/reading-sink/reading-sink-history.cache');
const { ClickHouseMeterReadingRepository } = require(`${root}/libs/reading-store/src/clickhouse/clickhouse-meter-reading.repository`) as typeof import('@surge/reading-store/clickhouse/clickhouse-meter-reading.repository');
const { registerKeyOf } = require(`${root}/libs/reading-store/src/meter-reading.repository`) as typeof import('@surge/reading-store/meter-reading.repository');
const { resolveTopics } = require(`${root}/libs/topic-catalog/src/topic.catalog`) as typeof import('@surge/topic-catalog/topic.catalog');
const { mpanCheckDigit } = require(`${root}/libs/meter-domain/src/mpan.validator`) as typeof import('@surge/meter-domain/mpan.validator');
/* eslint-enable @typescript-eslint/no-require-imports */

const DAY = 86_400_000;
const HISTORY_END_MS = Date.UTC(2022, 1, 28, 9);
const SURGE_START_MS = Date.UTC(2022, 2, 1, 8);
const tenthsText = (t: number): string => `${Math.floor(t / 10)}.${t % 10}`;
const mpan = (n: number): string => {
  const first12 = `${10 + (n % 14)}${String(n).padStart(10, '0')}`;
  return `${first12}${mpanCheckDigit(first12)}`;
};

/** The data of bench:sink (benchmarks/read-sink.bench.ts), built the same way so the decisions are the same. */
function surge(): { records: ConsumedRecord[]; history: Map<string, HistoricReading[]> } {
  const regs = Array.from({ length: REGISTERS }, (_, i) => ({
    accountId: `SNK-j-${i}`, supplyPointId: mpan(1_000_000 + i), meterSerial: `K${String(i).padStart(8, '0')}`, tenths: 10_000 + (i % 5_000) * 10, at: 0,
    last: undefined as Record<string, unknown> | undefined,
  }));
  const history = new Map<string, HistoricReading[]>();
  regs.forEach((r, i) => {
    const rows: HistoricReading[] = [];
    const start = HISTORY_END_MS - 5 * 30 * DAY;
    for (let h = 0; h < 6; h++) {
      const at = start + h * 30 * DAY + (i % 3600) * 1000;
      if (h > 0) r.tenths += 30 * 70 + (i % 7) * 10;
      r.at = at;
      rows.push({ readingId: `hist-${i}-${h}`, readAt: new Date(at).toISOString(), value: tenthsText(r.tenths), source: h % 4 === 3 ? 'D' : 'R' });
    }
    history.set(registerKeyOf({ accountId: r.accountId, supplyPointId: r.supplyPointId, registerId: 'S' }), rows);
  });
  const mix: [string, number][] = [['fresh', 86], ['duplicate', 4], ['retry', 2], ['negative', 3], ['held', 2], ['backdated', 2], ['poison', 1]];
  const kindOf = (n: number): string => {
    let x = (Math.imul(n ^ 0x5bd1e995, 0x27d4eb2d) >>> 0) % 100;
    for (const [kind, share] of mix) {
      if (x < share) return kind;
      x -= share;
    }
    return 'fresh';
  };
  const perRegister = Math.ceil(N / REGISTERS);
  const submittedAt = new Date().toISOString();
  const records: ConsumedRecord[] = [];
  for (let n = 0; n < N; n++) {
    const i = n % REGISTERS;
    const r = regs[i]!;
    let kind = kindOf(n);
    if ((kind === 'duplicate' || kind === 'retry') && !r.last) kind = 'fresh';
    let value: Buffer;
    if (kind === 'poison') value = Buffer.from(n % 2 ? '{"schema":"meter-reading.submitted.v1","readingId":' : `{"schema":"nope-${n}"}`);
    else if (kind === 'retry' || kind === 'duplicate') value = Buffer.from(JSON.stringify(kind === 'retry' ? r.last : { ...r.last, readingId: `j-${n}`, correlationId: `c-${n}` }));
    else {
      const at = SURGE_START_MS + Math.floor(((Math.floor(n / REGISTERS) + 1) * 30 * DAY) / (perRegister + 1)) + (i % 3600) * 1000;
      let v: number;
      let readAt = at;
      if (kind === 'negative') v = Math.max(0, r.tenths - 500);
      else if (kind === 'held') v = r.tenths + 50_000;
      else if (kind === 'backdated') {
        readAt = HISTORY_END_MS - 15 * DAY + (i % 3600) * 1000 + 1000;
        v = r.tenths - 900;
      } else v = r.tenths + Math.max(1, Math.round((at - r.at) / DAY)) * (40 + (n % 50));
      const event = {
        schema: 'meter-reading.submitted.v1', readingId: `j-${n}`, accountId: r.accountId, supplyPointId: r.supplyPointId, fuel: 'electricity',
        meterSerial: r.meterSerial, registerId: 'S', readAt: new Date(readAt).toISOString(), value: tenthsText(v), unit: 'kWh',
        source: n % 10 === 0 ? 'R' : 'C', channel: n % 3 === 0 ? 'app' : 'web', submittedAt, correlationId: `c-${n}`, digits: 6,
      };
      if (kind === 'fresh') {
        r.tenths = v;
        r.at = at;
      }
      r.last = event;
      value = Buffer.from(JSON.stringify(event));
    }
    records.push({ topic: 'bench.meter-readings.v1', partition: 0, offset: BigInt(n), key: r.supplyPointId, value, headers: { 'correlation-id': `c-${n}` }, timestamp: 0 });
  }
  return { records, history };
}

/** A round trip's worth of waiting, so a batch's objects live across awaits as they do against the servers. */
const roundTrip = () => new Promise((resolve) => setTimeout(resolve, 2));

/** In memory: the rows by reading id, accepted history per register; the insert encoded as @clickhouse/client encodes JSONEachRow. */
class MemoryStore implements MeterReadingRepository {
  readonly decided = new Map<string, StoredReading>();
  constructor(private readonly history: Map<string, HistoricReading[]>) {}
  private readonly encoder = new ClickHouseMeterReadingRepository({
    insert: async ({ values }: { values: unknown[] }) => {
      values.map((v) => `${JSON.stringify(v)}\n`).join('');
      await roundTrip();
    },
  } as never);
  async insert(rows: readonly StoredReading[]): Promise<void> {
    await this.encoder.insert(rows);
    for (const r of rows) {
      this.decided.set(r.readingId, r);
      if (r.status !== 'accepted' || r.duplicateOf) continue;
      const h = this.history.get(registerKeyOf(r));
      if (!h) continue;
      let i = h.length;
      while (i > 0 && h[i - 1]!.readAt > r.readAt) i--;
      h.splice(i, 0, { readingId: r.readingId, readAt: r.readAt, value: r.value, source: r.source });
    }
  }
  async insertReviews(): Promise<void> {}
  async findDecided(_accounts: readonly string[], ids: readonly string[]): Promise<Map<string, StoredReading>> {
    await roundTrip();
    const found = new Map<string, StoredReading>();
    for (const id of ids) {
      const r = this.decided.get(id);
      if (r) found.set(id, r);
    }
    return found;
  }
  async acceptedHistory(keys: readonly RegisterKey[]): Promise<Map<string, HistoricReading[]>> {
    await roundTrip();
    // Fresh objects, as a query's parsed answer is.
    return new Map(keys.map((k) => [registerKeyOf(k), (this.history.get(registerKeyOf(k)) ?? []).map((h) => ({ ...h }))]));
  }
  async findForAccount(): Promise<null> {
    return null;
  }
  async findById(): Promise<null> {
    return null;
  }
  async listForAccount(): Promise<[]> {
    return [];
  }
}

async function main(): Promise<void> {
  const { records, history } = surge();
  const store = new MemoryStore(history);
  let bytes = 0;
  const publisher: EventPublisher = {
    publish: async (out) => {
      for (const r of out) bytes += r.value.length;
      await roundTrip();
    },
    isHealthy: () => true,
    close: async () => undefined,
  };
  const sink = new ReadingSinkService(store, publisher, resolveTopics('bench.'), undefined, Date.now, new RegisterHistoryCache(50_000));
  const session = args['heap-sample'] ? new Session() : undefined;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session!.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
  if (session) {
    session.connect();
    await post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += BATCH) await sink.handle(records.slice(i, i + BATCH));
  const cpu = process.cpuUsage(cpu0);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  let allocated = '';
  if (session) {
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: { head: { selfSize: number; children: unknown[] } } };
    writeFileSync(args['heap-sample']!, JSON.stringify(profile));
    const sum = (n: { selfSize: number; children: unknown[] }): number => n.selfSize + n.children.reduce<number>((s, c) => s + sum(c as typeof n), 0);
    allocated = `; allocated ${(sum(profile.head) / 1048576).toFixed(0)} MiB (${Math.round(sum(profile.head) / N)} bytes a reading, sampled; profile in ${args['heap-sample']})`;
  }
  const counts: Record<string, number> = {};
  for (const r of store.decided.values()) {
    const k = r.status + (r.duplicateOf ? '+duplicate' : '');
    counts[k] = (counts[k] ?? 0) + 1;
  }
  const ms = (cpu.user + cpu.system) / 1000;
  console.log(`read-sink judging (${root}): ${N} readings in batches of ${BATCH}, ${seconds.toFixed(1)} s`);
  console.log(`RESULT CPU ${ms.toFixed(0)} ms: ${(ms / N).toFixed(4)} ms per reading${allocated}`);
  console.log(`RESULT decisions ${JSON.stringify(counts)}; outcome bytes ${bytes}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
