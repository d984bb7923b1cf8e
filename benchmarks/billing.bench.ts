/*
 * Bill-run benchmark: N accounts with readings around the 1 April 2022 price
 * change, one bill run over all of them, and the ceilings it is measured
 * against.
 *
 *   npm run build && npm run bench:billing -- --accounts 100000
 *   npm run bench:billing                          (1,000,000 accounts)
 *   options: --accounts N  --workers W (processes, default 2)  --concurrency C (chunks per worker, default 2)
 *            --chunk-size S (default 500)  --deadline SECONDS (bill run, default 900)  --fresh (regenerate)
 *            --keep (keep the run's database)  --json FILE (write the figures)
 *
 * What it does, against the local stack (PostgreSQL, Redis, ClickHouse; no Kafka):
 *   1. generate (once per N, reused unless --fresh): the demo population in a PostgreSQL database
 *      bench_billing_pop_<N> (tariffs, accounts, supply points, meters, registers, agreements) and its
 *      readings in a ClickHouse database bench_billing_<N> (table meter_readings, the read path's schema);
 *   2. copy the population to a fresh database (CREATE DATABASE ... TEMPLATE, seconds), start W worker
 *      processes (this file forked with --worker, each a BullMQ worker with concurrency C), start the
 *      bill run and poll it to completion, sampling every process's RSS and CPU;
 *   3. the ceilings: the period's raw aggregate query in ClickHouse (every register's opening and
 *      closing reading, deduplicated, in one query) and a bulk write to PostgreSQL of as many bill and
 *      line rows as the run wrote, the same way the run writes them (JSON batches of one chunk);
 *   4. prints accounts billed per second, total time, peak RSS of each process, where the time went.
 * Bounded: the bill run stops at --deadline (workers are told to stop, then killed), and the whole
 * benchmark exits by itself after deadline + 30 minutes at most.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
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
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { createBilling } from '@surge/billing/billing.factory';
import { seedPopulation, seedReadings, seedReferenceData } from '@surge-test/support/billing.seeder';
import type { ChunkPhase } from '@surge/billing/bill-run/bill-run.processor';
import { renderProgressBar } from '@surge/billing/bill-run/bill-run.progress';
import { DEMO_PERIOD } from '@surge-test/fixtures/demo-population.generator';

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

function serverSample(comm: string): ServerSample {
  let rssKb = 0;
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== comm) continue;
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
  constructor() {
    this.start = this.ticks();
    this.sample();
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

/** The period's raw aggregate in ClickHouse: every register's opening and closing reading, deduplicated, one query. */
async function chCeiling(ch: ClickHouseClient): Promise<{ ms: number; registers: number }> {
  const query = `SELECT count() AS registers, sum(n) AS readings FROM (
    SELECT c_sp, c_serial, c_reg, argMin(c_value, c_read_at) AS opening, argMax(c_value, c_read_at) AS closing, count() AS n
    FROM (
      SELECT reading_id, any(supply_point_id) AS c_sp, any(meter_serial) AS c_serial, any(register_id) AS c_reg, any(read_at) AS c_read_at,
             any(value) AS c_value, argMax(status, version) AS c_status, argMax(duplicate_of, version) AS c_dup
      FROM meter_readings
      WHERE read_at >= toDateTime('2022-02-28 00:00:00', 'UTC') AND read_at < toDateTime('2022-05-02 00:00:00', 'UTC')
      GROUP BY reading_id HAVING c_status = 'accepted' AND c_dup = ''
    ) GROUP BY c_sp, c_serial, c_reg)`;
  const t = performance.now();
  const rows = await (await ch.query({ query, format: 'JSONEachRow' })).json<{ registers: string }>();
  return { ms: performance.now() - t, registers: Number(rows[0]?.registers ?? 0) };
}

