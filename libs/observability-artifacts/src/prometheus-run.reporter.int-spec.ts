// A real Prometheus (Debian's, started privately on 9190 by the stack script's
// own `prometheus up`, with the committed native config and the generated SLO
// rules) scraping a metrics endpoint this test serves from the project's
// metric catalog. The endpoint reports a read-api whose every submit fails
// (503) slowly, and readings queryable late: the proof that the rules load, a
// recording rule yields a value from real scraped data, the fast-burn pages go
// pending (their `for: 2m` is longer than this test, so firing, and a slow burn
// not paging, are left to `promtool test rules`), and prometheus-report says so.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { main as reportMain } from '../../../scripts/prometheus-report';
import { createMetrics } from '@surge/observability/metrics.catalog';
import type { PrometheusRunReport } from './prometheus-run.reporter';

const ROOT = join(__dirname, '..', '..', '..');
const PROM_PORT = 9190;
const METRICS_PORT = 3800;
const PROM = `http://127.0.0.1:${PROM_PORT}`;
const RUN = `int-${process.pid}`;

const hasPrometheus = (() => {
  try {
    execFileSync('prometheus', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasPrometheus) console.warn('SKIPPED: prometheus is not installed (Debian package `prometheus`, installed by scripts/bootstrap.sh).');
const describeWithPrometheus = hasPrometheus ? describe : describe.skip;

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${PROM}${path}`);
  const body = (await res.json()) as { status: string; data: T };
  if (body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(body)}`);
  return body.data;
}

async function eventually<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${seconds} s${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describeWithPrometheus('Prometheus with the generated SLO rules, on real scraped data', () => {
  const state = mkdtempSync(join(tmpdir(), 'surge-prom-'));
  const env = { ...process.env, SURGE_STATE_DIR: state, PROMETHEUS_PORT: String(PROM_PORT), PROMETHEUS_SCRAPE_DEFAULTS: '0' };
  const stack = (...args: string[]) =>
    execFileSync('bash', [join(ROOT, 'scripts/stack/stack.sh'), 'prometheus', ...args], { env, encoding: 'utf8', timeout: 90_000 });
  const metrics = createMetrics('read-api', { defaultMetrics: false });
  let server: Server;
  let traffic: NodeJS.Timeout;
  let startedAt: number;
  let sent = 0;

  beforeAll(async () => {
    // stack.sh would reuse a server already on the port: this test needs its own.
    const taken = await fetch(`${PROM}/-/ready`).then(() => true, () => false);
    if (taken) throw new Error(`127.0.0.1:${PROM_PORT} is already in use: this test starts its own Prometheus there`);
    startedAt = Date.now();
    // Every submit fails with a 503 after 300 ms and every reading is queryable
    // 7 s after its 202: availability, latency and freshness all burn.
    const drive = () => {
      sent += 20;
      metrics.httpRequests.inc({ service: 'read-api', route: '/v1/meter-readings', method: 'POST', code: '503' }, 20);
      for (let i = 0; i < 20; i++) {
        metrics.httpRequestDuration.observe({ service: 'read-api', route: '/v1/meter-readings', method: 'POST' }, 0.3);
        metrics.readingFreshness.observe(7);
      }
    };
    drive();
    traffic = setInterval(drive, 250);
    server = createServer((req, res) => {
      void metrics.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      });
    });
    await new Promise<void>((r) => server.listen(METRICS_PORT, '127.0.0.1', r));
    // The run's own targets file, as the surge bench writes it (before Prometheus starts here, so
    // the first scrape is as early as can be).
    mkdirSync(join(state, 'prometheus', 'targets'), { recursive: true });
    writeFileSync(
      join(state, 'prometheus', 'targets', `${RUN}.json`),
      JSON.stringify([{ targets: [`127.0.0.1:${METRICS_PORT}`], labels: { job: 'read-api', run: RUN } }]),
    );
    stack('up');
  });

  afterAll(async () => {
    clearInterval(traffic);
    try {
      stack('down');
    } finally {
      await new Promise((r) => server?.close(r));
      rmSync(state, { recursive: true, force: true });
    }
  });

  it('loads every generated rule group and evaluates every rule without error', async () => {
    const expected = ['slo-recording.rules.yml', 'slo-alerts.rules.yml'].flatMap(
      (f) => (parse(readFileSync(join(ROOT, 'ops/prometheus', f), 'utf8')) as { groups: { name: string; rules: unknown[] }[] }).groups,
    );
    const groups = await eventually('every rule evaluated', 40, async () => {
      const data = await api<{ groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] }>('/api/v1/rules');
      const rules = data.groups.flatMap((g) => g.rules);
      return rules.length > 0 && rules.every((r) => r.health !== 'unknown') ? data.groups : undefined;
    });
    const shape = (gs: { name: string; rules: unknown[] }[]) => gs.map((g) => [g.name, g.rules.length]).sort();
    expect(shape(groups)).toEqual(shape(expected));
    expect(groups.flatMap((g) => g.rules).filter((r) => r.health !== 'ok')).toEqual([]);
  });

  it('scrapes the run target with its job and run labels', async () => {
    const target = await eventually('the run target up', 30, async () => {
      const data = await api<{ activeTargets: { labels: Record<string, string>; health: string }[] }>('/api/v1/targets');
      return data.activeTargets.find((t) => t.labels.run === RUN && t.health === 'up');
    });
    expect(target.labels).toMatchObject({ job: 'read-api', run: RUN, instance: `127.0.0.1:${METRICS_PORT}` });
  });

  it('records the submit-availability error ratio from the scraped counters', async () => {
    const value = await eventually('slo:sli_error:ratio_rate5m{slo="submit-availability"}', 40, async () => {
      const data = await api<{ result: { value: [number, string] }[] }>(
        `/api/v1/query?query=${encodeURIComponent('slo:sli_error:ratio_rate5m{slo="submit-availability"}')}`,
      );
      return data.result[0]?.value[1];
    });
    expect(Number(value)).toBe(1);
  });

  it('puts the fast-burn pages pending, and prometheus-report lists them with the window SLIs', async () => {
    const pages = ['ReadingFreshnessFastBurn', 'SubmitAvailabilityFastBurn', 'SubmitLatencyFastBurn'];
    await eventually('the fast-burn alerts active', 50, async () => {
      const data = await api<{ alerts: { labels: Record<string, string>; state: string }[] }>('/api/v1/alerts');
      const active = new Set(data.alerts.map((a) => a.labels.alertname));
      return pages.every((p) => active.has(p)) ? true : undefined;
    });
    // Traffic stops; two scrape intervals later Prometheus holds the final counts, and the alert
    // rules have written their ALERTS series again.
    clearInterval(traffic);
    await new Promise((r) => setTimeout(r, 11_000));

    const out = join(state, 'report.json');
    const lines: string[] = [];
    const code = await reportMain(
      ['--url', PROM, '--from', String(startedAt), '--to', String(Date.now()), '--match', `{run="${RUN}"}`, '--out', out],
      (l) => lines.push(l),
    );
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as PrometheusRunReport;

    for (const alert of pages) {
      const fired = report.alertsFired.find((a) => a.alert === alert);
      expect(fired).toMatchObject({ alert, severity: 'page', state: 'pending' });
      expect(Date.parse(fired!.firstActiveAt)).toBeGreaterThanOrEqual(startedAt);
      expect(Date.parse(fired!.lastActiveAt)).toBeGreaterThanOrEqual(Date.parse(fired!.firstActiveAt));
      expect(Date.parse(fired!.activeSince!)).toBeLessThanOrEqual(Date.parse(fired!.firstActiveAt));
    }
    expect(report.alertsFired.find((a) => a.alert === 'SubmitAvailabilityFastBurn')!.slo).toBe('submit-availability');
    // The rules are ratios, so a minute of nothing but errors puts the slow burns (tickets) pending
    // too; nothing fires within a minute (for: 2m and 15m), and nothing about bills or CSAT.
    expect(report.alertsFired.find((a) => a.alert === 'SubmitAvailabilitySlowBurn')).toMatchObject({ severity: 'ticket', state: 'pending' });
    expect(report.alertsFired.filter((a) => a.state === 'firing')).toEqual([]);
    expect(report.alertsFired.filter((a) => ['bill-run-completion', 'csat-floor'].includes(a.slo ?? ''))).toEqual([]);

    const s = report.slis;
    // Exact counts, not increase()'s extrapolation past the end of the traffic: every
    // increment made (the counters were born inside the window), no more.
    expect(s.counting).toBe('delta');
    expect([s.submitRequests, s.submitServerErrors, s.freshnessReadings]).toEqual([sent, sent, sent]);
    expect(s.bySlo['submit-latency']!.events).toBe(sent);
    expect(s.submitErrorRatio).toBe(1);
    // 300 ms observations fall in the (0.25, 0.5] bucket.
    expect(s.submitLatencyP99Seconds).toBeGreaterThan(0.25);
    expect(s.submitLatencyP99Seconds).toBeLessThanOrEqual(0.5);
    expect(s.freshnessP99Seconds).toBeGreaterThan(5);
    expect(s.freshnessP99Seconds).toBeLessThanOrEqual(10);
    expect(s.bySlo['submit-availability']).toMatchObject({ errorRatio: 1, withinObjective: false, recorded5m: { peak: 1, last: 1 } });
    expect(s.bySlo['submit-latency']).toMatchObject({ errorRatio: 1, withinObjective: false });
    expect(s.bySlo['reading-freshness']).toMatchObject({ errorRatio: 1, withinObjective: false });
    // No bill run took place: no events, no ratio, not a false "within objective".
    expect(s.bySlo['bill-run-completion']).toMatchObject({ events: null, errorRatio: null, withinObjective: null });
    expect(lines.join('\n')).toContain('SubmitAvailabilityFastBurn');

    // The match really restricts the window SLIs to the run's targets.
    const other = join(state, 'other.json');
    expect(
      await reportMain(['--url', PROM, '--from', String(startedAt), '--to', String(Date.now()), '--match', '{run="another"}', '--out', other], () => {}),
    ).toBe(0);
    const none = JSON.parse(readFileSync(other, 'utf8')) as PrometheusRunReport;
    expect([none.slis.submitRequests, none.slis.submitErrorRatio, none.slis.freshnessP99Seconds]).toEqual([null, null, null]);
  });

  it('counts with increase() once a counter reset in the window (a restarted process), and says so', async () => {
    // The process "restarts": its counters begin again at 0.
    metrics.registry.resetMetrics();
    metrics.httpRequests.inc({ service: 'read-api', route: '/v1/meter-readings', method: 'POST', code: '503' }, 5);
    await new Promise((r) => setTimeout(r, 6_000));
    const out = join(state, 'reset.json');
    expect(await reportMain(['--url', PROM, '--from', String(startedAt), '--to', String(Date.now()), '--match', `{run="${RUN}"}`, '--out', out], () => {})).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as PrometheusRunReport;
    expect(report.slis.counting).toBe('increase');
    // A delta (last value minus the one before the window) would read 5 - 0 here; increase() sees the
    // counts on both sides of the reset, less what came before the first scrape (its known weakness).
    expect(report.slis.submitRequests).toBeGreaterThan(5);
  });

  it('answers 1 (nothing written) when Prometheus does not answer', async () => {
    const out = join(state, 'unreachable.json');
    const code = await reportMain(['--url', 'http://127.0.0.1:9199', '--from', String(startedAt), '--to', String(Date.now()), '--out', out], () => {});
    expect(code).toBe(1);
    expect(() => readFileSync(out)).toThrow();
  });
});
