/**
 * What Prometheus saw during a run: every alert that was pending or firing and
 * when, and the SLIs Prometheus computed, to put next to a load tool's own
 * figures. Read only (Prometheus's HTTP query API).
 *
 *   node dist/scripts/prometheus-report.js --url http://127.0.0.1:9090 \
 *     --from <epochMs> --to <epochMs> [--match '{run="<id>"}'] --out <file.json>
 *
 * --url    Prometheus (default http://127.0.0.1:9090, the native stack's).
 * --from, --to  the window, epoch milliseconds (e.g. `date +%s%3N`).
 * --match  label matchers restricting the window SLIs to one run's targets
 *          (the run label of its file_sd targets file). Alerts and recorded
 *          SLIs come from the generated rules, which aggregate every target.
 * --out    where the JSON goes; a short table is printed to stdout as well.
 *
 * The JSON (stable: scripts/surge-bench.sh merges it into report.json):
 *   { prometheus, from, to, windowSeconds, match,
 *     alertsFired: [{ alert, severity, slo, state: "pending"|"firing",
 *                     firstActiveAt, lastActiveAt, activeSince, labels }],
 *     slis: { counting: "delta"|"increase", submitRequests, submitServerErrors, submitErrorRatio,
 *             submitLatencyP95Seconds, submitLatencyP99Seconds,
 *             freshnessReadings, freshnessP95Seconds, freshnessP99Seconds,
 *             bySlo: { <slo id>: { objective, events, badEvents, errorRatio,
 *                                  withinObjective, recorded5m: { peak, last } } } } }
 * Times are ISO 8601; null = no data. Counts are exact ("delta": last value in
 * the window minus the one before it) unless a counter reset in the window
 * (a process restarted), then increase() estimates ("increase").
 * See libs/observability/src/prometheus-run.reporter.ts for what each figure means.
 *
 * Exit 0 when written, 1 when Prometheus did not answer or a query failed
 * (nothing written), 2 on bad arguments.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs as parseCliArgs } from 'node:util';
import { PrometheusApiClient } from '@surge/observability-artifacts/prometheus-api.client';
import {
  type PrometheusRunReport,
  buildPrometheusRunReport,
  parseMatchers,
} from '@surge/observability-artifacts/prometheus-run.reporter';
import type { LabelMatcher } from '@surge/slo/slo.model';

export interface ReportArgs {
  url: string;
  fromMs: number;
  toMs: number;
  matchText: string | null;
  match: LabelMatcher[];
  out: string;
}

export class UsageError extends Error {}

const USAGE =
  'usage: prometheus-report --url http://127.0.0.1:9090 --from <epochMs> --to <epochMs> [--match \'{run="<id>"}\'] --out <file.json>';

export function parseArgs(argv: readonly string[]): ReportArgs {
  // node:util's parser, as the other scripts use: strict, so an unknown or valueless flag is a usage error.
  let values: Partial<Record<'url' | 'from' | 'to' | 'match' | 'out', string>>;
  try {
    ({ values } = parseCliArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { url: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, match: { type: 'string' }, out: { type: 'string' } },
    }));
  } catch (e) {
    const unknown = /Unknown option '([^']+)'/.exec((e as Error).message)?.[1];
    throw new UsageError(`${unknown ? `unknown argument ${unknown}` : (e as Error).message}\n${USAGE}`);
  }
  const epochMs = (name: string): number => {
    const text = values[name.slice(2) as 'from' | 'to'];
    if (text === undefined) throw new UsageError(`${name} is required\n${USAGE}`);
    const n = Number(text);
    // Seconds passed by mistake would silently query 1970: insist on milliseconds.
    if (!/^\d+(\.\d+)?$/.test(text) || n < 1e11) throw new UsageError(`${name} must be epoch milliseconds (e.g. $(date +%s%3N)); got ${text}`);
    return n;
  };
  const fromMs = epochMs('--from');
  const toMs = epochMs('--to');
  if (toMs <= fromMs) throw new UsageError(`--to (${toMs}) must be after --from (${fromMs})`);
  const out = values.out;
  if (!out) throw new UsageError(`--out is required\n${USAGE}`);
  const matchText = values.match?.trim() || null;
  let match: LabelMatcher[];
  try {
    match = parseMatchers(matchText ?? undefined);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { url: values.url ?? 'http://127.0.0.1:9090', fromMs, toMs, matchText, match, out };
}

const pct = (r: number | null): string => (r === null ? 'n/a' : `${(100 * r).toFixed(3)}%`);
const ms = (s: number | null): string => (s === null ? 'n/a' : `${Math.round(s * 1000)} ms`);
const sec = (s: number | null): string => (s === null ? 'n/a' : `${s.toFixed(2)} s`);
const count = (n: number | null): string => (n === null ? 'n/a' : String(n));

export function formatTable(r: PrometheusRunReport): string {
  const lines = [
    `Prometheus ${r.prometheus}: ${r.from} to ${r.to} (${r.windowSeconds} s)${r.match ? `, window SLIs for ${r.match}` : ''} (counts: ${r.slis.counting})`,
  ];
  if (r.alertsFired.length === 0) lines.push('alerts: none pending or firing');
  else {
    lines.push(`alerts (${r.alertsFired.length}):`);
    for (const a of r.alertsFired) {
      lines.push(
        `  ${a.alert.padEnd(28)} ${(a.severity ?? '-').padEnd(7)} ${(a.slo ?? '-').padEnd(20)} ${a.state.padEnd(8)} ${a.firstActiveAt} .. ${a.lastActiveAt}`,
      );
    }
  }
  const s = r.slis;
  lines.push(
    `submits: ${count(s.submitRequests)}, 5xx ${count(s.submitServerErrors)} (${pct(s.submitErrorRatio)}), ` +
      `latency p95 ${ms(s.submitLatencyP95Seconds)}, p99 ${ms(s.submitLatencyP99Seconds)}`,
    `freshness: ${count(s.freshnessReadings)} readings, p95 ${sec(s.freshnessP95Seconds)}, p99 ${sec(s.freshnessP99Seconds)}`,
    `${'slo'.padEnd(22)}${'objective'.padEnd(11)}${'events'.padEnd(10)}${'bad'.padEnd(8)}${'error ratio'.padEnd(13)}${'within'.padEnd(8)}recorded 5m peak`,
  );
  for (const [id, v] of Object.entries(s.bySlo)) {
    lines.push(
      `${id.padEnd(22)}${`${(v.objective * 100).toFixed(1)}%`.padEnd(11)}${count(v.events).padEnd(10)}${count(v.badEvents).padEnd(8)}` +
        `${pct(v.errorRatio).padEnd(13)}${(v.withinObjective === null ? 'n/a' : v.withinObjective ? 'yes' : 'NO').padEnd(8)}${pct(v.recorded5m.peak)}`,
    );
  }
  return lines.join('\n');
}

export async function main(argv: readonly string[], log: (line: string) => void = console.log): Promise<number> {
  let args: ReportArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`prometheus-report: ${e.message}`);
    return 2;
  }
  try {
    const report = await buildPrometheusRunReport(
      new PrometheusApiClient(args.url),
      args.url,
      { fromMs: args.fromMs, toMs: args.toMs, match: args.match },
      args.matchText,
    );
    writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
    log(formatTable(report));
    log(`prometheus-report: wrote ${args.out}`);
    return 0;
  } catch (e) {
    console.error(`prometheus-report: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
