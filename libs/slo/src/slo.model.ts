// The shape of an SLO catalog. Kept free of any Prometheus, Grafana or load-tool
// library so the catalog stays a plain, reviewable data file; the builders in
// this lib turn it into rules and thresholds.

/** A Prometheus-style duration: minutes, hours or days (e.g. `5m`, `6h`, `28d`). */
export type Window = `${number}${'m' | 'h' | 'd'}`;

export type Severity = 'page' | 'ticket';

/** One label matcher of a PromQL selector. */
export interface LabelMatcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/**
 * Ratio of bad events to all events, both read from one counter.
 * total = rate(metric{matchers}); bad = rate(metric{matchers, badMatchers}).
 */
export interface EventRatioSli {
  readonly kind: 'event-ratio';
  readonly metric: string;
  readonly matchers: readonly LabelMatcher[];
  readonly badMatchers: readonly LabelMatcher[];
}

/**
 * Share of events slower than a threshold, read from a Prometheus histogram.
 * The threshold must be one of the histogram's bucket boundaries, or the
 * ratio would be interpolated rather than counted.
 */
export interface LatencySli {
  readonly kind: 'latency';
  /** Base name of the histogram (without `_bucket`/`_count`). */
  readonly histogram: string;
  readonly matchers: readonly LabelMatcher[];
  readonly thresholdSeconds: number;
}

export type Sli = EventRatioSli | LatencySli;

/** Multi-window, multi-burn-rate alerting (Google SRE workbook, chapter 5). */
export interface BurnRateAlerting {
  readonly kind: 'burn-rate';
  /** Which severities of the catalog's burn-rate policy apply to this SLO. */
  readonly severities: readonly Severity[];
}

/**
 * A plain floor on the SLI over one window, for business SLOs whose period is
 * too short for burn rates to mean anything (a 1-day CSAT floor).
 */
export interface ThresholdAlerting {
  readonly kind: 'threshold';
  readonly window: Window;
  /** No alert below this many events in the window: too few answers are noise. */
  readonly minEvents: number;
  readonly for: Window;
  readonly severity: Severity;
}

export type SloAlerting = BurnRateAlerting | ThresholdAlerting;

/**
 * How an SLO maps onto a pass/fail threshold of the surge load test, per
 * route of the scenario (`submit`, `batch`).
 */
export type LoadTestMapping =
  /** Share of the route's requests that are bad: `error_rate < 1 - objective`. */
  | { readonly kind: 'error-rate'; readonly route: string; readonly metric: string }
  /** The route's latency at the objective's percentile: `p(objective*100) < threshold`. Only for latency SLIs. */
  | { readonly kind: 'percentile'; readonly route: string; readonly metric: string };

export interface SloDefinition {
  /** Stable kebab-case id: the `slo` label of every recorded series and alert. */
  readonly id: string;
  readonly title: string;
  /** The service whose users the SLO protects (the `service` label). */
  readonly service: string;
  /** Whether this is an engineering SLO or a business one (alerted differently). */
  readonly category: 'engineering' | 'business';
  /** One sentence a stakeholder can read: what good means. */
  readonly description: string;
  /** Target share of good events, in (0, 1). */
  readonly objective: number;
  /** The compliance period over which the error budget is counted. */
  readonly period: Window;
  readonly sli: Sli;
  readonly alerting: SloAlerting;
  readonly loadTest?: LoadTestMapping;
}

/** One long/short window pair: both must burn faster than `factor`. */
export interface BurnRateWindowPair {
  readonly factor: number;
  readonly longWindow: Window;
  readonly shortWindow: Window;
}

export interface BurnRateSeverityPolicy {
  readonly severity: Severity;
  /** Appended to the SLO's PascalCase id to name the alert, e.g. `FastBurn`. */
  readonly alertSuffix: string;
  readonly for: Window;
  readonly windows: readonly BurnRateWindowPair[];
}

export interface LoadTestSettings {
  /** The load-test scenario the thresholds belong to. */
  readonly scenario: string;
}

export interface SloCatalog {
  readonly slos: readonly SloDefinition[];
  readonly burnRatePolicy: readonly BurnRateSeverityPolicy[];
  readonly loadTest: LoadTestSettings;
}
