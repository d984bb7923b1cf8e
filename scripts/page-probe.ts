/**
 * The Chromium page probe: through a whole surge, every few seconds, a fresh
 * browser context (cold cache: a first visit) loads customer-web's submit page,
 * signs in with the probe's own development account and submits a reading, and
 * records what a customer waits for: TTFB and LCP of the page, and the time
 * from pressing Submit to the API's answer on screen (the page's own measure).
 * Writes p50/p95/p99 of each and the page-* SLO verdicts from
 * load-tests/slo-thresholds.json (route "page"); exits 99 when one is broken.
 *   node dist/scripts/page-probe.js --url http://127.0.0.1:3004 --state .stack --duration 180 --every 3 --out page-probe.json
 * --state is accepted for symmetry with the other scripts: the probe signs in through customer-web's
 * development sign-in, so it needs no key of its own.
 * Bounded: one page at a time, at most 3600 s, no faster than one load a second, loopback targets only.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

interface Args {
  url: string;
  state: string;
  duration: number;
  every: number;
  out: string | undefined;
  chromium: string;
  thresholds: string;
}

export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface PageProbeReport {
  url: string;
  startedAt: string;
  endedAt: string;
  iterations: number;
  failures: { at: string; error: string }[];
  metrics: { ttfb_ms: Percentiles; lcp_ms: Percentiles; submit_to_answer_ms: Percentiles };
  slos: { slo: string; metric: string; expression: string; percentile: number; maxMs: number; value: number | null; ok: boolean }[];
  /**
   * CPU seconds the browser used (every Chromium process, reaped: the cutime + cstime of this process after the
   * browser closed), null where /proc is not there. On one box the customer's device shares the platform's cores.
   */
  browserCpuSeconds: number | null;
}

export function parseArgs(argv: string[]): Args {
  const get = (name: string, fallback?: string) => {
    const i = argv.indexOf(`--${name}`);
    const v = i >= 0 ? argv[i + 1] : fallback;
    if (v === undefined) throw new Error(`--${name} is required`);
    return v;
  };
  const args: Args = {
    url: get('url', 'http://127.0.0.1:3004'),
    state: get('state', '.stack'),
    duration: Number(get('duration', '180')),
    every: Number(get('every', '3')),
    out: argv.includes('--out') ? get('out') : undefined,
    chromium: get('chromium', '/usr/bin/chromium'),
    thresholds: get('thresholds', join(__dirname, '..', '..', 'load-tests', 'slo-thresholds.json')),
  };
  const host = new URL(args.url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) throw new Error(`the probe only targets loopback, not ${host}`);
  if (!(args.duration > 0 && args.duration <= 3600)) throw new Error('--duration is 1 to 3600 seconds');
  if (!(args.every >= 1 && args.every <= 60)) throw new Error('--every is 1 to 60 seconds');
  return args;
}