/** As many bill and line rows as the run wrote, written the way the run writes them (one JSON batch per chunk, same concurrency), without computing anything. */
async function pgCeiling(pool: Pool, bills: number, linesPerBill: number, chunkSize: number, parallel: number): Promise<{ ms: number; rows: number }> {
  await pool.query('CREATE TABLE ceiling_bills (LIKE bills INCLUDING ALL)');
  await pool.query('CREATE TABLE ceiling_lines (LIKE bill_lines INCLUDING ALL)');
  const template = (await pool.query<Record<string, unknown>>('SELECT * FROM bills WHERE kind = $1 LIMIT 1', ['bill'])).rows[0]!;
  const lines = (await pool.query<Record<string, unknown>>('SELECT * FROM bill_lines WHERE bill_id = $1 ORDER BY line_no', [template.bill_id])).rows;
  const perBill = Math.max(1, Math.round(linesPerBill));
  const t = performance.now();
  let next = 0;
  const batches = Math.ceil(bills / chunkSize);
  const work = async () => {
    for (let b = next++; b < batches; b = next++) {
      const billRows: Record<string, unknown>[] = [];
      const lineRows: Record<string, unknown>[] = [];
      for (let i = b * chunkSize; i < Math.min(bills, (b + 1) * chunkSize); i++) {
        const id = randomUUID();
        billRows.push({ ...template, bill_id: id, account_id: `CEIL-${i}`, run_id: null });
        for (let l = 0; l < perBill; l++) lineRows.push({ ...lines[l % lines.length], bill_id: id, line_no: l + 1 });
      }
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('INSERT INTO ceiling_bills SELECT * FROM json_populate_recordset(NULL::ceiling_bills, $1::json)', [JSON.stringify(billRows)]);
        await client.query('INSERT INTO ceiling_lines SELECT * FROM json_populate_recordset(NULL::ceiling_lines, $1::json)', [JSON.stringify(lineRows)]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, work));
  return { ms: performance.now() - t, rows: bills * (1 + perBill) };
}

// ------------------------------------------------------------------ driver
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '1000000' },
      workers: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '2' },
      'chunk-size': { type: 'string', default: '500' },
      deadline: { type: 'string', default: '900' },
      fresh: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      json: { type: 'string' },
      worker: { type: 'boolean', default: false },
    },
  });
  if (values.worker) return workerMain();
  const n = Number(values.accounts);
  const workers = Number(values.workers);
  const concurrency = Number(values.concurrency);
  const chunkSize = Number(values['chunk-size']);
  const deadlineMs = Number(values.deadline) * 1000;
  if (![n, workers, concurrency, chunkSize, deadlineMs].every((x) => Number.isInteger(x) && x > 0)) throw new Error('options must be positive whole numbers');
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
    console.log(gen.reused ? `reusing ${popName} and ${chName} (${fmt(gen.readings)} readings)` : `generated in ${secs(Math.max(gen.pgMs, gen.chMs))} s (PostgreSQL ${secs(gen.pgMs)} s, ClickHouse ${secs(gen.chMs)} s, ${fmt(gen.readings)} readings)`);

    let t = performance.now();
    await admin.query(`CREATE DATABASE ${runName} TEMPLATE ${popName}`);
    const copyMs = performance.now() - t;
    pool = createPostgresPool(dbUrl(runName), { max: 4, applicationName: 'bench-billing' });
    pool.on('error', () => undefined);
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

    const servers = new ServerWatch();
    const driverCpu0 = process.cpuUsage();
    const staff = { kind: 'service' as const, id: 'bench', scopes: ['billing:run' as const, 'billing:read' as const] };
    t = performance.now();
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
    const timedOut = status.status === 'running';
    const serverCpu = servers.cpuSeconds();
    const driverCpu = process.cpuUsage(driverCpu0);

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

    console.log('ceilings ...');
    const chCeil = await chCeiling(ch);
    const pgCeil = billsWritten > 0 ? await pgCeiling(pool, billsWritten, linesWritten / billsWritten, chunkSize, workers * concurrency) : { ms: 0, rows: 0 };

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
      peakRssMb: {
        driver: mb(process.resourceUsage().maxRSS),
        workers: reports.map((r) => r.maxRssMb),
        ...servers.peakMb,
      },
      cpuSeconds: {
        driver: (driverCpu.user + driverCpu.system) / 1e6,
        workers: reports.map((r) => Math.round(r.cpuSeconds * 10) / 10),
        ...serverCpu,
      },
      workerPhases: phaseTotals.map((p) => ({ phase: p.phase, seconds: Math.round(p.ms / 100) / 10, perAccountMicroseconds: Math.round(p.perAccountUs) })),
      ceiling: {
        clickhouseAggregateSeconds: chCeil.ms / 1000,
        clickhouseRegisters: chCeil.registers,
        postgresBulkWriteSeconds: pgCeil.ms / 1000,
        postgresBulkWriteRows: pgCeil.rows,
      },
    };

    console.log('');
    console.log(`accounts ${fmt(n)}  workers ${workers} x concurrency ${concurrency}  chunk ${chunkSize}  cores ${figures.cores}`);
    console.log(`bill run: ${status.status}${timedOut ? ' (DEADLINE REACHED)' : ''}; ${fmt(status.billed)} billed, ${fmt(status.failed)} failed; ${fmt(billsWritten)} bills, ${fmt(linesWritten)} lines`);
    console.log(`total ${secs(runMs)} s (planning and queuing ${secs(planMs)} s)  =>  ${fmt(rate)} accounts billed/s`);
    console.log(`peak RSS MB: driver ${figures.peakRssMb.driver}, workers ${figures.peakRssMb.workers.join(' / ')}, postgres (all processes) ${servers.peakMb.postgres}, clickhouse ${servers.peakMb.clickhouse}, redis ${servers.peakMb.redis}`);
    console.log(
      `CPU s during the run: workers ${figures.cpuSeconds.workers.join(' / ')}, driver ${figures.cpuSeconds.driver.toFixed(1)}, postgres ${serverCpu.postgres.toFixed(1)}, clickhouse ${serverCpu.clickhouse.toFixed(1)}, redis ${serverCpu.redis.toFixed(1)}`,
    );
    console.log(`worker time by phase (summed over chunks; load and readings run in parallel): ${figures.workerPhases.map((p) => `${p.phase} ${p.seconds} s (${p.perAccountMicroseconds} us/account)`).join(', ')}`);
    console.log(`ceiling: ClickHouse raw aggregate of the period ${secs(chCeil.ms)} s (${fmt(chCeil.registers)} registers); PostgreSQL bulk write of ${fmt(pgCeil.rows)} rows ${secs(pgCeil.ms)} s`);
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
