/*
 * Bill-run benchmark: N accounts with readings around the 1 April 2022 price
 * change, one bill run over all of them, and the ceilings it is measured
 * against.
 *
 *   npm run build && npm run bench:billing -- --accounts 100000
 *   npm run bench:billing                          (1,000,000 accounts)
 *   options: --accounts N  --workers W (processes, default 2)  --concurrency C (chunks per worker, default 2)
 *            --chunk-size S (default 1000, as BILLING_CHUNK_SIZE)  --deadline SECONDS (bill run, default 900)  --fresh (regenerate)
 *            --keep (keep the run's database)  --json FILE (write the figures)  --generate-only (population only)
 *            --no-ceiling (skip settlement and ceilings)  --companion FILE (the surge companion's JSON,
 *            scripts/surge-companions/billing.sh)  --pids-file FILE (name TAB pid of the run's processes)
 *            --cpu-end-file FILE (name TAB CPU ticks of those processes as the run ends)
 *            --no-calibration (do not sample the host's speed beside the run)
 *            --ceiling-rounds R (the write ceiling's sample copied R times, the median kept; default 3)
 *
 * What it does, against the local stack (PostgreSQL, Redis, ClickHouse; no Kafka):
 *   1. generate (once per N, reused unless --fresh): the demo population in a PostgreSQL database
 *      bench_billing_pop_<N> (tariffs, accounts, supply points, meters, registers, agreements) and its
 *      readings in a ClickHouse database bench_billing_<N> (table meter_readings, the read path's schema);
 *   2. copy the population to a fresh database (CREATE DATABASE ... TEMPLATE, seconds), start W worker
 *      processes (this file forked with --worker, each a BullMQ worker with concurrency C), start the
 *      bill run and poll it to completion, sampling every process's RSS and CPU;
 *   3. the settlement report over the run's bills (as GET /v1/settlement computes it), twice;
 *   4. the ceilings, in the same run: the ClickHouse read ceiling (the same readings, one query, TSV,
 *      streamed) and the PostgreSQL write ceiling (the run's bill and line rows COPY'd into tables LIKE
 *      bills / bill_lines INCLUDING ALL with the bills table's statement trigger, one chunk a batch, as many
 *      connections as the run; the bare COPY without the trigger printed beside it), each the median
 *      of --ceiling-rounds measurements; the run's time is printed as a ratio of their sum;
 *   5. prints accounts billed per second, total time, peak RSS of each process, where the time went, and the
 *      host's speed sampled through the bill run (scripts/host-calibration.ts, about 1% of a core): on this VM
 *      the same run takes up to 1.6x longer on a slow minute, so runs are compared per calibration ms.
 * Bounded: the bill run stops at --deadline (workers are told to stop, then killed), and the whole
 * benchmark exits by itself after deadline + 30 minutes at most.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { getPriority } from 'node:os';
import { z } from 'zod';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool } from 'pg';
import { createClickHouse, ensureDatabase } from '@surge/clickhouse/clickhouse.factory';
import { READING_CLICKHOUSE_MIGRATIONS } from '@surge/reading-store/clickhouse/reading-clickhouse.migrations';
import { BILLING_CLICKHOUSE_MIGRATIONS, BILLING_CLICKHOUSE_TRACKING_TABLE } from '@surge/billing/billing-clickhouse.migrations';
import { migrateClickHouse } from '@surge/clickhouse/clickhouse.migrator';
import { infraFields } from '@surge/config/config.fields';
import { loadConfig } from '@surge/config/config.loader';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase, migratePostgres } from '@surge/postgres/postgres.migrator';
import { BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE } from '@surge/billing/billing-postgres.migrations';
import { createBilling } from '@surge/billing/billing.factory';
import { seedPopulation, seedReadings, seedReferenceData } from '@surge-test/support/billing.seeder';
import type { ChunkPhase } from '@surge/billing/bill-run/bill-run.processor';
import { renderProgressBar } from '@surge/billing/bill-run/bill-run.progress';
import { DEMO_PERIOD } from '@surge-test/fixtures/demo-population.generator';
import { readingWindow } from '@surge/billing/bill-run/bill-run.processor';
import { ClickHouseBillingReadings } from '@surge/billing/accounts-tariffs/billing-reading.repository';
import { copyFromBuffers, copyToBuffers } from '@surge/postgres/postgres-copy.writer';
import { cpuTicks, machineBusyTicks } from '@surge-test/support/process-stats';
import { type HostCalibration, startHostCalibration } from '@surge-test/support/host-calibration.sampler';
import { ceilingTriggerFunction } from '@surge-test/support/write-ceiling-trigger.builder';
import { median } from '../scripts/host-calibration';

// A benchmark, not an app: the stores' addresses are its only environment input, read once here.
const env = loadConfig(z.object(infraFields), process.env);

interface WorkerSetup {
  readonly databaseUrl: string;
  readonly chDatabase: string;
  readonly prefix: string;
  readonly concurrency: number;
  readonly chunkSize: number;
}

interface WorkerReport {
  readonly type: 'report';
  readonly phases: Record<ChunkPhase, { ms: number; accounts: number; chunks: number }>;
  readonly maxRssMb: number;
  readonly cpuSeconds: number;
}

const chSettings = (database: string) => ({ url: env.CLICKHOUSE_URL, database, username: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD });
const dbUrl = (database: string): string => {
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
};
const mb = (kb: number): number => Math.round(kb / 1024);
const secs = (ms: number): string => (ms / 1000).toFixed(1);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-GB');

// ------------------------------------------------------------------ worker process
async function workerMain(): Promise<void> {
  const setup = await new Promise<WorkerSetup>((resolve) => process.once('message', (m) => resolve(m as WorkerSetup)));
  const pool = createPostgresPool(setup.databaseUrl, { max: setup.concurrency * 3, applicationName: 'bench-billing-worker' });
  pool.on('error', () => undefined);
  const ch = createClickHouse(chSettings(setup.chDatabase));
  const phases: WorkerReport['phases'] = { load: { ms: 0, accounts: 0, chunks: 0 }, readings: { ms: 0, accounts: 0, chunks: 0 }, compute: { ms: 0, accounts: 0, chunks: 0 }, write: { ms: 0, accounts: 0, chunks: 0 } };
  const billing = createBilling(
    pool,
    ch,
    {
      redis: { url: env.REDIS_URL, maxRetriesPerRequest: null },
      queuePrefix: setup.prefix,
      chunkSize: setup.chunkSize,
      jobAttempts: 5,
      jobBackoffMs: 1000,
      workerConcurrency: setup.concurrency,
      lockDurationMs: 120_000,
      historyDays: 400,
    },
    {
      onPhase: (phase, ms, accounts) => {
        phases[phase].ms += ms;
        phases[phase].accounts += accounts;
        phases[phase].chunks += 1;
      },
    },
  );
  const cpu0 = process.cpuUsage();
  billing.worker.start();
  process.send?.({ type: 'ready' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  await billing.worker.close();
  await billing.queue.close();
  const cpu = process.cpuUsage(cpu0);
  const report: WorkerReport = { type: 'report', phases, maxRssMb: mb(process.resourceUsage().maxRSS), cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  process.send?.(report, () => undefined);
  await pool.end().catch(() => undefined);
  await ch.close().catch(() => undefined);
  setTimeout(() => process.exit(0), 200);
}

// ------------------------------------------------------------------ server processes (RSS, CPU) from /proc
interface ServerSample {
  rssMb: number;
  cpuTicks: number;
}

/** `titleIncludes`: only processes whose command line holds it (PostgreSQL backends name their database there). */
function serverSample(comm: string, titleIncludes?: string): ServerSample {
  let rssKb = 0;
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== comm) continue;
      if (titleIncludes !== undefined && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(titleIncludes)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime + stime
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      /* the process went away */
    }
  }
  return { rssMb: mb(rssKb), cpuTicks: ticks };
}

