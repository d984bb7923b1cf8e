/**
 * The timeline companion of the surge bench (scripts/surge-companions/timeline.sh; README there):
 *   node dist/scripts/surge-timeline-companion.js
 * Starts the timeline service on the run's topics (SURGE_PREFIX, its own consumer group) with a PostgreSQL database
 * of its own, follows it through the surge (its /metrics once a second), and when the load has ended and the
 * timeline has drained (or a bound passed) writes $SURGE_DIR/companion-timeline.json: its consumer lag (max, when
 * the load ended, at the end), how long after its decision a reading's outcome was on the timeline
 * (surge_timeline_freshness_seconds{source="read-sink"}: from the decidedAt of the sink's outcome event to the
 * projector's commit; p99 against the 10 s of issue 16, exact at that bucket bound) and of that the timeline's own
 * part (surge_timeline_projection_seconds: from the outcome record's timestamp on the topic to the commit), and its
 * CPU per entry stored.
 * Bounded in time at every step; stops its timeline and drops its database before it exits. Loopback only.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { histogramBuckets, parseSamples, quantile, shareAtOrUnder, sumOf } from './prometheus-text.parser';
import { cpuTicks } from '@surge-test/support/process-stats';

const env = process.env;
const dir = must('SURGE_DIR');
const prefix = must('SURGE_PREFIX');
const short = env.SURGE_PROFILE === 'short';
const port = Number(env.SURGE_TIMELINE_PORT ?? 3106);
const database = `${must('SURGE_DB')}_timeline`.replace(/[^A-Za-z0-9_]/g, '_');
const group = `${prefix}timeline`;
const adminUrl = env.DATABASE_URL ?? 'postgres://surge:surge@127.0.0.1:5432/surge';
// Bounds: the load appears within 60 s of this start, lasts at most its profile plus slack, and the timeline
// then has this long to drain before the figures are taken as they are.
const LOAD_APPEARS_MS = 60_000;
const LOAD_LASTS_MS = (short ? 150 : 420) * 1000;
const DRAIN_MS = (short ? 90 : 180) * 1000;
const TICKS_PER_SECOND = 100; // USER_HZ of /proc/<pid>/stat
const FRESHNESS_SLO_SECONDS = 10;
const FRESHNESS_SLO_SHARE = 0.99;
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function must(name: string): string {
  const v = env[name];
  if (!v) throw new Error(`${name} is not set (run by scripts/surge-bench.sh through scripts/surge-companions/timeline.sh)`);
  return v;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function scrape(): Promise<ReturnType<typeof parseSamples> | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? parseSamples(await res.text()) : null;
  } catch {
    return null;
  }
}

interface Tick {
  readonly at: number;
  readonly lag: number;
  readonly stored: number;
}

async function main(): Promise<void> {
  const admin = createPostgresPool(adminUrl, { max: 1, applicationName: 'surge-timeline-companion' });
  await ensurePostgresDatabase(admin, database);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;

  const log = openSync(join(dir, 'timeline.log'), 'a');
  const child = spawn(process.execPath, [join(__dirname, '..', 'apps', 'timeline', 'src', 'main.js')], {
    env: { ...env, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: url.toString(), TIMELINE_KAFKA_GROUP_ID: group, LOG_LEVEL: env.LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', log, log],
  });
  const pid = child.pid!;
  let exitedWith: number | null = null;
  child.once('exit', (code) => (exitedWith = code ?? -1));
  // The bench puts this process's CPU and peak RSS in its table (README: companion-<name>.pids).
  appendFileSync(join(dir, 'companion-timeline.pids'), `timeline\t${pid}\n`);

  const failures: string[] = [];
  const ticks: Tick[] = [];
  let cpuStart: number | null = null;
  let loadEndedAt: number | null = null;
  let lagAtLoadEnd: number | null = null;
  let drainedAt: number | null = null;
  let last: ReturnType<typeof parseSamples> | null = null;
  try {
    const readyBy = Date.now() + 60_000;
    while (!(await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok).catch(() => false))) {
      if (exitedWith !== null || Date.now() > readyBy) throw new Error(`the timeline did not become ready (see ${join(dir, 'timeline.log')})`);
      await sleep(250);
    }
    // Up when its consumer is assigned (the lag it reports has partitions), so the load meets a timeline already
    // following its topics; the bench waits for companion-timeline.ready before the load (README).
    const assignedBy = Date.now() + 60_000;
    while (Date.now() < assignedBy && exitedWith === null) {
      const body = (await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.json()).catch(() => null)) as { lag?: Record<string, number> } | null;
      if (body?.lag && Object.keys(body.lag).length > 0) break;
      await sleep(500);
    }
    writeFileSync(join(dir, 'companion-timeline.ready'), `${new Date().toISOString()}\n`);
    // From ready on: start-up (Nest, migrations) is not the surge's cost.
    cpuStart = cpuTicks(pid);
    const started = Date.now();
    const loadPid = join(dir, 'load.pid');
    let loadSeen = false;
    for (;;) {
      await sleep(1_000);
      if (exitedWith !== null) {
        failures.push(`the timeline exited with ${exitedWith} during the run`);
        break;
      }
      const samples = await scrape();
      if (samples) {
        last = samples;
        ticks.push({ at: Date.now(), lag: sumOf(samples, 'surge_kafka_consumer_lag', { group }), stored: sumOf(samples, 'surge_timeline_freshness_seconds_count') });
      }
      const now = Date.now();
      const running = existsSync(loadPid);
      if (!loadSeen) {
        loadSeen = running;
        if (!loadSeen && now - started > LOAD_APPEARS_MS) {
          failures.push('the load never started');
          break;
        }
        continue;
      }
      if (loadEndedAt === null) {
        if (running && now - started < LOAD_LASTS_MS) continue;
        loadEndedAt = now;
        lagAtLoadEnd = ticks.at(-1)?.lag ?? null;
        if (running) failures.push('the load ran past its bound; figures taken then');
        continue;
      }
      // Drained: no lag, and nothing new stored for 6 s (two lag reports of the consumer, 5 s apart, both 0).
      const recent = ticks.filter((t) => t.at >= now - 6_000);
      if (recent.length >= 5 && recent.every((t) => t.lag === 0 && t.stored === recent[0]!.stored)) {
        drainedAt = recent.find((t) => t.stored === recent[0]!.stored)!.at;
        break;
      }
      if (now - loadEndedAt > DRAIN_MS) {
        failures.push(`the timeline had not drained ${DRAIN_MS / 1000} s after the load`);
        break;
      }
    }
  } catch (error) {
    failures.push(String((error as Error)?.message ?? error));
  }

  const cpuEnd = cpuTicks(pid);
  // Its whole CPU (start-up included) for the bench's table, which snapshots after this process has stopped it.
  if (cpuEnd !== null) writeFileSync(join(dir, 'companion-timeline.cpu-end.tsv'), `timeline\t${cpuEnd}\n`);
  child.kill('SIGTERM');
  const stopped = await Promise.race([new Promise<boolean>((r) => child.once('exit', () => r(true))), sleep(10_000).then(() => false)]);
  if (!stopped && exitedWith === null) child.kill('SIGKILL');
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
  await admin.end();

  const samples = last ?? [];
  const outcomes = histogramBuckets(samples, 'surge_timeline_freshness_seconds', { source: 'read-sink' });
  const readingEntries = outcomes.at(-1)?.count ?? 0;
  const entriesStored = sumOf(samples, 'surge_timeline_freshness_seconds_count');
  const own = histogramBuckets(samples, 'surge_timeline_projection_seconds', { source: 'read-sink' });
  const q2 = (b: typeof outcomes, q: number) => (quantile(b, q) === null ? null : round(quantile(b, q)!, 2));
  const p = (q: number) => q2(outcomes, q);
  const po = (q: number) => q2(own, q);
  const within = readingEntries > 0 ? shareAtOrUnder(outcomes, FRESHNESS_SLO_SECONDS) : null;
  const maxLag = ticks.reduce((m, t) => Math.max(m, t.lag), 0);
  const lagAtEnd = ticks.at(-1)?.lag ?? null;
  const cpuSeconds = cpuStart !== null && cpuEnd !== null ? round((cpuEnd - cpuStart) / TICKS_PER_SECOND, 2) : null;
  const cpuMsPerEntry = cpuSeconds !== null && entriesStored > 0 ? round((cpuSeconds * 1000) / entriesStored, 4) : null;
  const drainSeconds = drainedAt !== null && loadEndedAt !== null ? round(Math.max(0, drainedAt - loadEndedAt) / 1000, 1) : null;
  const fmt = (n: number) => n.toLocaleString('en-GB');

  const report = {
    title: 'account timeline beside the surge',
    lines: [
      `${fmt(readingEntries)} reading outcomes on the timeline (${fmt(entriesStored)} entries in all); decision to timeline p50 ${p(0.5)} s, p95 ${p(0.95)} s, p99 ${p(0.99)} s; ` +
        `${within === null ? '-' : round(within * 100, 2)}% within ${FRESHNESS_SLO_SECONDS} s (histogram buckets; p99 interpolated within its bucket)`,
      `of which the timeline's own part (outcome record on the topic to its entry committed): p50 ${po(0.5)} s, p95 ${po(0.95)} s, p99 ${po(0.99)} s; the rest is the sink's (decision to its outcome published)`,
      `consumer lag (group ${group}, records, reported every 5 s): max ${fmt(maxLag)}, ${lagAtLoadEnd === null ? '-' : fmt(lagAtLoadEnd)} when the load ended, ` +
        `${lagAtEnd === null ? '-' : fmt(lagAtEnd)} at the end${drainSeconds === null ? '' : ` (drained ${drainSeconds} s after the load)`}`,
      `timeline CPU from ready to the end: ${cpuSeconds ?? '-'} s for ${fmt(entriesStored)} entries = ${cpuMsPerEntry ?? '-'} ms per entry`,
      ...failures.map((f) => `problem: ${f}`),
    ],
    slos: [
      { name: `a reading's outcome on the timeline within ${FRESHNESS_SLO_SECONDS} s of its decision (p99)`, ok: failures.length === 0 && within !== null && within >= FRESHNESS_SLO_SHARE, value: p(0.99) },
      { name: 'the timeline kept up (no lag left once the sink was done)', ok: failures.length === 0 && lagAtEnd === 0, value: lagAtEnd },
    ],
    figures: {
      readingOutcomes: readingEntries,
      entriesStored,
      freshnessP50Seconds: p(0.5),
      freshnessP95Seconds: p(0.95),
      freshnessP99Seconds: p(0.99),
      projectionP50Seconds: po(0.5),
      projectionP95Seconds: po(0.95),
      projectionP99Seconds: po(0.99),
      shareWithin10s: within === null ? null : round(within, 5),
      maxLag,
      lagAtLoadEnd,
      lagAtEnd,
      drainSeconds,
      cpuSeconds,
      cpuMsPerEntry,
      lagSeries: ticks.map((t) => [round((t.at - (ticks[0]?.at ?? t.at)) / 1000, 1), t.lag]),
    },
  };
  writeFileSync(join(dir, 'companion-timeline.json'), `${JSON.stringify(report, null, 2)}\n`);
  for (const line of report.lines) console.log(line);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
