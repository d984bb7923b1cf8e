/**
 * The last step of `npm run bench:surge`: completes report.json (written by
 * the loss audit) with what only the whole run knows, and prints it.
 *   node dist/scripts/surge-report.js <runDir> <report.json>
 * Reads from the run directory: cpu-start.tsv / cpu-end.tsv (utime+stime ticks
 * per process), rss.tsv (VmHWM samples, KiB), load/summary.json (surge-load),
 * capacity-read-api/summary.json and capacity-bare/summary.json (the closed-loop
 * ceiling), prometheus.json when Prometheus ran (alerts fired, its SLIs) and page-probe.json when
 * the Chromium probe ran (TTFB, LCP and submit-to-answer of the customer's page through the surge), and
 * calibration.json (scripts/host-calibration.ts: how fast the host was through the load).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, reportFile] = process.argv.slice(2);
// Linux reports /proc/<pid>/stat times in USER_HZ, 100 on every mainstream kernel (sysconf(_SC_CLK_TCK)).
const TICKS_PER_SECOND = 100;

const readJson = <T>(file: string): T | null => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : null);

function tsv(file: string): [string, number][] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes('\t'))
    .map((l) => {
      const [name, value] = l.split('\t');
      return [name!, Number(value)] as [string, number];
    });
}

interface PageProbe {
  iterations: number;
  failures: { at: string; error: string }[];
  metrics: Record<string, { count: number; p50: number | null; p95: number | null; p99: number | null }>;
  slos: { slo: string; expression: string; value: number | null; ok: boolean }[];
  browserCpuSeconds?: number | null;
}

/** What a surge companion (scripts/surge-companions/) wrote about its work beside the surge. */
interface CompanionReport {
  title: string;
  lines?: string[];
  slos?: { name: string; ok: boolean; value: number | string | null }[];
  figures?: Record<string, unknown>;
}