const SERVERS = { clickhouse: 'clickhouse-serv', postgres: 'postgres', redis: 'redis-server' } as const;
type ServerName = keyof typeof SERVERS;

class ServerWatch {
  readonly peakMb: Record<ServerName, number> = { clickhouse: 0, postgres: 0, redis: 0 };
  private readonly start: Record<ServerName, number>;
  private readonly runBackendsStart: number;
  /** `runDatabase`: the run's PostgreSQL backends are also counted apart (the server is shared with other work). */
  constructor(private readonly runDatabase: string) {
    this.start = this.ticks();
    this.runBackendsStart = serverSample(SERVERS.postgres, ` ${runDatabase} `).cpuTicks;
    this.sample();
  }
  /** CPU seconds of the PostgreSQL backends serving the run's database (not the server's shared background processes). */
  runBackendCpuSeconds(): number {
    return Math.max(0, (serverSample(SERVERS.postgres, ` ${this.runDatabase} `).cpuTicks - this.runBackendsStart) / 100);
  }
  sample(): void {
    for (const name of Object.keys(SERVERS) as ServerName[]) this.peakMb[name] = Math.max(this.peakMb[name], serverSample(SERVERS[name]).rssMb);
  }
  /** CPU seconds used since construction (PostgreSQL: processes alive now, so sample before pools close). */
  cpuSeconds(): Record<ServerName, number> {
    const now = this.ticks();
    const out = {} as Record<ServerName, number>;
    for (const name of Object.keys(SERVERS) as ServerName[]) out[name] = Math.max(0, (now[name] - this.start[name]) / 100);
    return out;
  }
  private ticks(): Record<ServerName, number> {
    const out = {} as Record<ServerName, number>;
    for (const name of Object.keys(SERVERS) as ServerName[]) out[name] = serverSample(SERVERS[name]).cpuTicks;
    return out;
  }
}

