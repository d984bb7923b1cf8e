// What Prometheus saw during one run (a surge bench, a fault test): every
// alert that was pending or firing in the window and when, and the SLIs
// Prometheus computes for the window, next to which a load tool's own figures
// can be put. This is the proof that the generated rules work on real scraped
// data, not only under `promtool test rules`.
//
// Two kinds of figures, on purpose:
// - window SLIs come from the raw counters and histograms over exactly
//   [from, to], restricted by the run's label matcher (e.g. {run="..."}), so
//   they describe this run's processes only;
// - recorded SLIs and alerts come from the generated rules, which aggregate
//   every scraped target (the rules `sum` without `by`): on a machine where only
//   the run's services take traffic they describe the run, otherwise the fleet.
//
// Counting over the window: each counter's last value in the window minus its
// value just before it (0 for a series born in the window), which is exact
// for processes that did not restart meanwhile. increase() is not used for
// that: it extrapolates to the window's edges, so a run whose traffic stops
// before the window ends reads a few percent more requests than were made.
// When a counter did reset in the window (a process restarted: fault tests),
// counting falls back to increase(), which handles resets, and says so
// (`counting: "increase"`); compare those counts with a few percent of slack.
// Quantiles are interpolated inside histogram buckets
// (libs/observability/src/metrics.catalog.ts) and a quantile beyond the last
// finite bucket reads as that bucket's bound.
import { leMatcher, selector } from '@surge/slo/promql.format';
import { SLO_CATALOG } from '@surge/slo/slo.catalog';
import type { LabelMatcher, SloCatalog, SloDefinition } from '@surge/slo/slo.model';
import { METRIC_DEFINITIONS } from '@surge/observability/metrics.catalog';
import { type PromSeries, type PrometheusApiClient, sampleNumber } from './prometheus-api.client';

/** How window counts are taken: exact deltas, or increase() when a counter reset in the window. */
export type Counting = 'delta' | 'increase';

export interface RunWindow {
  readonly fromMs: number;
  readonly toMs: number;
  /** Extra label matchers for the window SLIs, e.g. those of `{run="1764"}`. */
  readonly match: readonly LabelMatcher[];
}

export type AlertState = 'pending' | 'firing';

export interface FiredAlert {
  readonly alert: string;
  readonly severity: string | null;
  readonly slo: string | null;
  readonly state: AlertState;
  /** First and last rule evaluation inside the window that had the alert in this state (ISO 8601). */
  readonly firstActiveAt: string;
  readonly lastActiveAt: string;
  /** When the alert became active (pending), from ALERTS_FOR_STATE; may be before the window. */
  readonly activeSince: string | null;
  /** The alert's labels other than alertname and alertstate. */
  readonly labels: Record<string, string>;
}

export interface SloWindowSli {
  readonly objective: number;
  /** Events and bad events over the window (null when there were no events). */
  readonly events: number | null;
  readonly badEvents: number | null;
  /** badEvents / events over the window; null when there were no events. */
  readonly errorRatio: number | null;
  /** errorRatio within the error budget (1 - objective); null when there were no events. */
  readonly withinObjective: boolean | null;
  /** The recorded slo:sli_error:ratio_rate5m during the window: its highest and its last value. */
  readonly recorded5m: { readonly peak: number | null; readonly last: number | null };
}

export interface PrometheusSlis {
  /** How the counts were taken (see the top of this file). */
  readonly counting: Counting;
  readonly submitRequests: number | null;
  readonly submitServerErrors: number | null;
  /** 5xx / all submits over the window (the submit-availability SLI). */
  readonly submitErrorRatio: number | null;
  readonly submitLatencyP95Seconds: number | null;
  readonly submitLatencyP99Seconds: number | null;
  readonly freshnessReadings: number | null;
  readonly freshnessP95Seconds: number | null;
  readonly freshnessP99Seconds: number | null;
  /** Every SLO of the catalog, by id. */
  readonly bySlo: Record<string, SloWindowSli>;
}

export interface PrometheusRunReport {
  readonly prometheus: string;
  readonly from: string;
  readonly to: string;
  readonly windowSeconds: number;
  readonly match: string | null;
  readonly alertsFired: FiredAlert[];
  readonly slis: PrometheusSlis;
}

const SUBMIT: readonly LabelMatcher[] = [
  { label: 'service', op: '=', value: 'read-api' },
  { label: 'route', op: '=', value: '/v1/meter-readings' },
  { label: 'method', op: '=', value: 'POST' },
];

/**
 * Parses a PromQL label-matcher list such as `{run="1764",job=~"read-.*"}`.
 * Throws with the offending text when it is not one.
 */
