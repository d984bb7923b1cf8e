/**
 * The loss audit after a surge run, and its report.
 *   node dist/scripts/surge-audit.js <results.jsonl> <summary.json> <sinkMetricsUrl> <report.json>
 * where results.jsonl and summary.json are surge-load's per-request log and figures (load-tests/surge-load),
 * with CLICKHOUSE_URL / CLICKHOUSE_DATABASE naming the run's own database.
 *
 * - lost: readings the API answered 202 (or 207 "received") that are not in
 *   ClickHouse once the sink has caught up;
 * - duplicated: readings counted more than once, i.e. two accepted,
 *   non-duplicate readings (two ids) for the same register and instant (one
 *   id is one row in every query by construction: they group by reading id);
 * - every rejected or held reading has a reason code.
 * Both counts must be 0; the process exits 1 otherwise.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';
import { infraFields } from '@surge/config/config.fields';
import { clickHouseSettingsFrom, createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { histogramBuckets, parseSamples, quantile } from './prometheus-text.parser';

const [resultsLog, summaryFile, sinkMetricsUrl, reportFile] = process.argv.slice(2);
const config = loadConfig(z.object(infraFields), process.env);
const ch = createClickHouse(clickHouseSettingsFrom(config));

async function rows<T>(query: string): Promise<T[]> {
  return (await ch.query({ query, format: 'JSONEachRow' })).json<T>();
}

/** Reading id -> when it was submitted, for every reading the API answered 202 (or a batch item "received"). */
function acceptedFromLog(): Map<string, number> {
  const accepted = new Map<string, number>();
  for (const line of readFileSync(resultsLog!, 'utf8').split('\n')) {
    if (!line.includes('"ids"')) continue;
    const r = JSON.parse(line) as { t: number; latencyMs: number; ids?: string[] };
    // When the answer arrived: the 202 is the promise the sink's freshness is measured from.
    for (const id of r.ids ?? []) if (!accepted.has(id)) accepted.set(id, r.t + Math.round(r.latencyMs));
  }
  return accepted;
}

/** Best average over any `window` consecutive seconds of unique 202s. */
function sustained(times: number[], window: number): { best: number; overall: number; seconds: number } {
  if (times.length === 0) return { best: 0, overall: 0, seconds: 0 };
  // Loops, not Math.min(...times): a surge logs hundreds of thousands of times (a spread would overflow the stack).
  let t0 = Infinity;
  for (const t of times) if (t < t0) t0 = t;
  const buckets = new Map<number, number>();
  let last = 0;
  for (const t of times) {
    const b = Math.floor((t - t0) / 1000);
    buckets.set(b, (buckets.get(b) ?? 0) + 1);
    if (b > last) last = b;
  }
  const series = Array.from({ length: last + 1 }, (_, i) => buckets.get(i) ?? 0);
  let best = 0;
  let sum = 0;
  for (let i = 0; i < series.length; i++) {
    sum += series[i]!;
    if (i >= window) sum -= series[i - window]!;
    if (i >= window - 1) best = Math.max(best, sum / window);
  }
  if (series.length < window) best = sum / series.length;
  return { best, overall: times.length / series.length, seconds: series.length };
}

/** histogram_quantile over a scraped Prometheus histogram (linear within a bucket, as Prometheus does). */
function histogramQuantile(text: string, metric: string, q: number): number | null {
  return quantile(histogramBuckets(parseSamples(text), metric), q);
}

/**
 * The audit and the freshness figures are the surge's (read-api's) readings: an industry flow beside it (the
 * "flow" companion) is reported by its companion, and its 100,000 readings would otherwise show as "stored,
 * 202 not seen" and move freshness by its own (longer) decision times.
 */
const CUSTOMERS_ONLY = "channel != 'd0010'";

