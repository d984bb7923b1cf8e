/*
 * Load-tool comparison (issue 9, docs/decisions/0006-load-tool.md): each
 * candidate drives the same workload at the same open-model rates against the
 * bare 202 server, in one run, and is charged for every CPU tick it spends.
 * Run it through compare-load-tools.sh (`npm run bench:load-tools`), which
 * fetches the tools from the Go module proxy, Maven Central and npm first.
 *
 *   node dist/benchmarks/load-tools/load-tools.bench.js --out DIR --meta DIR/meta.json \
 *     --vegeta BIN --gatling-classpath FILE --artillery-bin FILE [--tools vegeta,gatling,artillery]
 *     [--fixed 1000:20,2000:10] [--steps 1000,2000,4000,8000,16000,32000] [--step-seconds 8] [--port-base 3700]
 *     [--skip-checks] [--vegeta-max-connections N (default 0: no limit)]
 *
 * Per tool, in this order (interleaved by stage, so a change in machine load hits all tools alike):
 *   1. checks: 200 req/s for 4 s against a server that answers after 500 ms, with a p99 < 100 ms
 *      threshold: an open-model tool still sends ~800 requests in ~4 s, and a tool with thresholds
 *      exits non-zero;
 *   2. fixed rates (--fixed, each its own run): generator CPU (utime+stime of its whole process tree),
 *      achieved rate, latency p50/p99, peak RSS, from the tool's own per-request log;
 *   3. a step search (--steps, --step-seconds each), stopping at the first rate the tool does not
 *      sustain: achieved send rate or requests sent < 95 % of offered, or any request answered with
 *      anything but a 202 with a reading id (error status, transport error, timeout).
 * Every run gets a fresh bare server (node dist/scripts/bare-http.server.js <port>) on 127.0.0.1 and
 * its own directory under --out with the tool's logs and its human report. Bounded: fixed run lengths
 * and a hard kill of a tool's process group 90 s after its run should have ended. Loopback only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ArtilleryAdapter } from './artillery.adapter';
import { GatlingAdapter } from './gatling.adapter';
import type { Command, LoadToolAdapter, Phase, RequestResult, RunSpec, WorkloadFiles } from './load-tool.adapter';
import { ProcessTreeSampler } from './process-tree.sampler';
import { VegetaAdapter } from './vegeta.adapter';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    meta: { type: 'string' },
    tools: { type: 'string', default: 'vegeta,gatling,artillery' },
    vegeta: { type: 'string' },
    'gatling-classpath': { type: 'string' },
    'artillery-bin': { type: 'string' },
    fixed: { type: 'string', default: '1000:20,2000:10' },
    steps: { type: 'string', default: '1000,2000,4000,8000,16000,32000' },
    'step-seconds': { type: 'string', default: '8' },
    'port-base': { type: 'string', default: '3700' },
    'skip-checks': { type: 'boolean', default: false },
    // vegeta's -max-connections; its default (0, no limit) opens a connection per blocked worker under overload
    'vegeta-max-connections': { type: 'string', default: '0' },
  },
});

const OUT = resolve(args.out ?? `load-tools-${new Date().toISOString().replace(/[:.]/g, '-')}`);
const BARE_SERVER = join(__dirname, '..', '..', 'scripts', 'bare-http.server.js');
const SOURCE_DIR = resolve(__dirname, '..', '..', '..', 'benchmarks', 'load-tools');
let nextPort = Number(args['port-base']);

interface RunFigures {
  tool: string;
  stage: 'check' | 'fixed' | 'step';
  phases: Phase[];
  dir: string;
  exitCode: number | null;
  offered: number;
  logged: number; // lines in the tool's per-request log
  ok: number; // 202 with a reading id
  errors: number; // logged but not a 202 with a reading id (error status, transport error, timeout)
  unsent: number; // offered - logged: never sent (or never logged) within the run
  achievedSendRate: number; // requests/s between the first and the last send
  okThroughput: number; // 202s/s over the load window (first send to last answer)
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  loadWindowS: number;
  generatorCpuS: number; // whole process lifetime: start-up, load, shutdown, its own summary
  generatorCpuInWindowS: number; // only while the load ran
  postRunCpuS: number; // the tool's commands run afterwards (encode, report)
  cpuSPer10k: number; // generatorCpuS per 10,000 offered requests
  cpuSPer10kInWindow: number; // generatorCpuInWindowS per 10,000 logged requests
  generatorCoresInWindow: number; // average cores the generator kept busy while the load ran
  // The second half of the sends only: the tool warmed up (a JVM's JIT, connection pools)
  secondHalfSendRate: number;
  secondHalfP99Ms: number;
  secondHalfCpuSPer10k: number;
  serverCoresInWindow: number; // the same for the bare server: ~1.0 means it was the bottleneck
  peakRssMiB: number;
  wallS: number;
  loadAvgBefore: number;
  loadAvgAfter: number;
  sustained: boolean;
  report?: string;
}

function parsePhases(spec: string): Phase[] {
  return spec.split(',').map((p) => {
    const [rate, seconds] = p.split(':').map(Number);
    if (!rate || !seconds) throw new Error(`bad phase "${p}" (want rate:seconds)`);
    return { rate, seconds };
  });
}

// ~300-byte reading submissions with a ~200-character bearer token, 1,000 distinct ones used round robin.
function writeWorkload(dir: string): WorkloadFiles {
  const rows = Array.from({ length: 1000 }, (_, i) => {
    const body = JSON.stringify({
      accountId: randomUUID(),
      supplyPointId: String(1_000_000_000_000 + ((i * 7919) % 8_999_999_999_999)),
      meterSerial: `E${String(10_000_000 + i).padStart(10, '0')}`,
      registerId: 'S',
      readAt: new Date(Date.UTC(2026, 10, 30, 7, 0, i % 3600)).toISOString(),
      value: (10_000 + i * 0.1).toFixed(1),
      unit: 'kWh',
      source: 'C',
      channel: 'web',
      submittedAt: new Date(Date.UTC(2026, 10, 30, 8, 0, i % 3600)).toISOString(),
      correlationId: randomUUID(),
    });
    const token = `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: `customer-${i}`, acc: randomUUID(), scope: 'readings:submit' })).toString('base64url')}.${'s'.repeat(86)}`;
    return { token, body };
  });
  const bodiesJson = join(dir, 'bodies.json');
  writeFileSync(bodiesJson, JSON.stringify(rows));
  const vegetaTargets = join(dir, 'vegeta-targets.jsonl');
  writeFileSync(
    vegetaTargets,
    rows
      .map((r) =>
        JSON.stringify({
          method: 'POST',
          url: 'http://TARGET/v1/meter-readings',
          body: Buffer.from(r.body).toString('base64'),
          header: { 'Content-Type': ['application/json'], Accept: ['application/json'], Authorization: [`Bearer ${r.token}`] },
        }),
      )
      .join('\n') + '\n',
  );
  return { bodiesJson, vegetaTargets };
}

// vegeta targets carry their URL: one copy of the file per target port.
function workloadFor(base: WorkloadFiles, dir: string, target: string): WorkloadFiles {
  const vegetaTargets = join(dir, 'vegeta-targets.jsonl');
  writeFileSync(vegetaTargets, readFileSync(base.vegetaTargets, 'utf8').replaceAll('http://TARGET', target));
  return { bodiesJson: base.bodiesJson, vegetaTargets };
}

function startBareServer(port: number): Promise<ChildProcess> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [BARE_SERVER, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`bare server on ${port} exited (${code}); is the port taken?`)));
    child.stdout!.once('data', () => ok(child));
  });
}

// The open-model check's target: every answer waits 500 ms, so a closed-loop tool would fall behind.
function startSlowServer(port: number): Promise<() => Promise<void>> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ readingId: randomUUID(), status: 'received' }));
      }, 500),
    );
  });
  server.keepAliveTimeout = 65_000;
  return new Promise((ok) =>
    server.listen(port, '127.0.0.1', () =>
      ok(
        () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      ),
    ),
  );
}

interface Exited {
  code: number | null;
  cpuS: number;
  maxRssKiB: number;
  wallS: number;
}

// Under GNU time, so the totals include every reaped child; in its own process group, so a wedged tool is killed whole.
function runTimed(c: Command, dir: string, label: string, timeoutS: number, sampler?: (pid: number) => ProcessTreeSampler): Promise<Exited> {
  const timeFile = join(dir, `${label}.time`);
  const out = openSync(join(dir, `${label}.stdout.log`), 'w');
  const err = openSync(join(dir, `${label}.stderr.log`), 'w');
  const started = Date.now();
  const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, c.cmd, ...c.args], {
    cwd: c.cwd ?? dir,
    env: { ...process.env, ...c.env },
    stdio: ['ignore', out, err],
    detached: true,
  });
  const s = sampler?.(child.pid!);
  const killer = setTimeout(() => {
    console.error(`  ${label}: still running after ${timeoutS} s, killing its process group`);
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, timeoutS * 1000);
  return new Promise((ok, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => {
      clearTimeout(killer);
      s?.stop();
      closeSync(out);
      closeSync(err);
      let cpuS = 0;
      let maxRssKiB = 0;
      try {
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
        cpuS = (last[1] ?? 0) + (last[2] ?? 0);
        maxRssKiB = last[3] ?? 0;
      } catch {
        /* killed before time wrote its line */
      }
      ok({ code, cpuS, maxRssKiB, wallS: (Date.now() - started) / 1000 });
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function runOne(tool: LoadToolAdapter, stage: RunFigures['stage'], phases: Phase[], base: WorkloadFiles, maxP99Ms?: number): Promise<RunFigures> {
  const port = nextPort++;
  const target = `http://127.0.0.1:${port}`;
  const dir = join(OUT, `${stage}-${phases.map((p) => `${p.rate}x${p.seconds}s`).join('+')}-${tool.name}`);
  mkdirSync(dir, { recursive: true });
  const spec: RunSpec = { target, phases, dir, workload: workloadFor(base, dir, target), ...(maxP99Ms ? { maxP99Ms } : {}) };
  const seconds = phases.reduce((s, p) => s + p.seconds, 0);
  const offered = phases.reduce((s, p) => s + p.rate * p.seconds, 0);

  const slow = stage === 'check';
  const bare = slow ? undefined : await startBareServer(port);
  const stopSlow = slow ? await startSlowServer(port) : undefined;
  const serverSampler = bare ? new ProcessTreeSampler(bare.pid!).start() : undefined;
  const loadAvgBefore = loadavg()[0]!;
  let genSampler: ProcessTreeSampler | undefined;
  const exited = await runTimed(tool.command(spec), dir, 'run', seconds + 90, (pid) => (genSampler = new ProcessTreeSampler(pid).start()));
  const loadAvgAfter = loadavg()[0]!;
  serverSampler?.stop();
  bare?.kill('SIGTERM');
  await stopSlow?.();

  let postRunCpuS = 0;
  for (const [i, c] of (tool.postRun?.(spec) ?? []).entries()) postRunCpuS += (await runTimed(c, dir, `post-${i}`, 300)).cpuS;

  let results: RequestResult[] = [];
  try {
    results = tool.readResults(spec);
  } catch (e) {
    console.error(`  ${tool.name}: no per-request log (${(e as Error).message})`);
  }
  const ok = results.filter((r) => r.ok);
  const sends = results.map((r) => r.sentMs).sort((a, b) => a - b);
  const firstSend = sends[0] ?? 0;
  const lastSend = sends[sends.length - 1] ?? 0;
  const lastAnswer = results.reduce((m, r) => Math.max(m, r.sentMs + Math.max(0, r.latencyMs)), 0);
  const windowS = Math.max(0.001, (lastAnswer - firstSend) / 1000);
  const lat = ok.map((r) => r.latencyMs).sort((a, b) => a - b);
  const inWindowS = genSampler ? genSampler.cpuMsBetween(firstSend, lastAnswer) / 1000 : 0;
  const serverS = serverSampler ? serverSampler.cpuMsBetween(firstSend, lastAnswer) / 1000 : 0;
  const achievedSendRate = sends.length > 1 ? ((sends.length - 1) * 1000) / Math.max(1, lastSend - firstSend) : 0;
  const errors = results.length - ok.length;
  const unsent = Math.max(0, offered - results.length);
  const mid = firstSend + (lastSend - firstSend) / 2;
  const late = results.filter((r) => r.sentMs >= mid);
  const lateLat = late.filter((r) => r.ok).map((r) => r.latencyMs).sort((a, b) => a - b);
  const lateCpuS = genSampler ? genSampler.cpuMsBetween(mid, lastSend) / 1000 : 0;
  const rate = phases[phases.length - 1]!.rate;
  const report = tool.reportPath?.(spec);
  const fig: RunFigures = {
    tool: tool.name,
    stage,
    phases,
    dir: relative(OUT, dir),
    exitCode: exited.code,
    offered,
    logged: results.length,
    ok: ok.length,
    errors,
    unsent,
    achievedSendRate: Math.round(achievedSendRate),
    okThroughput: Math.round(ok.length / windowS),
    p50Ms: round(percentile(lat, 50)),
    p99Ms: round(percentile(lat, 99)),
    maxMs: round(lat[lat.length - 1] ?? NaN),
    loadWindowS: round(windowS),
    generatorCpuS: round(exited.cpuS),
    generatorCpuInWindowS: round(inWindowS),
    postRunCpuS: round(postRunCpuS),
    cpuSPer10k: round((exited.cpuS * 10_000) / offered),
    cpuSPer10kInWindow: round((inWindowS * 10_000) / Math.max(1, results.length)),
    generatorCoresInWindow: round(inWindowS / windowS),
    secondHalfSendRate: Math.round(late.length > 1 ? ((late.length - 1) * 1000) / Math.max(1, lastSend - mid) : 0),
    secondHalfP99Ms: round(percentile(lateLat, 99)),
    secondHalfCpuSPer10k: round((lateCpuS * 10_000) / Math.max(1, late.length)),
    serverCoresInWindow: round(serverS / windowS),
    peakRssMiB: Math.round(Math.max(genSampler?.peakRssBytes() ?? 0, exited.maxRssKiB * 1024) / 2 ** 20),
    wallS: round(exited.wallS),
    loadAvgBefore: round(loadAvgBefore),
    loadAvgAfter: round(loadAvgAfter),
    // Phases run back to back, so the send rate is checked against the last (for a step, the only) phase.
    sustained: errors === 0 && results.length >= 0.95 * offered && (phases.length > 1 || achievedSendRate >= 0.95 * rate),
    ...(report ? { report: relative(OUT, report) } : {}),
  };
  console.log(
    `  ${tool.name.padEnd(9)} ${stage.padEnd(5)} ${phases.map((p) => `${p.rate}/s x ${p.seconds}s`).join(' + ').padEnd(22)} ` +
      `exit ${fig.exitCode}  sent ${fig.achievedSendRate}/s  ok ${fig.ok}/${fig.offered} (errors ${fig.errors}, unsent ${fig.unsent})  p50 ${fig.p50Ms} ms  p99 ${fig.p99Ms} ms  ` +
      `CPU ${fig.generatorCpuS} s (${fig.cpuSPer10k} s/10k; in window ${fig.cpuSPer10kInWindow} s/10k, ${fig.generatorCoresInWindow} cores; server ${fig.serverCoresInWindow} cores)  ` +
      `2nd half: sent ${fig.secondHalfSendRate}/s p99 ${fig.secondHalfP99Ms} ms ${fig.secondHalfCpuSPer10k} s/10k  ` +
      `RSS ${fig.peakRssMiB} MiB  load ${fig.loadAvgBefore}->${fig.loadAvgAfter}${fig.sustained ? '' : '  NOT SUSTAINED'}`,
  );
  return fig;
}