export function parseMatchers(text: string | undefined): LabelMatcher[] {
  if (text === undefined || text.trim() === '') return [];
  const body = /^\s*\{(.*)\}\s*$/s.exec(text);
  if (!body) throw new Error(`--match must be a label matcher list in braces, e.g. {run="1764"}; got ${text}`);
  const matchers: LabelMatcher[] = [];
  const one = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;
  const inner = body[1]!;
  while (one.lastIndex < inner.length) {
    const start = one.lastIndex;
    const m = one.exec(inner);
    if (!m) {
      if (inner.slice(start).trim() === '') break;
      throw new Error(`--match: cannot read a label matcher at "${inner.slice(start)}" (expected label="value")`);
    }
    matchers.push({ label: m[1]!, op: m[2] as LabelMatcher['op'], value: m[3]!.replace(/\\(.)/g, '$1') });
  }
  return matchers;
}

/** The window as a PromQL range, to the millisecond. */
export function rangeOf(window: RunWindow): string {
  const ms = Math.round(window.toMs - window.fromMs);
  if (!(ms > 0)) throw new Error(`the window is empty: from ${window.fromMs} is not before to ${window.toMs}`);
  return `${ms}ms`;
}

/**
 * PromQL for what a counter (or each `by` group of it) counted in the window:
 * `delta` = its last value in the window minus its value just before the window
 * (none before: 0); `increase` = increase() over the window.
 */
export function windowCount(series: string, window: RunWindow, counting: Counting, by?: string): string {
  const range = rangeOf(window);
  const agg = by === undefined ? 'sum' : `sum by (${by})`;
  if (counting === 'increase') return `${agg} (increase(${series}[${range}]))`;
  const last = `${agg} (last_over_time(${series}[${range}]))`;
  const before = `${agg} (last_over_time(${series}[5m] @ ${(window.fromMs / 1000).toFixed(3)}))`;
  return `(${last} - (${before} or ${last} * 0))`;
}

/** PromQL for the events and bad (or good) events of an SLO over the window. */
export function sloWindowQueries(
  slo: SloDefinition,
  window: RunWindow,
  counting: Counting,
): { events: string; bad: string } | { events: string; good: string } {
  const sli = slo.sli;
  const all = [...sli.matchers, ...window.match];
  if (sli.kind === 'event-ratio') {
    return {
      events: windowCount(selector(sli.metric, all), window, counting),
      bad: windowCount(selector(sli.metric, [...all, ...sli.badMatchers]), window, counting),
    };
  }
  return {
    events: windowCount(selector(`${sli.histogram}_count`, all), window, counting),
    good: windowCount(selector(`${sli.histogram}_bucket`, [...all, leMatcher(sli.thresholdSeconds)]), window, counting),
  };
}

export function quantileQuery(histogram: string, matchers: readonly LabelMatcher[], q: number, window: RunWindow, counting: Counting): string {
  return `histogram_quantile(${q}, ${windowCount(selector(`${histogram}_bucket`, matchers), window, counting, 'le')})`;
}

/** PromQL counting the resets of every counter the window SLIs read: above 0, count with increase(). */
export function resetsQuery(window: RunWindow, catalog: SloCatalog): string {
  const names = new Set<string>([
    METRIC_DEFINITIONS.httpRequests.name,
    `${METRIC_DEFINITIONS.httpRequestDuration.name}_count`,
    `${METRIC_DEFINITIONS.readingFreshness.name}_count`,
  ]);
  for (const slo of catalog.slos) names.add(slo.sli.kind === 'event-ratio' ? slo.sli.metric : `${slo.sli.histogram}_count`);
  const series = selector('', [{ label: '__name__', op: '=~', value: [...names].sort().join('|') }, ...window.match]);
  return `sum(resets(${series}[${rangeOf(window)}]))`;
}

const iso = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString();

/**
 * Folds the raw ALERTS and ALERTS_FOR_STATE samples of the window into one
 * entry per alert, labels and state, in the order they first became active.
 */
export function foldAlerts(alerts: readonly PromSeries[], forState: readonly PromSeries[]): FiredAlert[] {
  const labelsOf = (metric: Record<string, string>): Record<string, string> => {
    const { __name__: _n, alertname: _a, alertstate: _s, ...rest } = metric;
    return Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
  };
  const keyOf = (alert: string, labels: Record<string, string>): string => JSON.stringify([alert, labels]);
  const since = new Map<string, number>();
  for (const s of forState) {
    const alert = s.metric.alertname ?? '';
    const key = keyOf(alert, labelsOf(s.metric));
    for (const [, v] of s.values) {
      const at = sampleNumber(v);
      if (at !== null) since.set(key, Math.min(since.get(key) ?? Infinity, at));
    }
  }
  const fired: (FiredAlert & { first: number })[] = [];
  for (const s of alerts) {
    const times = s.values.filter(([, v]) => sampleNumber(v) !== null).map(([t]) => t);
    if (times.length === 0) continue;
    const alert = s.metric.alertname ?? '';
    const labels = labelsOf(s.metric);
    const state: AlertState = s.metric.alertstate === 'firing' ? 'firing' : 'pending';
    const first = Math.min(...times);
    const activeSince = since.get(keyOf(alert, labels));
    fired.push({
      alert,
      severity: labels.severity ?? null,
      slo: labels.slo ?? null,
      state,
      firstActiveAt: iso(first),
      lastActiveAt: iso(Math.max(...times)),
      activeSince: activeSince === undefined ? null : iso(activeSince),
      labels,
      first,
    });
  }
  return fired
    .sort((a, b) => a.first - b.first || a.alert.localeCompare(b.alert) || a.state.localeCompare(b.state))
    .map(({ first: _f, ...rest }) => rest);
}