// ------------------------------------------------------------------ phases of the driver
async function count(pool: Pool, sql: string): Promise<number> {
  return Number((await pool.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
}

async function generate(n: number, fresh: boolean, admin: Pool, chName: string, popName: string): Promise<{ pgMs: number; chMs: number; readings: number; reused: boolean }> {
  if (fresh) {
    await admin.query(`DROP DATABASE IF EXISTS ${popName} WITH (FORCE)`);
    const ch = createClickHouse(chSettings(chName), null);
    await ch.command({ query: `DROP DATABASE IF EXISTS ${chName}` });
    await ch.close();
  }
  await ensurePostgresDatabase(admin, popName);
  await ensureDatabase(chSettings(chName));
  const pool = createPostgresPool(dbUrl(popName), { max: 2, applicationName: 'bench-billing-generate' });
  const ch = createClickHouse(chSettings(chName));
  try {
    await seedReferenceData(pool);
    await migrateClickHouse(ch, READING_CLICKHOUSE_MIGRATIONS);
    await migrateClickHouse(ch, BILLING_CLICKHOUSE_MIGRATIONS, BILLING_CLICKHOUSE_TRACKING_TABLE);
    const have = await count(pool, 'SELECT count(*) AS n FROM accounts');
    const readingsHave = Number((await (await ch.query({ query: 'SELECT count() AS n FROM meter_readings', format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n ?? 0);
    if (have === n && readingsHave > 0) return { pgMs: 0, chMs: 0, readings: readingsHave, reused: true };
    if (have !== 0 || readingsHave !== 0) throw new Error(`${popName} / ${chName} hold another population (${have} accounts); run with --fresh`);
    console.log(`generating ${fmt(n)} accounts (PostgreSQL ${popName}) and their readings (ClickHouse ${chName}) ...`);
    let lastLog = 0;
    const progress = (what: string) => (done: number) => {
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        console.log(`  ${what}: ${fmt(done)}/${fmt(n)}`);
      }
    };
    const t = performance.now();
    const [pgMs, [chMs, readings]] = await Promise.all([
      seedPopulation(pool, { count: n, batchSize: 5000, onProgress: progress('accounts') }).then(() => performance.now() - t),
      seedReadings(ch, { count: n, batchSize: 20_000, onProgress: progress('readings of accounts') }).then((rows) => [performance.now() - t, rows] as const),
    ]);
    await pool.query('VACUUM ANALYZE');
    return { pgMs, chMs, readings, reused: false };
  } finally {
    await pool.end();
    await ch.close();
  }
}

/**
 * The machine's busy core-seconds (every process, every core: /proc/stat) over the rounds of a ceiling, per round. The
 * run's figure is taken the same way, so the two say how much CPU each needs beside how long it takes: when both
 * keep every core busy, the run's time over the ceilings' is its core-seconds over theirs, and it can fall only by
 * the run doing less work (not by overlapping its work better).
 */
class BusyCoreSeconds {
  private ticks = 0;
  private rounds = 0;
  private startedAt: number | null = null;
  private unavailable = false;
  begin(): void {
    this.startedAt = machineBusyTicks();
    if (this.startedAt === null) this.unavailable = true;
  }
  end(): void {
    const now = machineBusyTicks();
    if (now === null || this.startedAt === null) this.unavailable = true;
    else {
      this.ticks += now - this.startedAt;
      this.rounds += 1;
    }
    this.startedAt = null;
  }
  perRound(): number | null {
    return this.unavailable || this.rounds === 0 ? null : this.ticks / 100 / this.rounds;
  }
}

/**
 * The ClickHouse read ceiling: the very readings the run read (same window, same collapse per reading id,
 * same columns), in the fastest way a client gets them: ONE query for every account, TabSeparated,
 * streamed and counted, no per-chunk round trips.
 */
async function chCeiling(ch: ClickHouseClient, rounds: number): Promise<{ ms: number; rows: number; roundsMs: number[]; coreSeconds: number | null }> {
  const window = readingWindow(DEMO_PERIOD, 400);
  const chunkQuery = ClickHouseBillingReadings.query(['X'], window);
  // The worker's query with the account filter dropped (the bench database holds only the run's accounts).
  const query = chunkQuery.replace(/WHERE account_id IN \([^)]*\)\s+AND /, 'WHERE ');
  if (query === chunkQuery) throw new Error('the readings query changed shape; update the ceiling');
  // As the write ceiling: the median of `rounds` reads, each one query (a slow or fast minute of the host moved one
  // read between 22.9 and 33.2 s on 2026-12-03).
  const roundsMs: number[] = [];
  const busy = new BusyCoreSeconds();
  let rows = 0;
  for (let round = 0; round < rounds; round++) {
    const t = performance.now();
    busy.begin();
    const rs = await ch.query({ query, format: 'TabSeparated' });
    rows = 0;
    for await (const batch of rs.stream()) rows += (batch as unknown[]).length;
    busy.end();
    roundsMs.push(performance.now() - t);
  }
  return { ms: median(roundsMs), rows, roundsMs, coreSeconds: busy.perRound() };
}

/** At most this many of the run's bills (and their lines) are copied for the write ceiling; more is scaled linearly. */
const WRITE_CEILING_SAMPLE = 100_000;

/**
 * The PostgreSQL write ceiling: the run's own bill and line rows, taken out with COPY ... TO STDOUT, then
 * COPY'd back (text format, the cheapest way in) into tables LIKE bills / bill_lines INCLUDING ALL (the same
 * columns, checks, primary keys, unique constraints and indexes) with the bills table's one constraint that is
 * not declared: its statement trigger (migration v13), which checks that every new bill's account exists and
 * that no two ordinary bills of an account share a day. Issue 18 asks for the COPY "into the same tables with
 * their constraints", and LIKE copies no trigger: until 2026-12-04 the ceiling left it out, so it measured a
 * table with neither check. The trigger's function is the database's own (pg_get_functiondef), with the table
 * it searches renamed; the bare COPY (trigger disabled) is measured and printed beside it. Not the outboxes,
 * not the run's bookkeeping. In batches of one chunk on as many connections as the run had workers. Up to
 * WRITE_CEILING_SAMPLE bills are copied and the time scaled to all of them (memory stays bounded).
 * The sample takes 4-8 s, short enough for one slow or fast minute of this VM's host to halve or double it (the same
 * rows measured 39.6 s and 77.4 s scaled on 2026-12-03): so it is copied `rounds` times into emptied tables and the
 * median round is the ceiling; every round is reported.
 */
async function pgCeiling(
  pool: Pool,
  bills: number,
  chunkSize: number,
  parallel: number,
  rounds: number,
): Promise<{ ms: number; rows: number; sampleBills: number; sampleMs: number; roundsMs: number[]; bareMs: number; bareRoundsMs: number[]; coreSeconds: number | null }> {
  const sample = Math.min(bills, WRITE_CEILING_SAMPLE);
  const client = await pool.connect();
  let billRows: Buffer[];
  let lineRows: Buffer[];
  try {
    await client.query('CREATE TABLE ceiling_bills (LIKE bills INCLUDING ALL)');
    await client.query('CREATE TABLE ceiling_lines (LIKE bill_lines INCLUDING ALL)');
    await client.query(ceilingTriggerFunction((await client.query<{ def: string }>(`SELECT pg_get_functiondef('billing_bills_no_overlap'::regproc) AS def`)).rows[0]!.def));
    await client.query(
      'CREATE TRIGGER ceiling_bills_no_overlap AFTER INSERT ON ceiling_bills REFERENCING NEW TABLE AS new_bills FOR EACH STATEMENT EXECUTE FUNCTION ceiling_bills_no_overlap()',
    );
    await client.query(`CREATE TEMP TABLE ceiling_ids AS SELECT bill_id FROM bills WHERE kind = 'bill' ORDER BY bill_id LIMIT ${sample}`);
    billRows = await copyToBuffers(client, 'COPY (SELECT b.* FROM bills b JOIN ceiling_ids USING (bill_id) ORDER BY b.bill_id) TO STDOUT');
    lineRows = await copyToBuffers(client, 'COPY (SELECT l.* FROM bill_lines l JOIN ceiling_ids USING (bill_id) ORDER BY l.bill_id, l.line_no) TO STDOUT');
  } finally {
    client.release();
  }
  // Batches of one chunk: a chunk's bills and (in bill order) their lines.
  const batches: { bills: Buffer[]; lines: Buffer[] }[] = [];
  let li = 0;
  for (let i = 0; i < billRows.length; i += chunkSize) {
    const batch = billRows.slice(i, i + chunkSize);
    const lastId = batch[batch.length - 1]!.subarray(0, 36).toString();
    const lines: Buffer[] = [];
    while (li < lineRows.length && lineRows[li]!.subarray(0, 36).toString() <= lastId) lines.push(lineRows[li++]!);
    batches.push({ bills: [Buffer.concat(batch)], lines: [Buffer.concat(lines)] });
  }
  // Rounds alternate with and without the trigger (with first), so a slow or fast stretch of the host falls on both.
  const roundsMs: number[] = [];
  const bareRoundsMs: number[] = [];
  const busy = new BusyCoreSeconds();
  for (let round = 0; round < 2 * rounds; round++) {
    const constrained = round % 2 === 0;
    if (round > 0) await pool.query('TRUNCATE ceiling_bills, ceiling_lines');
    await pool.query(`ALTER TABLE ceiling_bills ${constrained ? 'ENABLE' : 'DISABLE'} TRIGGER ceiling_bills_no_overlap`);
    if (constrained) busy.begin();
    const ms = await copyBatches(pool, batches, parallel);
    if (constrained) busy.end();
    (constrained ? roundsMs : bareRoundsMs).push(ms);
  }
  const perRound = busy.perRound();
  const sampleMs = median(roundsMs);
  const rows = billRows.length + lineRows.length;
  const scaled = (ms: number) => (billRows.length ? (ms * bills) / billRows.length : 0);
  return {
    coreSeconds: perRound === null ? null : scaled(perRound),
    bareMs: scaled(median(bareRoundsMs)),
    bareRoundsMs,
    ms: scaled(sampleMs),
    rows: billRows.length ? Math.round((rows * bills) / billRows.length) : 0,
    sampleBills: billRows.length,
    sampleMs,
    roundsMs,
  };
}

/** One round of the write ceiling: every batch COPY'd in its own transaction, `parallel` at a time; its milliseconds. */
async function copyBatches(pool: Pool, batches: readonly { bills: Buffer[]; lines: Buffer[] }[], parallel: number): Promise<number> {
  const t = performance.now();
  let next = 0;
  const work = async () => {
    for (let b = next++; b < batches.length; b = next++) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await copyFromBuffers(c, 'COPY ceiling_bills FROM STDIN', batches[b]!.bills);
        await copyFromBuffers(c, 'COPY ceiling_lines FROM STDIN', batches[b]!.lines);
        await c.query('COMMIT');
      } finally {
        c.release();
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, work));
  return performance.now() - t;
}

// ------------------------------------------------------------------ driver
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '1000000' },
      workers: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '2' },
      'chunk-size': { type: 'string', default: '1000' },
      deadline: { type: 'string', default: '900' },
      fresh: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      json: { type: 'string' },
      worker: { type: 'boolean', default: false },
      'generate-only': { type: 'boolean', default: false },
      'no-ceiling': { type: 'boolean', default: false },
      'ceiling-rounds': { type: 'string', default: '3' },
      'no-calibration': { type: 'boolean', default: false },
      companion: { type: 'string' },
      'pids-file': { type: 'string' },
      'cpu-end-file': { type: 'string' },
    },
  });
  if (values.worker) return workerMain();
  const n = Number(values.accounts);
  const workers = Number(values.workers);
  const concurrency = Number(values.concurrency);
  const chunkSize = Number(values['chunk-size']);
  const ceilingRounds = Number(values['ceiling-rounds']);
  const deadlineMs = Number(values.deadline) * 1000;
  if (![n, workers, concurrency, chunkSize, deadlineMs, ceilingRounds].every((x) => Number.isInteger(x) && x > 0)) throw new Error('options must be positive whole numbers');
  // However things go, this process ends.
  setTimeout(() => {
    console.error('benchmark hard limit reached; exiting');
    process.exit(2);
  }, deadlineMs + 30 * 60_000).unref();

  const admin = createPostgresPool(env.DATABASE_URL, { max: 2, applicationName: 'bench-billing' });
  const popName = `bench_billing_pop_${n}`;
  const chName = `bench_billing_${n}`;
  const runName = `bench_billing_run_${Date.now().toString(36)}`;
  const prefix = `bench-billing-${Date.now().toString(36)}`;
  const children: ChildProcess[] = [];
  let pool: Pool | null = null;
  let ch: ClickHouseClient | null = null;
  try {
    const gen = await generate(n, values.fresh, admin, chName, popName);
    if (values['generate-only']) {
      console.log(`${popName} and ${chName} ready (${fmt(gen.readings)} readings)`);
      return;
    }
    console.log(gen.reused ? `reusing ${popName} and ${chName} (${fmt(gen.readings)} readings)` : `generated in ${secs(Math.max(gen.pgMs, gen.chMs))} s (PostgreSQL ${secs(gen.pgMs)} s, ClickHouse ${secs(gen.chMs)} s, ${fmt(gen.readings)} readings)`);

    let t = performance.now();
    await admin.query(`CREATE DATABASE ${runName} TEMPLATE ${popName}`);
    const copyMs = performance.now() - t;
    pool = createPostgresPool(dbUrl(runName), { max: 4, applicationName: 'bench-billing' });
    pool.on('error', () => undefined);
    // A kept population may predate billing's latest migrations: the run's copy gets them (its bills are empty, so seconds).
    await migratePostgres(pool, BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE);
    ch = createClickHouse(chSettings(chName));
    const billing = createBilling(pool, ch, {
      redis: { url: env.REDIS_URL, maxRetriesPerRequest: null },
      queuePrefix: prefix,
      chunkSize,
      jobAttempts: 5,
      jobBackoffMs: 1000,
      workerConcurrency: 1,
      lockDurationMs: 120_000,
      historyDays: 400,
    });

    // Workers first, so the run's clock does not include their start-up.
    const reports: WorkerReport[] = [];
    await Promise.all(
      Array.from({ length: workers }, () => {
        const child = fork(__filename, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        children.push(child);
        child.on('message', (m: { type: string }) => {
          if (m.type === 'report') reports.push(m as WorkerReport);
        });
        child.send({ databaseUrl: dbUrl(runName), chDatabase: chName, prefix, concurrency, chunkSize } satisfies WorkerSetup);
        return new Promise<void>((resolve) => child.once('message', () => resolve()));
      }),
    );

    if (values['pids-file']) {
      const lines = [`billing-driver\t${process.pid}`, ...children.map((c, i) => `billing-worker-${i + 1}\t${c.pid}`)];
      writeFileSync(values['pids-file'], `${lines.join('\n')}\n`);
    }
    const servers = new ServerWatch(runName);
    const driverCpu0 = process.cpuUsage();
    const staff = { kind: 'service' as const, id: 'bench', scopes: ['billing:run' as const, 'billing:read' as const] };
    const calibration = values['no-calibration'] ? null : startHostCalibration(`${__dirname}/../scripts`, { forSeconds: Math.ceil(deadlineMs / 1000) + 60 });
    t = performance.now();
    const runBusy = new BusyCoreSeconds();
    runBusy.begin();
    const started = await billing.runService.start(staff, { periodStart: DEMO_PERIOD.start, periodEnd: DEMO_PERIOD.end, kind: 'bill' });
    const planMs = performance.now() - t;
    console.log(`bill run ${started.runId}: ${fmt(started.totalAccounts)} accounts, ${fmt(started.totalChunks)} chunks of ${chunkSize}; planned and queued in ${secs(planMs)} s`);
    let status = started;
    let lastPrint = 0;
    while (status.status === 'running' && performance.now() - t < deadlineMs) {
      await new Promise((r) => setTimeout(r, 1000));
      servers.sample();
      status = (await billing.runs.status(started.runId))!;
      if (performance.now() - lastPrint > 5000 || status.status !== 'running') {
        lastPrint = performance.now();
        console.log(`  ${secs(performance.now() - t).padStart(6)} s  ${renderProgressBar(status, 30)}`);
      }
    }
    const runMs = performance.now() - t;
    runBusy.end();
    const runCoreSeconds = runBusy.perRound();
    const host: HostCalibration | null = (await calibration?.stop()) ?? null;
    const timedOut = status.status === 'running';
    const serverCpu = servers.cpuSeconds();
    const runBackendCpu = servers.runBackendCpuSeconds();
    const driverCpu = process.cpuUsage(driverCpu0);

    if (values['cpu-end-file']) {
      // The surge bench's CPU table takes these as the processes' last ticks (they stop before its last snapshot).
      const ticksOf = (pid: number | undefined): number => (pid === undefined ? 0 : (cpuTicks(pid) ?? 0));
      const lines = [`billing-driver\t${ticksOf(process.pid)}`, ...children.map((c, i) => `billing-worker-${i + 1}\t${ticksOf(c.pid)}`)];
      writeFileSync(values['cpu-end-file'], `${lines.join('\n')}\n`);
    }
    // Stop the workers and collect their figures (killed if they do not answer).
    for (const c of children) c.send('stop');
    await Promise.race([
      Promise.all(children.map((c) => new Promise((r) => c.once('exit', r)))),
      new Promise((r) => setTimeout(r, 60_000)),
    ]);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await billing.queue.obliterate().catch(() => undefined);
    await billing.queue.close();

    const billsWritten = await count(pool, `SELECT count(*) AS n FROM bills`);
    const linesWritten = await count(pool, `SELECT count(*) AS n FROM bill_lines`);
    const processed = status.done + status.failed;
    const rate = processed / (runMs / 1000);

    if (values.companion) {
      // The surge companion's report (scripts/surge-companions/README.md), written as soon as the run is over.
      const ok = status.status === 'completed' && status.failed === 0 && !timedOut;
      const companion = {
        title: 'bill run beside the surge',
        lines: [
          `${fmt(status.billed)} accounts billed, ${fmt(status.failed)} failed, in ${secs(runMs)} s (${fmt(rate)} accounts/s; ${workers} worker processes x ${concurrency}, chunks of ${chunkSize}${getPriority() !== 0 ? `, nice ${getPriority()}` : ''})`,
          `CPU s: billing workers ${reports.map((r) => r.cpuSeconds.toFixed(1)).join(' / ')}, the run's PostgreSQL backends ${runBackendCpu.toFixed(1)}`,
        ],
        slos: [{ name: 'bill run completed', ok, value: Math.round(runMs / 100) / 10 }],
        figures: {
          accounts: n,
          billed: status.billed,
          failed: status.failed,
          seconds: runMs / 1000,
          accountsPerSecond: Math.round(rate),
          status: status.status,
          timedOut,
          workerCpuSeconds: reports.map((r) => Math.round(r.cpuSeconds * 10) / 10),
          postgresRunBackendCpuSeconds: Math.round(runBackendCpu * 10) / 10,
        },
      };
      writeFileSync(values.companion, `${JSON.stringify(companion, null, 2)}\n`);
    }
    const skipCeiling = values['no-ceiling'];
    console.log(skipCeiling ? 'no settlement or ceilings (--no-ceiling)' : 'settlement report and ceilings ...');
    // Settlement over every bill of the period, as GET /v1/settlement computes it (best of two: the first may find a cold cache).
    const settlementTimes: number[] = [0, 0];
    let settlementRows = 0;
    for (let i = 0; i < (skipCeiling ? 0 : 2); i++) {
      const ts = performance.now();
      settlementRows = (await billing.settlement.aggregate(DEMO_PERIOD)).rows.length;
      settlementTimes[i] = performance.now() - ts;
    }
    // A ceiling that fails (a busy server timing out) is reported as such; the run's figures are still printed.
    const failedCeiling = (what: string) => (error: unknown) => {
      console.error(`${what} ceiling failed: ${String(error)}`);
      return null;
    };
    // The one-query read of every reading takes minutes at a million accounts: a client with a long timeout.
    const chLong = createClickHouse({ ...chSettings(chName), requestTimeoutMs: 1_800_000 });
    const chCeil =
      (skipCeiling ? { ms: 0, rows: 0, roundsMs: [], coreSeconds: null } : await chCeiling(chLong, ceilingRounds).catch(failedCeiling('ClickHouse'))) ?? {
        ms: Number.NaN,
        rows: 0,
        roundsMs: [],
        coreSeconds: null,
      };
    await chLong.close();
    const pgCeil =
      (billsWritten > 0 && !skipCeiling ? await pgCeiling(pool, billsWritten, chunkSize, workers * concurrency, ceilingRounds).catch(failedCeiling('PostgreSQL')) : null) ??
      { ms: Number.NaN, rows: 0, sampleBills: 0, sampleMs: 0, roundsMs: [] as number[], bareMs: Number.NaN, bareRoundsMs: [] as number[], coreSeconds: null };
    const ceilingCoreSeconds = chCeil.coreSeconds !== null && pgCeil.coreSeconds !== null ? chCeil.coreSeconds + pgCeil.coreSeconds : null;
    const ceilingSum = chCeil.ms + pgCeil.ms;

    const phaseTotals = (['load', 'readings', 'compute', 'write'] as const).map((p) => {
      const ms = reports.reduce((s, r) => s + r.phases[p].ms, 0);
      const accounts = reports.reduce((s, r) => s + r.phases[p].accounts, 0);
      return { phase: p, ms, perAccountUs: accounts ? (ms * 1000) / accounts : 0 };
    });
    const figures = {
      accounts: n,
      workers,
      concurrency,
      chunkSize,
      cores: (await import('node:os')).availableParallelism(),
      generation: gen,
      copyPopulationSeconds: copyMs / 1000,
      run: {
        status: status.status,
        timedOut,
        billed: status.billed,
        failed: status.failed,
        billsWritten,
        linesWritten,
        planSeconds: planMs / 1000,
        totalSeconds: runMs / 1000,
        accountsPerSecond: Math.round(rate),
      },
      hostCalibration: host && host.medianMs !== null
        ? { units: host.units, samples: host.samples.length, medianMs: host.medianMs, p10Ms: host.p10Ms, p90Ms: host.p90Ms, runSecondsPerCalibrationMs: runMs / 1000 / host.medianMs }
        : null,
      peakRssMb: {
        driver: mb(process.resourceUsage().maxRSS),
        workers: reports.map((r) => r.maxRssMb),
        ...servers.peakMb,
      },
      cpuSeconds: {
        driver: (driverCpu.user + driverCpu.system) / 1e6,
        workers: reports.map((r) => Math.round(r.cpuSeconds * 10) / 10),
        ...serverCpu,
        postgresRunBackends: runBackendCpu,
        machine: runCoreSeconds,
      },
      workerPhases: phaseTotals.map((p) => ({ phase: p.phase, seconds: Math.round(p.ms / 100) / 10, perAccountMicroseconds: Math.round(p.perAccountUs) })),
      settlement: { firstSeconds: settlementTimes[0]! / 1000, secondSeconds: settlementTimes[1]! / 1000, rows: settlementRows },
      ceiling: {
        clickhouseReadSeconds: chCeil.ms / 1000,
        clickhouseReadRows: chCeil.rows,
        clickhouseReadRoundsSeconds: chCeil.roundsMs.map((ms) => Math.round(ms) / 1000),
        postgresCopySeconds: pgCeil.ms / 1000,
        postgresCopyRows: pgCeil.rows,
        postgresCopySampleBills: pgCeil.sampleBills,
        postgresCopySampleSeconds: pgCeil.sampleMs / 1000,
        postgresCopySampleRoundsSeconds: pgCeil.roundsMs.map((ms) => Math.round(ms) / 1000),
        postgresBareCopySeconds: pgCeil.bareMs / 1000,
        postgresBareCopySampleRoundsSeconds: pgCeil.bareRoundsMs.map((ms) => Math.round(ms) / 1000),
        runOverBareCeilingSum: chCeil.ms + pgCeil.bareMs > 0 ? runMs / (chCeil.ms + pgCeil.bareMs) : null,
        runOverCeilingSum: ceilingSum > 0 ? runMs / ceilingSum : null,
        clickhouseReadCoreSeconds: chCeil.coreSeconds,
        postgresCopyCoreSeconds: pgCeil.coreSeconds,
        runCoreSecondsOverCeilingCoreSeconds: runCoreSeconds !== null && ceilingCoreSeconds ? runCoreSeconds / ceilingCoreSeconds : null,
      },
    };

    console.log('');
    console.log(`accounts ${fmt(n)}  workers ${workers} x concurrency ${concurrency}  chunk ${chunkSize}  cores ${figures.cores}`);
    console.log(`bill run: ${status.status}${timedOut ? ' (DEADLINE REACHED)' : ''}; ${fmt(status.billed)} billed, ${fmt(status.failed)} failed; ${fmt(billsWritten)} bills, ${fmt(linesWritten)} lines`);
    console.log(`total ${secs(runMs)} s (planning and queuing ${secs(planMs)} s)  =>  ${fmt(rate)} accounts billed/s`);
    const hc = figures.hostCalibration;
    if (hc) {
      console.log(
        `host calibration through the run: median ${hc.medianMs} ms (p10 ${hc.p10Ms}, p90 ${hc.p90Ms}; ${hc.samples} samples of ${hc.units} units; lower is a faster host); run ${secs(runMs)} s / ${hc.medianMs} = ${hc.runSecondsPerCalibrationMs.toFixed(2)} s per calibration ms`,
      );
    } else if (!values['no-calibration']) console.log('host calibration through the run: no sample (a sample every 5 s; the run was shorter)');
    console.log(`peak RSS MB: driver ${figures.peakRssMb.driver}, workers ${figures.peakRssMb.workers.join(' / ')}, postgres (all processes) ${servers.peakMb.postgres}, clickhouse ${servers.peakMb.clickhouse}, redis ${servers.peakMb.redis}`);
    console.log(
      `CPU s during the run: workers ${figures.cpuSeconds.workers.join(' / ')}, driver ${figures.cpuSeconds.driver.toFixed(1)}, postgres ${serverCpu.postgres.toFixed(1)} (of which the run's backends ${runBackendCpu.toFixed(1)}; the rest is the server's shared processes and anyone else's work), clickhouse ${serverCpu.clickhouse.toFixed(1)}, redis ${serverCpu.redis.toFixed(1)}; the whole machine ${runCoreSeconds === null ? '-' : runCoreSeconds.toFixed(1)}`,
    );
    console.log(`worker time by phase (summed over chunks; load and readings run in parallel): ${figures.workerPhases.map((p) => `${p.phase} ${p.seconds} s (${p.perAccountMicroseconds} us/account)`).join(', ')}`);
    if (!skipCeiling) {
      console.log(`settlement report over ${fmt(billsWritten)} bills: ${secs(settlementTimes[0]!)} s, again ${secs(settlementTimes[1]!)} s (${settlementRows} rows)`);
      console.log(
        `ceiling (median of ${ceilingRounds} rounds each): ClickHouse read of the run's readings in one query ${secs(chCeil.ms)} s (${chCeil.roundsMs.map((ms) => secs(ms)).join(' / ')}; ${fmt(chCeil.rows)} rows); PostgreSQL COPY of its bill and line rows ${secs(pgCeil.ms)} s (${fmt(pgCeil.rows)} rows; ${fmt(pgCeil.sampleBills)} bills copied in ${pgCeil.roundsMs.map((ms) => secs(ms)).join(' / ')} s${pgCeil.sampleBills < billsWritten ? `, the median ${secs(pgCeil.sampleMs)} s scaled` : ''})`,
      );
      console.log(
        `  the same COPY without the bills table's statement trigger (its account and overlap checks; not the ceiling): ${secs(pgCeil.bareMs)} s (${pgCeil.bareRoundsMs.map((ms) => secs(ms)).join(' / ')} s; run / that sum ${chCeil.ms + pgCeil.bareMs > 0 ? (runMs / (chCeil.ms + pgCeil.bareMs)).toFixed(2) : '-'}x)`,
      );
      console.log(`run / (write ceiling + read ceiling) = ${secs(runMs)} / ${secs(ceilingSum)} = ${ceilingSum > 0 ? (runMs / ceilingSum).toFixed(2) : '-'}x`);
      if (runCoreSeconds !== null && ceilingCoreSeconds !== null && chCeil.coreSeconds !== null && pgCeil.coreSeconds !== null) {
        const cores = (cs: number, ms: number) => (ms > 0 ? (cs / (ms / 1000)).toFixed(2) : '-');
        console.log(
          `machine CPU (every process, /proc/stat), core-seconds: run ${runCoreSeconds.toFixed(1)} (${cores(runCoreSeconds, runMs)} cores busy on average); ceilings ${ceilingCoreSeconds.toFixed(1)} (ClickHouse read ${chCeil.coreSeconds.toFixed(1)} a round, ${cores(chCeil.coreSeconds, chCeil.ms)} cores; COPY ${pgCeil.coreSeconds.toFixed(1)} scaled, ${cores(pgCeil.coreSeconds, pgCeil.ms)} cores); run / ceilings ${(runCoreSeconds / ceilingCoreSeconds).toFixed(2)}x in core-seconds`,
        );
      }
    }
    if (values.json) writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await pool?.end().catch(() => undefined);
    await ch?.close().catch(() => undefined);
    if (!values.keep) await admin.query(`DROP DATABASE IF EXISTS ${runName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