async function main(): Promise<void> {
  const accepted = acceptedFromLog();
  // Wait for the sink to catch up: every 202'd reading decided, or 120 s.
  const deadline = Date.now() + 120_000;
  let stored = new Set<string>();
  for (;;) {
    stored = new Set((await rows<{ reading_id: string }>(`SELECT DISTINCT reading_id FROM meter_readings WHERE ${CUSTOMERS_ONLY}`)).map((r) => r.reading_id));
    const missing = [...accepted.keys()].filter((id) => !stored.has(id)).length;
    if (missing === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const lost = [...accepted.keys()].filter((id) => !stored.has(id));
  const storedNotConfirmed = [...stored].filter((id) => !accepted.has(id)).length;

  const latest = `SELECT reading_id, any(account_id) AS a, any(supply_point_id) AS sp, any(register_id) AS reg, any(read_at) AS ra,
      argMax(status, version) AS st, argMax(duplicate_of, version) AS dup, argMax(reason_code, version) AS reason,
      any(submitted_at_ms) AS sub_ms, argMax(decided_at_ms, version) AS dec_ms
    FROM meter_readings WHERE ${CUSTOMERS_ONLY} GROUP BY reading_id`;
  const [doubleCounted] = await rows<{ n: string }>(
    `SELECT count() AS n FROM (SELECT a, sp, reg, ra, count() AS c FROM (${latest}) WHERE st = 'accepted' AND dup = '' GROUP BY a, sp, reg, ra HAVING c > 1)`,
  );
  const outcomes = await rows<{ st: string; reason: string; dup: string; n: string }>(
    `SELECT st, reason, dup != '' AS dup, count() AS n FROM (${latest}) GROUP BY st, reason, dup ORDER BY n DESC`,
  );
  const [noReason] = await rows<{ n: string }>(`SELECT count() AS n FROM (${latest}) WHERE st != 'accepted' AND reason = ''`);
  const [fresh] = await rows<{ q: number[] }>(`SELECT quantiles(0.5, 0.99)(dec_ms - sub_ms) AS q FROM (${latest})`);

  const summary = JSON.parse(readFileSync(summaryFile!, 'utf8')) as LoadSummary;
  const submit = summary.routes['submit']?.latencyMs ?? { p50: null, p95: null, p99: null, max: null };
  const thresholds = summary.thresholds.map((t) => ({ slo: t.slo, route: t.route, threshold: t.expression, value: t.value, ok: t.ok }));
  const sinkMetrics = sinkMetricsUrl ? await (await fetch(sinkMetricsUrl)).text().catch(() => '') : '';
  const rate = sustained([...accepted.values()], 60);

  const report = {
    acceptedByApi: accepted.size,
    storedInClickHouse: stored.size,
    lost: lost.length,
    duplicated: Number(doubleCounted?.n ?? 0),
    storedButNotConfirmedToClient: storedNotConfirmed,
    // 2xx answers whose reading ids the load tool could not read: readings accepted that this audit cannot check.
    unreadableAcceptances: summary.unreadableAcceptances ?? 0,
    rejectedOrHeldWithoutReason: Number(noReason?.n ?? 0),
    acceptedReadingsPerSecond: { bestSustained60s: Math.round(rate.best), overallAverage: Math.round(rate.overall), seconds: rate.seconds },
    submitLatencyMs: { p50: submit.p50, p95: submit.p95, p99: submit.p99, max: submit.max },
    submitErrorRate: summary.submitErrorRate,
    offeredReadingsPerSecond: Math.round(summary.offeredReadingsPerSecond),
    offeredRequestsPerSecond: Math.round(summary.offeredRequestsPerSecond),
    statuses: Object.fromEntries(Object.entries(summary.routes).map(([route, r]) => [route, r.statuses])),
    // Collector batches are sheddable (refused first under overload, 503 + Retry-After, so customers keep the
    // cores): how many were deferred is part of the day's story, not hidden behind the customers' SLOs.
    collectorBatches: collectorBatches(summary.routes['batch']),
    freshnessMs: {
      clickhouseDecisionP50: fresh?.q?.[0] ?? null,
      clickhouseDecisionP99: fresh?.q?.[1] ?? null,
      sinkWriteConfirmedP50: sinkMetrics ? round(histogramQuantile(sinkMetrics, 'surge_reading_freshness_seconds', 0.5), 1000) : null,
      sinkWriteConfirmedP99: sinkMetrics ? round(histogramQuantile(sinkMetrics, 'surge_reading_freshness_seconds', 0.99), 1000) : null,
    },
    outcomes: outcomes.map((o) => ({ status: o.st, reason: o.reason || null, duplicate: Number(o.dup) === 1, count: Number(o.n) })),
    thresholds,
  };
  writeFileSync(reportFile!, JSON.stringify(report, null, 2));
  console.log('\n=== loss audit');
  console.log(`  answered 202 by the API      ${report.acceptedByApi}`);
  console.log(`  present in ClickHouse        ${report.storedInClickHouse}`);
  console.log(`  LOST                         ${report.lost}`);
  console.log(`  DUPLICATED                   ${report.duplicated}`);
  console.log(`  UNREADABLE ACCEPTANCES       ${report.unreadableAcceptances} (2xx answers whose ids could not be read: not audited, so the run fails)`);
  console.log(`  stored, 202 not seen         ${report.storedButNotConfirmedToClient} (a 503'd or timed-out request whose write landed: stored once, never double counted)`);
  console.log(`  rejected/held without reason ${report.rejectedOrHeldWithoutReason}`);
  console.log('  outcomes:');
  for (const o of report.outcomes) console.log(`    ${o.status.padEnd(9)} ${(o.reason ?? (o.duplicate ? '(duplicate of an accepted reading)' : '-')).padEnd(36)} ${o.count}`);
  console.log('\n=== throughput and latency');
  console.log(`  accepted readings/s sustained (best 60 s) ${report.acceptedReadingsPerSecond.bestSustained60s}   (average over ${rate.seconds} s: ${report.acceptedReadingsPerSecond.overallAverage})`);
  console.log(`  offered readings/s (average)              ${report.offeredReadingsPerSecond}`);
  console.log(`  submit latency ms  p50 ${fmt(submit.p50)}  p95 ${fmt(submit.p95)}  p99 ${fmt(submit.p99)}  max ${fmt(submit.max)}`);
  console.log(`  submit error rate (5xx + transport) ${report.submitErrorRate}`);
  const cb = report.collectorBatches;
  if (cb) {
    console.log(
      `  collector batches (sheddable) ${cb.requests}: ${cb.deferred} deferred with 503 + Retry-After (${(100 * cb.deferredShare).toFixed(1)}%), ` +
        `${cb.readingsOffered - cb.readingsDeferred} of ${cb.readingsOffered} collector readings taken`,
    );
  }
  console.log(`  freshness ms (202 → sink's write confirmed)  p50 ${fmt(report.freshnessMs.sinkWriteConfirmedP50)}  p99 ${fmt(report.freshnessMs.sinkWriteConfirmedP99)}`);
  console.log(`  freshness ms (202 → decision, from ClickHouse rows)  p50 ${fmt(report.freshnessMs.clickhouseDecisionP50)}  p99 ${fmt(report.freshnessMs.clickhouseDecisionP99)}`);
  console.log('  SLO thresholds (surge-load):');
  for (const t of thresholds) console.log(`    ${t.ok ? 'ok  ' : 'FAIL'} ${t.slo.padEnd(22)} ${t.route} ${t.threshold}`);
  await ch.close();
  if (report.lost > 0 || report.duplicated > 0 || report.rejectedOrHeldWithoutReason > 0 || report.unreadableAcceptances > 0) process.exit(1);
}

/** What surge-load writes to summary.json (the fields the audit reads). */
interface LoadSummary {
  offeredReadingsPerSecond: number;
  offeredRequestsPerSecond: number;
  submitErrorRate: number;
  /** Older surge-load builds do not write it. */
  unreadableAcceptances?: number;
  routes: Record<string, { requests?: number; readings?: number; statuses: Record<string, number>; latencyMs: { p50: number; p95: number; p99: number; max: number } }>;
  thresholds: { slo: string; route: string; expression: string; value: number; ok: boolean }[];
}

function collectorBatches(route: LoadSummary['routes'][string] | undefined) {
  if (!route || !route.requests) return null;
  const deferred = route.statuses['503'] ?? 0;
  const perBatch = route.readings && route.requests ? route.readings / route.requests : 0;
  return {
    requests: route.requests,
    deferred,
    deferredShare: deferred / route.requests,
    readingsOffered: route.readings ?? 0,
    readingsDeferred: Math.round(deferred * perBatch),
  };
}

const round = (v: number | null, scale: number) => (v === null ? null : Math.round(v * scale));
const fmt = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(1));

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
