/**
 * The fault drills (`npm run bench:faults`, orchestrated by scripts/fault-drills.sh,
 * which starts the PRIVATE stack and services this script breaks):
 *   node dist/scripts/fault-drills.js <stackStateDir> <reportDir> <surgeLoadBin> <fixtures.json> [drill...]
 *
 * Each drill: a bounded constant load (100 single submits/s plus 5 collector
 * batches/s of 20, every response logged by surge-load), a fault injected 10 s
 * in and ended by the drill (never by a human), then the loss audit in
 * ClickHouse (every reading answered 202/207-received present exactly once)
 * and the recovery figures: first 2xx after the fault ended, backlog drained
 * (audit clean and sink lag 0), every service ready again. Bill-run drills
 * also start a bill run just before the fault and wait for it to finish by
 * itself. Prints a table and writes report.json. Loopback only; exits 1 if
 * any drill lost or duplicated a reading or did not recover.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { clickHouseSettingsFrom, createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { infraFields, positiveInt } from '@surge/config/config.fields';
import { loadConfig } from '@surge/config/config.loader';

const run = promisify(execFile);
const [stateDir = '', reportDir = '', loadBin = '', fixtures = '', ...only] = process.argv.slice(2);
const config = loadConfig(
  z.object({
    ...infraFields,
    SURGE_PORT_BASE: positiveInt(3620),
    DRILL_RATE: positiveInt(100),
    DRILL_BATCH_RATE: positiveInt(5),
    DRILL_BATCH_SIZE: positiveInt(20),
  }),
  process.env,
);
const base = config.SURGE_PORT_BASE;
const SERVICES = { 'read-api': base, 'read-sink': base + 1, billing: base + 2, csat: base + 3 } as const;
type Service = keyof typeof SERVICES;
const ch = createClickHouse(clickHouseSettingsFrom(config));
const staffKey = readFileSync(join(stateDir, 'dev', 'staff-api-key'), 'utf8').trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ load
/** The drill load behind one seam: surge-load's constant profile today. */
interface LoadRun {
  readonly done: Promise<void>;
  /** One line per response: {"t":epochMs,"route":"submit"|"batch","status":202,"latencyMs":..,"ids":[..]}. */
  readonly resultsFile: string;
}
interface LoadGenerator {
  start(name: string, seconds: number): LoadRun;
}
const surgeLoad: LoadGenerator = {
  start(name, seconds) {
    const out = join(reportDir, name, 'load');
    mkdirSync(out, { recursive: true });
    const child: ChildProcess = spawn(
      loadBin,
      [
        '-target', `http://127.0.0.1:${SERVICES['read-api']}`, '-fixtures', fixtures, '-profile', 'constant',
        '-rate', String(config.DRILL_RATE), '-batch-rate', String(config.DRILL_BATCH_RATE), '-batch-size', String(config.DRILL_BATCH_SIZE),
        '-duration', `${seconds}s`, '-timeout', '10s', '-run-id', `drill-${name}-${Date.now()}`, '-out', out,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr?.on('data', (d) => (err = (err + String(d)).slice(-4000)));
    const done = new Promise<void>((resolve, reject) =>
      child.once('exit', (code) => (code === 0 || code === 99 ? resolve() : reject(new Error(`surge-load exited ${code}: ${err}`)))),
    );
    return { done, resultsFile: join(out, 'results.jsonl') };
  },
};

interface Result {
  t: number;
  route: string;
  status: number;
  ids?: string[];
}
const readResults = (file: string): Result[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Result)
    : [];

// ------------------------------------------------------------------ stack and services
const stackEnv = { ...process.env, SURGE_STATE_DIR: stateDir, SURGE_STACK_NATIVE: '1' };
const stackUp = () => run('bash', ['scripts/stack/stack.sh', 'up'], { env: stackEnv, maxBuffer: 1 << 24 });
const services = (cmd: 'up' | 'down', app: Service) => run('bash', ['scripts/services.sh', cmd, app], { env: stackEnv, maxBuffer: 1 << 24 });
const pidOf = (name: string) => Number(readFileSync(join(stateDir, 'pids', `${name}.pid`), 'utf8').trim());
const signal = (name: string, sig: NodeJS.Signals) => process.kill(pidOf(name), sig);
async function killAndWait(name: string): Promise<void> {
  const pid = pidOf(name);
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
}

async function health(app: Service): Promise<{ ok: boolean; body: Record<string, unknown> | null }> {
  try {
    const res = await fetch(`http://127.0.0.1:${SERVICES[app]}/health/ready`, { signal: AbortSignal.timeout(2000) });
    return { ok: res.ok, body: (await res.json().catch(() => null)) as Record<string, unknown> | null };
  } catch {
    return { ok: false, body: null };
  }
}
const allReady = async () => (await Promise.all((Object.keys(SERVICES) as Service[]).map(health))).every((h) => h.ok);
const sinkLag = async (app: Service = 'read-sink') => {
  const h = await health(app);
  const lag = (h.body?.lag ?? {}) as Record<string, number>;
  return h.ok ? Object.values(lag).reduce((a, b) => a + b, 0) : Number.POSITIVE_INFINITY;
};

/** Restarts by the native supervisor (its log lines) per service since `since`: a fault the service should ride out must show none. */
function supervisorRestarts(since: number): Partial<Record<Service, number>> {
  const out: Partial<Record<Service, number>> = {};
  for (const app of Object.keys(SERVICES) as Service[]) {
    const file = join(stateDir, 'logs', `${app}.log`);
    if (!existsSync(file)) continue;
    const n = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"service":"supervisor"') && l.includes('exited'))
      .filter((l) => Number(/"time":(\d+)/.exec(l)?.[1] ?? 0) >= since).length;
    if (n > 0) out[app] = n;
  }
  return out;
}

// ------------------------------------------------------------------ audit
async function audit(accepted: Set<string>): Promise<{ present: number; lost: number; duplicated: number }> {
  const ids = [...accepted];
  let present = 0;
  let duplicated = 0;
  for (let i = 0; i < ids.length; i += 1000) {
    const list = ids.slice(i, i + 1000).map((id) => `'${id.replace(/[^0-9a-f-]/gi, '')}'`).join(',');
    const rows = await (
      await ch.query({ query: `SELECT reading_id, count() AS c FROM meter_readings FINAL WHERE reading_id IN (${list}) GROUP BY reading_id`, format: 'JSONEachRow' })
    ).json<{ reading_id: string; c: string }>();
    present += rows.length;
    duplicated += rows.filter((r) => Number(r.c) > 1).length;
  }
  // Double counting under two ids: two accepted, non-duplicate readings of one register at one instant
  // (over the drill database's whole table: anywhere is a defect, and a pair may span id chunks).
  const [twice] = await (
    await ch.query({
      query: `SELECT count() AS n FROM (
          SELECT account_id, supply_point_id, register_id, read_at, count() AS c FROM (
            SELECT reading_id, any(account_id) AS account_id, any(supply_point_id) AS supply_point_id, any(register_id) AS register_id,
                   any(read_at) AS read_at, argMax(status, version) AS st, argMax(duplicate_of, version) AS dup
            FROM meter_readings GROUP BY reading_id)
          WHERE st = 'accepted' AND dup = '' GROUP BY account_id, supply_point_id, register_id, read_at HAVING c > 1)`,
      format: 'JSONEachRow',
    })
  ).json<{ n: string }>();
  duplicated += Number(twice?.n ?? 0);
  return { present, lost: ids.length - present, duplicated };
}

// ------------------------------------------------------------------ bill runs
const BILL_RUN_ACCOUNTS = 3000;

/**
 * Each bill-run drill bills accounts nobody billed before: a fresh block of the demo population (the offset
 * kept in the drill's state, so later drills and later runs of the suite never reuse one). Without it, the
 * second drill (and every later run) found its accounts ALREADY_BILLED and wrote nothing while PostgreSQL or
 * Redis was down: a drill that exercised nothing.
 */
async function seedFreshAccounts(): Promise<void> {
  const file = join(stateDir, 'drill-billing-offset');
  const offset = existsSync(file) ? Number(readFileSync(file, 'utf8')) : BILL_RUN_ACCOUNTS; // the suite's first seed took 0..2999
  writeFileSync(file, String(offset + BILL_RUN_ACCOUNTS));
  await run(process.execPath, ['dist/scripts/billing-cli.js', 'seed', '--accounts', String(BILL_RUN_ACCOUNTS), '--offset', String(offset), '--readings'], { env: process.env });
}

async function startBillRun(): Promise<string> {
  await seedFreshAccounts();
  const res = await fetch(`http://127.0.0.1:${SERVICES.billing}/v1/bill-runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': staffKey, 'idempotency-key': `drill-${Date.now()}` },
    body: JSON.stringify({ periodStart: '2022-03-01', periodEnd: '2022-05-01', kind: 'bill' }),
  });
  const body = (await res.json()) as { runId?: string };
  if (!res.ok || !body.runId) throw new Error(`bill run not started: ${res.status} ${JSON.stringify(body)}`);
  return body.runId;
}
async function billRunStatus(runId: string): Promise<Record<string, unknown> | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${SERVICES.billing}/v1/bill-runs/${runId}`, { headers: { 'x-api-key': staffKey }, signal: AbortSignal.timeout(3000) });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ drills
interface Drill {
  readonly name: string;
  readonly what: string;
  /** Seconds of load after the fault ended. */
  readonly tail?: number;
  readonly billRun?: boolean;
  /** Injects the fault; resolves when the drill has ended it (the system must then recover by itself). */
  readonly fault: () => Promise<void>;
  /** Services the drill itself kills (their supervisor restarts are expected). */
  readonly kills?: readonly Service[];
}

const DRILLS: Drill[] = [
  {
    name: 'kafka-kill',
    what: 'Kafka kill -9, down 15 s, started again',
    fault: async () => {
      await killAndWait('kafka');
      await sleep(15_000);
      await stackUp();
    },
  },
  {
    name: 'sink-kill',
    what: 'read-sink kill -9 mid-batch (its supervisor restarts it)',
    kills: ['read-sink'],
    fault: async () => {
      await killAndWait('app-read-sink');
      // Ended at once: bringing it back is the supervisor's job, not the drill's.
    },
  },
  {
    name: 'clickhouse-stop',
    what: 'ClickHouse stopped (SIGSTOP) 60 s',
    tail: 30,
    fault: async () => {
      signal('clickhouse', 'SIGSTOP');
      await sleep(60_000);
      signal('clickhouse', 'SIGCONT');
    },
  },
  {
    name: 'redis-kill',
    what: 'Redis kill -9 during a bill run, started again after 10 s',
    billRun: true,
    fault: async () => {
      await killAndWait('redis');
      await sleep(10_000);
      await stackUp();
    },
  },
  {
    name: 'postgres-immediate',
    what: 'PostgreSQL immediate shutdown during a bill run, back after 3 s',
    billRun: true,
    fault: async () => {
      const bin = (await run('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1'])).stdout.trim();
      const data = join(stateDir, 'postgres', 'data');
      const asPg = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
      const [cmd, ...args] = [...asPg, `${bin}/pg_ctl`, '-D', data, '-m', 'immediate', 'stop'];
      await run(cmd!, args).catch(() => undefined);
      await sleep(3_000);
      await stackUp();
    },
  },
  {
    name: 'csat-stop',
    what: 'csat stopped 20 s while outcomes flow, then started again',
    fault: async () => {
      await services('down', 'csat');
      await sleep(20_000);
      await services('up', 'csat');
    },
  },
];

interface DrillReport {
  name: string;
  what: string;
  accepted: number;
  present: number;
  lost: number;
  duplicated: number;
  statusesDuringFault: Record<string, number>;
  faultSeconds: number;
  firstSuccessAfterFaultMs: number | null;
  backlogDrainedAfterFaultMs: number | null;
  /** The same, counted from the end of the load (the backlog left when traffic stopped). */
  backlogDrainedAfterLoadMs: number | null;
  readyAfterFaultMs: number | null;
  /** When each service was first seen ready after the fault ended (ms). */
  readyEachAfterFaultMs: Partial<Record<Service, number>>;
  /** Restarts by the supervisor during the drill; any outside `kills` means a service did not ride the fault out in process. */
  supervisorRestarts: Partial<Record<Service, number>>;
  billRun?: Record<string, unknown> | null;
  ok: boolean;
  error?: string;
}

async function drill(d: Drill): Promise<DrillReport> {
  const LEAD = 10;
  const tail = d.tail ?? 20;
  // The load is sized to outlast the fault; a fault that ends early just gets a longer tail.
  const expected = { 'kafka-kill': 90, 'sink-kill': 5, 'clickhouse-stop': 60, 'redis-kill': 25, 'postgres-immediate': 15, 'csat-stop': 30 }[d.name] ?? 30;
  const drillStart = Date.now();
  const load = surgeLoad.start(d.name, LEAD + expected + tail);
  await sleep(LEAD * 1000);
  let runId: string | undefined;
  if (d.billRun) runId = await startBillRun();
  if (d.billRun) await sleep(1000);
  const faultStart = Date.now();
  let error: string | undefined;
  await d.fault().catch((e: unknown) => (error = `fault: ${String(e)}`));
  const faultEnd = Date.now();
  let readyAt: number | null = null;
  const readyEach: Partial<Record<Service, number>> = {};
  const readyWatch = (async () => {
    for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(500)) {
      const states = await Promise.all((Object.keys(SERVICES) as Service[]).map(async (app) => [app, (await health(app)).ok] as const));
      for (const [app, ok] of states) if (ok) readyEach[app] ??= Date.now() - faultEnd;
      if (states.every(([, ok]) => ok)) return (readyAt = Date.now());
    }
    return null;
  })();
  await load.done.catch((e: unknown) => (error = String(e)));
  const loadEnd = Date.now();
  const results = readResults(load.resultsFile);
  const accepted = new Set<string>();
  for (const r of results) if (r.status === 202 || r.status === 207) for (const id of r.ids ?? []) accepted.add(id);
  const statusesDuringFault: Record<string, number> = {};
  for (const r of results) if (r.t >= faultStart && r.t <= faultEnd) statusesDuringFault[r.status] = (statusesDuringFault[r.status] ?? 0) + 1;
  const firstSuccess = results.filter((r) => r.t > faultEnd && r.status >= 200 && r.status < 300).reduce((m, r) => Math.min(m, r.t), Infinity);
  // Drained: every accepted reading stored and the sink's lag back to 0.
  let counts = { present: 0, lost: accepted.size, duplicated: 0 };
  let drainedAt: number | null = null;
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(1000)) {
    counts = await audit(accepted).catch(() => counts);
    if (counts.lost === 0 && (await sinkLag()) === 0) {
      drainedAt = Date.now();
      break;
    }
  }
  await readyWatch;
  let billRun: Record<string, unknown> | null | undefined;
  if (runId) {
    for (const deadline = Date.now() + 240_000; Date.now() < deadline; await sleep(1000)) {
      billRun = await billRunStatus(runId);
      if (billRun && billRun.status !== 'running') break;
    }
  }
  const restarts = supervisorRestarts(drillStart);
  const unplanned = (Object.keys(restarts) as Service[]).filter((app) => !(d.kills ?? []).includes(app));
  // The run bills the whole population: at least the drill's fresh block is issued (earlier blocks are already billed).
  const billOk = !runId || (billRun?.status === 'completed' && billRun?.failed === 0 && Number(billRun?.billed) >= BILL_RUN_ACCOUNTS);
  const rep: DrillReport = {
    name: d.name,
    what: d.what,
    accepted: accepted.size,
    ...counts,
    statusesDuringFault,
    faultSeconds: Math.round((faultEnd - faultStart) / 100) / 10,
    firstSuccessAfterFaultMs: Number.isFinite(firstSuccess) ? Math.max(0, firstSuccess - faultEnd) : null,
    backlogDrainedAfterFaultMs: drainedAt === null ? null : drainedAt - faultEnd,
    backlogDrainedAfterLoadMs: drainedAt === null ? null : Math.max(0, drainedAt - loadEnd),
    readyAfterFaultMs: readyAt === null ? null : (readyAt as number) - faultEnd,
    readyEachAfterFaultMs: readyEach,
    supervisorRestarts: restarts,
    ...(runId ? { billRun: billRun ? { runId, status: billRun.status, totalAccounts: billRun.totalAccounts, billed: billRun.billed, skipped: billRun.skipped, failed: billRun.failed } : null } : {}),
    ok: false,
    ...(error ? { error } : {}),
  };
  rep.ok = !error && unplanned.length === 0 && accepted.size > 0 && counts.lost === 0 && counts.duplicated === 0 && drainedAt !== null && readyAt !== null && billOk;
  writeFileSync(join(reportDir, d.name, 'drill.json'), JSON.stringify(rep, null, 2));
  return rep;
}