/** A single-value vector's value; an empty vector (no series at all) as `empty`. */
function scalarOf(samples: readonly { value: [number, string] }[], empty: number | null = null): number | null {
  return samples.length === 0 ? empty : sampleNumber(samples[0]!.value[1]);
}

// Deltas of counters are whole already; increase() estimates are rounded.
const whole = (n: number | null): number | null => (n === null ? null : Math.round(n));

export async function buildPrometheusRunReport(
  client: PrometheusApiClient,
  prometheusUrl: string,
  window: RunWindow,
  matchText: string | null,
  catalog: SloCatalog = SLO_CATALOG,
): Promise<PrometheusRunReport> {
  const at = window.toMs / 1000;
  const range = rangeOf(window);
  const vector = async (expr: string, empty: number | null = null) => scalarOf(await client.vector(expr, at), empty);

  const [alerts, forState, recorded] = await Promise.all([
    client.rawSamples(`ALERTS[${range}]`, at),
    client.rawSamples(`ALERTS_FOR_STATE[${range}]`, at),
    client.rawSamples(`slo:sli_error:ratio_rate5m[${range}]`, at),
  ]);

  const counting: Counting = ((await vector(resetsQuery(window, catalog), 0)) ?? 0) > 0 ? 'increase' : 'delta';
  const count = (series: string) => windowCount(series, window, counting);

  const bySlo: Record<string, SloWindowSli> = {};
  for (const slo of catalog.slos) {
    const q = sloWindowQueries(slo, window, counting);
    const events = await vector(q.events);
    // A latency SLI counts the good (under the threshold) and derives the bad.
    const bad =
      'bad' in q
        ? await vector(q.bad, events === null ? null : 0)
        : events === null
          ? null
          : Math.max(0, events - ((await vector(q.good, 0)) ?? 0));
    const errorRatio = events !== null && events > 0 && bad !== null ? bad / events : null;
    const series = recorded.filter((s) => s.metric.slo === slo.id).flatMap((s) => s.values);
    series.sort(([a], [b]) => a - b);
    const values = series.map(([, v]) => sampleNumber(v)).filter((v): v is number => v !== null);
    bySlo[slo.id] = {
      objective: slo.objective,
      events: whole(events),
      badEvents: whole(bad),
      errorRatio,
      withinObjective: errorRatio === null ? null : errorRatio <= 1 - slo.objective + 1e-12,
      recorded5m: { peak: values.length ? Math.max(...values) : null, last: values.length ? values[values.length - 1]! : null },
    };
  }

  const submit = [...SUBMIT, ...window.match];
  const http = METRIC_DEFINITIONS.httpRequests.name;
  const duration = METRIC_DEFINITIONS.httpRequestDuration.name;
  const freshness = METRIC_DEFINITIONS.readingFreshness.name;
  const submitRequests = await vector(count(selector(http, submit)));
  const submitServerErrors = await vector(
    count(selector(http, [...submit, { label: 'code', op: '=~', value: '5..' }])),
    submitRequests === null ? null : 0,
  );
  const freshnessReadings = await vector(count(selector(`${freshness}_count`, window.match)));

  return {
    prometheus: prometheusUrl,
    from: new Date(window.fromMs).toISOString(),
    to: new Date(window.toMs).toISOString(),
    windowSeconds: (window.toMs - window.fromMs) / 1000,
    match: matchText,
    alertsFired: foldAlerts(alerts, forState),
    slis: {
      counting,
      submitRequests: whole(submitRequests),
      submitServerErrors: whole(submitServerErrors),
      submitErrorRatio:
        submitRequests !== null && submitRequests > 0 && submitServerErrors !== null ? submitServerErrors / submitRequests : null,
      submitLatencyP95Seconds: await vector(quantileQuery(duration, submit, 0.95, window, counting)),
      submitLatencyP99Seconds: await vector(quantileQuery(duration, submit, 0.99, window, counting)),
      freshnessReadings: whole(freshnessReadings),
      freshnessP95Seconds: await vector(quantileQuery(freshness, window.match, 0.95, window, counting)),
      freshnessP99Seconds: await vector(quantileQuery(freshness, window.match, 0.99, window, counting)),
      bySlo,
    },
  };
}