function round(n: number): number {
  return Number.isFinite(n) ? Math.round(n * 100) / 100 : NaN;
}

function adapters(meta: Record<string, string>): LoadToolAdapter[] {
  const wanted = args.tools.split(',');
  const all: LoadToolAdapter[] = [];
  if (wanted.includes('vegeta')) all.push(new VegetaAdapter(required('vegeta'), `${meta.vegeta ?? ''}; -max-connections=${args['vegeta-max-connections']}`, Number(args['vegeta-max-connections'])));
  if (wanted.includes('gatling')) {
    const cp = `${join(SOURCE_DIR, 'gatling', 'target', 'classes')}:${readFileSync(required('gatling-classpath'), 'utf8').trim()}`;
    all.push(new GatlingAdapter(cp, meta.gatling ?? ''));
  }
  if (wanted.includes('artillery')) {
    all.push(new ArtilleryAdapter(required('artillery-bin'), join(SOURCE_DIR, 'artillery', 'submit.processor.js'), meta.artillery ?? ''));
  }
  return all;
}

function required(name: 'vegeta' | 'gatling-classpath' | 'artillery-bin'): string {
  const v = args[name];
  if (!v) throw new Error(`--${name} is required for that tool`);
  return v;
}

function markdown(runs: RunFigures[], tools: LoadToolAdapter[], ceilings: Map<string, number>): string {
  const fixed = runs.filter((r) => r.stage === 'fixed');
  const lines = [
    `# Load-tool comparison, ${new Date().toISOString()}`,
    '',
    ...tools.map((t) => `- **${t.name}**: ${t.describe}`),
    '',
    '## Fixed open-model rates against the bare 202 server',
    '',
    '| tool | offered | exit | sent/s | 202s | p50 ms | p99 ms | CPU s (whole run) | CPU s / 10k (whole run) | CPU s / 10k (load window) | generator cores | server cores | 2nd half: sent/s, p99 ms, CPU s/10k | post-run CPU s | peak RSS MiB | load avg |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|',
    ...fixed.map(
      (r) =>
        `| ${r.tool} | ${r.phases.map((p) => `${p.rate}/s × ${p.seconds} s`).join(' + ')} | ${r.exitCode} | ${r.achievedSendRate} | ${r.ok}/${r.offered} (${r.errors} err, ${r.unsent} unsent) | ${r.p50Ms} | ${r.p99Ms} | ${r.generatorCpuS} | ${r.cpuSPer10k} | ${r.cpuSPer10kInWindow} | ${r.generatorCoresInWindow} | ${r.serverCoresInWindow} | ${r.secondHalfSendRate}, ${r.secondHalfP99Ms}, ${r.secondHalfCpuSPer10k} | ${r.postRunCpuS} | ${r.peakRssMiB} | ${r.loadAvgBefore}→${r.loadAvgAfter} |`,
    ),
    '',
    '## Step search (highest sustained rate)',
    '',
    '| tool | offered/s | sent/s | 202s | p50 ms | p99 ms | generator cores | server cores | 2nd half: sent/s, p99 ms | sustained | load avg |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|',
    ...runs
      .filter((r) => r.stage === 'step')
      .map(
        (r) =>
          `| ${r.tool} | ${r.phases[0]!.rate} | ${r.achievedSendRate} | ${r.ok}/${r.offered} (${r.errors} err, ${r.unsent} unsent) | ${r.p50Ms} | ${r.p99Ms} | ${r.generatorCoresInWindow} | ${r.serverCoresInWindow} | ${r.secondHalfSendRate}, ${r.secondHalfP99Ms} | ${r.sustained ? 'yes' : 'no'} | ${r.loadAvgBefore}→${r.loadAvgAfter} |`,
      ),
    '',
    ...tools.map((t) => `- ${t.name}: highest sustained step ${ceilings.has(t.name) ? `${ceilings.get(t.name)} req/s` : 'none (below the first step)'}`),
    '',
    '## Checks: 200 req/s for 4 s, every answer 500 ms late, threshold p99 < 100 ms',
    '',
    '| tool | sent/s (open model keeps ~200) | answered | p50 ms | exit code (non-zero = threshold failed the run) |',
    '|---|---:|---:|---:|---|',
    ...runs
      .filter((r) => r.stage === 'check')
      .map((r) => {
        const t = tools.find((x) => x.name === r.tool)!;
        return `| ${r.tool} | ${r.achievedSendRate} | ${r.logged}/${r.offered} | ${r.p50Ms} | ${r.exitCode}${t.hasThresholds ? '' : ' (no thresholds in the CLI)'} |`;
      }),
    '',
    'Per run directory: the per-request log (vegeta `results-*.bin` and `results.jsonl`; Gatling and Artillery `requests.log*`), the human report where the tool has one (vegeta `plot.html` and `report.txt`), the tool\'s console output (`run.stdout.log`; Artillery\'s summary, Gatling\'s progress and assertions) and raw data (Artillery `report.json`, Gatling `gatling/*/simulation.log`).',
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const meta = args.meta ? (JSON.parse(readFileSync(args.meta, 'utf8')) as Record<string, string>) : {};
  const tools = adapters(meta);
  const base = writeWorkload(OUT);
  const runs: RunFigures[] = [];
  console.log(`load-tool comparison -> ${OUT} (load average ${loadavg().map(round).join(' ')})`);

  if (!args['skip-checks']) {
    console.log('checks (open model against a 500 ms server; threshold p99 < 100 ms must fail the run):');
    for (const t of tools) runs.push(await runOne(t, 'check', [{ rate: 200, seconds: 4 }], base, 100));
  }
  console.log('fixed rates:');
  for (const phase of parsePhases(args.fixed)) for (const t of tools) runs.push(await runOne(t, 'fixed', [phase], base));

  // Its own runs, whatever the fixed runs showed: short runs on a shared machine vary, and the step
  // runs say which rate a tool holds for --step-seconds from a cold start.
  console.log('step search:');
  const ceilings = new Map<string, number>();
  const stepSeconds = Number(args['step-seconds']);
  for (const t of tools) {
    for (const rate of args.steps.split(',').map(Number)) {
      const r = await runOne(t, 'step', [{ rate, seconds: stepSeconds }], base);
      runs.push(r);
      if (!r.sustained) break;
      ceilings.set(t.name, rate);
    }
  }

  writeFileSync(join(OUT, 'results.json'), JSON.stringify({ at: new Date().toISOString(), meta, runs }, null, 2));
  const md = markdown(runs, tools, ceilings);
  writeFileSync(join(OUT, 'summary.md'), md);
  console.log(`\n${md}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