const secs = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

async function main(): Promise<void> {
  const chosen = only.length > 0 ? DRILLS.filter((d) => only.includes(d.name)) : DRILLS;
  const reports: DrillReport[] = [];
  for (const d of chosen) {
    process.stdout.write(`=== drill ${d.name}: ${d.what}\n`);
    for (let i = 0; i < 120 && !(await allReady()); i++) await sleep(1000);
    const r = await drill(d);
    reports.push(r);
    process.stdout.write(`    ${JSON.stringify(r)}\n`);
  }
  const header = ['drill', 'accepted', 'present', 'lost', 'dup', 'statuses during fault', 'fault s', '1st 2xx after', 'drained after (load end)', 'ready after', 'restarts', 'bill run', 'ok'];
  const rows = reports.map((r) => [
    r.name, String(r.accepted), String(r.present), String(r.lost), String(r.duplicated),
    Object.entries(r.statusesDuringFault).map(([s, n]) => `${s}:${n}`).join(' ') || '-',
    String(r.faultSeconds), secs(r.firstSuccessAfterFaultMs), `${secs(r.backlogDrainedAfterFaultMs)} (${secs(r.backlogDrainedAfterLoadMs)})`, secs(r.readyAfterFaultMs),
    Object.entries(r.supervisorRestarts).map(([a, n]) => `${a}:${n}`).join(' ') || 'none',
    r.billRun === undefined ? '-' : r.billRun ? `${String(r.billRun.status)} ${String(r.billRun.billed)}/${String(r.billRun.totalAccounts)}` : 'unknown',
    r.ok ? 'yes' : `NO${r.error ? ` (${r.error.slice(0, 60)})` : ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  process.stdout.write(`\ntimes are from the end of each fault (first 2xx, backlog drained, every service ready)\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n${rows.map(line).join('\n')}\n`);
  writeFileSync(join(reportDir, 'report.json'), JSON.stringify({ at: new Date().toISOString(), load: { rate: config.DRILL_RATE, batchRate: config.DRILL_BATCH_RATE, batchSize: config.DRILL_BATCH_SIZE }, drills: reports }, null, 2));
  process.stdout.write(`\nreport: ${join(reportDir, 'report.json')}\n`);
  await ch.close();
  process.exit(reports.every((r) => r.ok) ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