interface LatencyFigures {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Beyond capacity, from surge-load (load-tests/surge-load/overload.go). */
interface OverloadFigures {
  accepted: LatencyFigures;
  shed: number;
  shedLatency: LatencyFigures;
  shedWithin50msShare: number;
  shedWithRetryAfter: number;
  longestWaitMs: number;
  recoverySeconds: number;
  checks: { name: string; limit: number; value: number; ok: boolean }[];
}

interface LoadSummary {
  profile?: string;
  overload?: OverloadFigures;
  requests: number;
  requestsPerSecond: number;
  routes: Record<string, { requests: number; statuses?: Record<string, number> }>;
  generator: { cpuSeconds: number; peakRssMiB: number };
}

function main(): void {
  const report = readJson<Record<string, unknown>>(reportFile!) ?? {};
  const load = readJson<LoadSummary>(join(dir!, 'load', 'summary.json'));

  const start = new Map(tsv(join(dir!, 'cpu-start.tsv')));
  const cpuSeconds: Record<string, number> = {};
  for (const [name, ticks] of tsv(join(dir!, 'cpu-end.tsv'))) {
    // A process missing from the start snapshot was started during the run (a companion's): all its CPU is the run's.
    cpuSeconds[name] = round((ticks - (start.get(name) ?? 0)) / TICKS_PER_SECOND, 10);
  }
  if (load) cpuSeconds['load-generator'] = round(load.generator.cpuSeconds, 10);

  const peakRssMiB: Record<string, number> = {};
  for (const [name, kib] of tsv(join(dir!, 'rss.tsv'))) peakRssMiB[name] = Math.max(peakRssMiB[name] ?? 0, Math.round(kib / 1024));
  if (load) peakRssMiB['load-generator'] = Math.round(load.generator.peakRssMiB);

  const api = readJson<LoadSummary>(join(dir!, 'capacity-read-api', 'summary.json'));
  const bare = readJson<LoadSummary>(join(dir!, 'capacity-bare', 'summary.json'));
  // Requests worked, not refused: a closed loop saturates read-api, whose front door then refuses the sheddable
  // batches in microseconds; counting those 503s as throughput would flatter the ratio.
  const workedRps = (s: LoadSummary) => {
    const refused = Object.values(s.routes).reduce((n, r) => n + (r.statuses?.['503'] ?? 0), 0);
    return (s.requestsPerSecond * (s.requests - refused)) / Math.max(1, s.requests);
  };
  const ceiling =
    api && bare ? { apiRps: Math.round(workedRps(api)), apiRefusedRps: Math.round(api.requestsPerSecond - workedRps(api)), bareRps: Math.round(bare.requestsPerSecond), ratio: round(workedRps(api) / bare.requestsPerSecond, 1000) } : null;

  const prometheus = readJson<{ alertsFired: unknown[]; slis: unknown }>(join(dir!, 'prometheus.json'));
  const page = readJson<PageProbe>(join(dir!, 'page-probe.json'));
  const companions: Record<string, CompanionReport> = {};
  for (const file of readdirSync(dir!).filter((f) => /^companion-.+\.json$/.test(f)).sort()) {
    const c = readJson<CompanionReport>(join(dir!, file));
    if (c) companions[file.slice('companion-'.length, -'.json'.length)] = c;
  }
  // The probe's browser, reaped by the probe (scripts/page-probe.ts): its CPU over the surge, no RSS.
  if (page?.browserCpuSeconds != null) cpuSeconds['chromium (probe)'] = round(page.browserCpuSeconds, 10);
  const stored = Number(report['storedInClickHouse'] ?? 0);
  const efficiency = {
    // CPU over the surge and the sink's catch-up, divided by the work done.
    readApiCpuMsPerRequest: load && cpuSeconds['read-api'] !== undefined ? round((cpuSeconds['read-api'] * 1000) / load.requests, 1000) : null,
    readSinkCpuMsPerReading: stored > 0 && cpuSeconds['read-sink'] !== undefined ? round((cpuSeconds['read-sink'] * 1000) / stored, 1000) : null,
  };
  const calibration = readJson<{ medianMs: number | null; p10Ms: number | null; p90Ms: number | null; units: number; samples: unknown[] }>(join(dir!, 'calibration.json'));
  const full = { ...report, hostCalibration: calibration ? { units: calibration.units, medianMs: calibration.medianMs, p10Ms: calibration.p10Ms, p90Ms: calibration.p90Ms, samples: calibration.samples.length } : null, ceiling, cpuSeconds, peakRssMiB, ...efficiency, alertsFired: prometheus?.alertsFired ?? null, prometheusSlis: prometheus?.slis ?? null,
    pageLoad: page ? { iterations: page.iterations, failures: page.failures.length, metrics: page.metrics, slos: page.slos } : null,
    companions, overload: load?.overload ?? null };
  writeFileSync(reportFile!, JSON.stringify(full, null, 2));

  const overload = load?.overload;
  if (overload) {
    console.log(`\n=== beyond capacity${load?.profile === 'overload' ? ' (the overload profile: its verdict)' : ''}`);
    console.log(`  ${overload.shed} refused 503: p50 ${overload.shedLatency.p50.toFixed(1)} ms, p99 ${overload.shedLatency.p99.toFixed(1)} ms, ${(100 * overload.shedWithin50msShare).toFixed(1)}% within 50 ms, ${overload.shedWithRetryAfter} with Retry-After`);
    console.log(`  accepted p99 ${overload.accepted.p99.toFixed(1)} ms; longest wait ${overload.longestWaitMs.toFixed(1)} ms; errors back to 0 ${overload.recoverySeconds} s after the peak`);
    // Within capacity the SLOs are the verdict: the graceful-degradation checks are the overload profile's.
    if (load?.profile === 'overload') for (const c of overload.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(36)} ${c.value.toFixed(1).padStart(9)} (limit ${c.limit})`);
  }
  console.log('\n=== ceiling (closed loop)');
  if (ceiling) {
    console.log(
      `  read-api ${ceiling.apiRps} req/s worked (and ${ceiling.apiRefusedRps}/s refused 503, not counted), bare 202 server ${ceiling.bareRps} req/s: ` +
        `read-api reaches ${(100 * ceiling.ratio).toFixed(1)}% of the bare ceiling`,
    );
  }
  else console.log('  not measured');
  console.log('\n=== CPU seconds over the run (surge and catch-up) and peak RSS MiB');
  for (const name of Object.keys({ ...cpuSeconds, ...peakRssMiB }).sort()) {
    console.log(`  ${name.padEnd(15)} ${String(cpuSeconds[name] ?? '-').padStart(8)} s ${String(peakRssMiB[name] ?? '-').padStart(7)} MiB`);
  }
  console.log(`  read-api CPU ms per request ${efficiency.readApiCpuMsPerRequest ?? 'n/a'}; read-sink CPU ms per reading ${efficiency.readSinkCpuMsPerReading ?? 'n/a'}`);
  if (calibration?.medianMs != null) {
    console.log(
      `  host calibration through the load: ${calibration.units} request-shaped units took median ${calibration.medianMs} CPU ms (p10 ${calibration.p10Ms}, p90 ${calibration.p90Ms}, ` +
        `${calibration.samples.length} samples; lower is a faster host: compare runs only when it agrees)`,
    );
  }
  if (page) {
    console.log(`\n=== the customer's page in Chromium through the surge: ${page.iterations} loads and submissions, ${page.failures.length} failed`);
    for (const [name, m] of Object.entries(page.metrics)) console.log(`  ${name.padEnd(20)} p50 ${m.p50 ?? 'n/a'} ms  p95 ${m.p95 ?? 'n/a'} ms  p99 ${m.p99 ?? 'n/a'} ms  (${m.count})`);
    for (const v of page.slos) console.log(`  ${v.ok ? 'ok  ' : 'FAIL'} ${v.slo.padEnd(22)} ${v.expression.padEnd(14)} ${v.value ?? 'n/a'} ms`);
  }
  for (const [name, c] of Object.entries(companions)) {
    console.log(`\n=== beside the surge: ${c.title} (${name})`);
    for (const line of c.lines ?? []) console.log(`  ${line}`);
    for (const v of c.slos ?? []) console.log(`  ${v.ok ? 'ok  ' : 'FAIL'} ${v.name.padEnd(40)} ${v.value ?? 'n/a'}`);
  }
  if (prometheus) {
    console.log(`\n=== alerts Prometheus fired during the run: ${prometheus.alertsFired.length}`);
    for (const a of prometheus.alertsFired as { alert: string; state: string; firstActiveAt: string; lastActiveAt: string }[]) {
      console.log(`  ${a.alert.padEnd(36)} ${a.state.padEnd(8)} ${a.firstActiveAt} .. ${a.lastActiveAt}`);
    }
  }
}

const round = (v: number, scale: number) => Math.round(v * scale) / scale;

main();