/** Nearest-rank percentile, as the load tool computes its own. */
export function percentiles(values: readonly number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => (s.length === 0 ? null : Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! * 10) / 10);
  return { count: s.length, p50: at(50), p95: at(95), p99: at(99) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const runTag = Date.now().toString(36);
  const account = `PROBE-${runTag}`;
  const samples = { ttfb_ms: [] as number[], lcp_ms: [] as number[], submit_to_answer_ms: [] as number[] };
  const failures: PageProbeReport['failures'] = [];
  const startedAt = new Date();
  const browser = await puppeteer.launch({ executablePath: args.chromium, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  let iterations = 0;
  try {
    const end = Date.now() + args.duration * 1000;
    while (Date.now() < end) {
      const tickStarted = Date.now();
      iterations++;
      const ctx = await browser.createBrowserContext();
      let submitting = false;
      try {
        const page = await ctx.newPage();
        page.setDefaultTimeout(30_000);
        await page.goto(`${args.url}/`, { waitUntil: 'load' });
        // LCP is read before any input: the first input ends LCP measurement.
        const { ttfb, lcp } = await page.evaluate(async () => {
          // Runs in the page: browser globals, which this Node program has no types for.
          const w = globalThis as any;
          const nav = w.performance.getEntriesByType('navigation')[0];
          const lcp = await new Promise<number>((resolve) => {
            let last = 0;
            new w.PerformanceObserver((l: any) => {
              for (const e of l.getEntries()) last = e.startTime;
            }).observe({ type: 'largest-contentful-paint', buffered: true });
            setTimeout(() => resolve(last), 300);
          });
          return { ttfb: nav.responseStart - nav.startTime, lcp };
        });
        samples.ttfb_ms.push(ttfb);
        if (lcp > 0) samples.lcp_ms.push(lcp);
        await page.type('#account', account);
        await page.click('#sign-in-form button[type=submit]');
        await page.waitForSelector('#digit-0', { visible: true });
        const value = String(10000 + iterations).slice(-5);
        for (let i = 0; i < value.length; i++) await page.type(`#digit-${i}`, value[i]!);
        await page.click('#submit');
        submitting = true;
        const handle = await page.waitForFunction(() => (globalThis as unknown as { __surge: { timings: { metric: string; ms: number }[] } }).__surge.timings.find((t) => t.metric === 'submit_to_answer')?.ms, { polling: 50 });
        samples.submit_to_answer_ms.push(Number(await handle.jsonValue()));
        const answer = await page.$eval('#outcome', (e) => e.className);
        if (answer !== 'received') failures.push({ at: new Date().toISOString(), error: `the API answered ${answer}, not received` });
      } catch (e) {
        failures.push({ at: new Date().toISOString(), error: String((e as Error).message ?? e).slice(0, 300) });
        // A customer still waiting for an answer after 30 s waited at least that long: a bad sample, not a missing one.
        if (submitting) samples.submit_to_answer_ms.push(30_000);
      } finally {
        await ctx.close().catch(() => undefined);
      }
      const wait = tickStarted + args.every * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, end - Date.now()))));
    }
  } finally {
    await browser.close();
  }
  const metrics = { ttfb_ms: percentiles(samples.ttfb_ms), lcp_ms: percentiles(samples.lcp_ms), submit_to_answer_ms: percentiles(samples.submit_to_answer_ms) };
  const file = JSON.parse(readFileSync(args.thresholds, 'utf8')) as { thresholds: { slo: string; route: string; kind: string; metric: string; expression: string; percentile?: number; maxMs?: number }[] };
  const slos = file.thresholds
    .filter((t) => t.route === 'page' && t.kind === 'percentile')
    .map((t) => {
      // page_lcp_ms -> lcp_ms: the catalog's load-test metric names the probe's figure.
      const key = t.metric.replace(/^page_/, '') as keyof typeof samples;
      const sorted = [...(samples[key] ?? [])].sort((a, b) => a - b);
      const value = sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil((t.percentile! / 100) * sorted.length) - 1)]!;
      // No sample proves nothing: a latency objective without loads is not met.
      return { slo: t.slo, metric: t.metric, expression: t.expression, percentile: t.percentile!, maxMs: t.maxMs!, value: value === null ? null : Math.round(value * 10) / 10, ok: value !== null && value < t.maxMs! };
    });
  const report: PageProbeReport = { url: args.url, startedAt: startedAt.toISOString(), endedAt: new Date().toISOString(), iterations, failures, metrics, slos, browserCpuSeconds: reapedChildrenCpuSeconds() };
  const text = JSON.stringify(report, null, 2);
  if (args.out) writeFileSync(args.out, `${text}\n`);
  console.log(text);
  if (slos.some((s) => !s.ok)) process.exit(99);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}

/** CPU of this process's reaped descendants (fields 16 and 17 of /proc/self/stat, in USER_HZ = 100). */
function reapedChildrenCpuSeconds(): number | null {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
    // After "pid (comm) ", field 3 (state) is index 0: cutime (16) and cstime (17) are indexes 13 and 14.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}
