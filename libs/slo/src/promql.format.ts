// Small, exact formatting helpers for the PromQL the SLO builders emit.
import type { LabelMatcher, Sli, Window } from './slo.model';

const UNIT_SECONDS = { m: 60, h: 3600, d: 86400 } as const;

export function windowSeconds(window: Window): number {
  const match = /^(\d+)([mhd])$/.exec(window);
  if (!match) throw new Error(`invalid window "${window}": expected an integer and m, h or d`);
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

/** Sorts windows shortest first, dropping duplicates. */
export function sortWindows(windows: Iterable<Window>): Window[] {
  return [...new Set(windows)].sort((a, b) => windowSeconds(a) - windowSeconds(b));
}

/**
 * A number as a short decimal literal: binary floating point turns
 * `1 - 0.999` into 0.0010000000000000009, which reads badly in a rule and
 * churns the generated files; 12 significant digits is far beyond any
 * objective's precision.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return String(Number(value.toPrecision(12)));
}

/** The error budget: the share of events allowed to be bad. */
export function errorBudget(objective: number): number {
  return Number((1 - objective).toPrecision(12));
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function selector(metric: string, matchers: readonly LabelMatcher[]): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map((m) => `${m.label}${m.op}${quote(m.value)}`).join(',')}}`;
}

/**
 * Matches a histogram bucket's `le` label. Prometheus 3 normalises integral
 * bucket bounds scraped from the text format to float form (`le="5.0"`) while
 * prom-client and Prometheus 2 write `le="5"`, so whole numbers match both.
 */
export function leMatcher(thresholdSeconds: number): LabelMatcher {
  const text = formatNumber(thresholdSeconds);
  return Number.isInteger(thresholdSeconds)
    ? { label: 'le', op: '=~', value: `${text}(\\.0)?` }
    : { label: 'le', op: '=', value: text };
}

/** PromQL for the per-second rate of all events of an SLI over a window. */
export function totalRate(sli: Sli, window: Window): string {
  const series =
    sli.kind === 'event-ratio' ? selector(sli.metric, sli.matchers) : selector(`${sli.histogram}_count`, sli.matchers);
  return `sum(rate(${series}[${window}]))`;
}

/**
 * PromQL for the per-second rate of bad events. For an event ratio with no bad
 * series yet (no 5xx since start) `sum` of nothing is empty, not 0, so `or
 * vector(0)` keeps the ratio (and the budget panel) defined.
 */
export function badRate(sli: Sli, window: Window): string {
  if (sli.kind === 'event-ratio') {
    return `(sum(rate(${selector(sli.metric, [...sli.matchers, ...sli.badMatchers])}[${window}])) or vector(0))`;
  }
  const good = `sum(rate(${selector(`${sli.histogram}_bucket`, [...sli.matchers, leMatcher(sli.thresholdSeconds)])}[${window}]))`;
  return `(${totalRate(sli, window)} - ${good})`;
}

/** Raw event count of an SLI over a window (for minimum-volume guards). */
export function totalIncrease(sli: Sli, window: Window): string {
  const series =
    sli.kind === 'event-ratio' ? selector(sli.metric, sli.matchers) : selector(`${sli.histogram}_count`, sli.matchers);
  return `sum(increase(${series}[${window}]))`;
}

/** `SubmitAvailability` from `submit-availability`: alert names are PascalCase. */
export function pascalCase(id: string): string {
  return id
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
