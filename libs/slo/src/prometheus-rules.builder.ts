// Builds Prometheus recording and alerting rules (as plain objects, serialised
// to YAML by scripts/generate-slo-artifacts.ts) from the SLO catalog.
//
// Recorded series, all labelled {slo, service}:
//   slo:sli_error:ratio_rate<w>        bad/total events over each alert window w,
//                                      from the raw metrics
//   slo:sli_error_events:rate5m        bad events per second (5m)
//   slo:sli_events:rate5m              all events per second (5m)
//   slo:sli_error:ratio_rate<period>   over the compliance period, as the ratio of
//                                      the sums of the 5m rates: a 28-day range over
//                                      raw per-pod series would be far too costly
//   slo:objective:ratio                the objective, for dashboards
//   slo:error_budget:remaining_ratio   1 - period error ratio / budget (may go negative)
import { assertValidCatalog } from './slo-catalog.validator';
import {
  badRate,
  errorBudget,
  formatNumber,
  pascalCase,
  sortWindows,
  totalIncrease,
  totalRate,
} from './promql.format';
import type { BurnRateSeverityPolicy, SloCatalog, SloDefinition, Window } from './slo.model';

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup<R> {
  name: string;
  rules: R[];
}

export interface RuleFile<R> {
  groups: RuleGroup<R>[];
}

/** Where a rule's runbook lives; alerts link to the SLO's section there. */
export const RUNBOOK_BASE = 'docs/slo.md';
export const OVERVIEW_DASHBOARD_UID = 'surge-slo-overview';

export const SHORTEST_WINDOW: Window = '5m';

export function errorRatioRecord(window: string): string {
  return `slo:sli_error:ratio_rate${window}`;
}

/** The windows recorded from raw metrics for one SLO: its alert windows and 5m. */
export function rawWindows(slo: SloDefinition, catalog: SloCatalog): Window[] {
  const windows: Window[] = [SHORTEST_WINDOW];
  if (slo.alerting.kind === 'burn-rate') {
    for (const severity of slo.alerting.severities) {
      for (const pair of policyFor(catalog, severity).windows) windows.push(pair.longWindow, pair.shortWindow);
    }
  } else {
    windows.push(slo.alerting.window);
  }
  // The period is recorded from the 5m rates instead, under the same name.
  return sortWindows(windows).filter((w) => w !== slo.period);
}

function policyFor(catalog: SloCatalog, severity: string): BurnRateSeverityPolicy {
  const policy = catalog.burnRatePolicy.find((p) => p.severity === severity);
  if (!policy) throw new Error(`no burn-rate policy for severity ${severity}`);
  return policy;
}

function sloLabels(slo: SloDefinition): Record<string, string> {
  return { slo: slo.id, service: slo.service };
}

function ref(record: string, slo: SloDefinition): string {
  return `${record}{slo="${slo.id}"}`;
}

export function buildRecordingRules(catalog: SloCatalog): RuleFile<RecordingRule> {
  assertValidCatalog(catalog);
  return {
    groups: catalog.slos.map((slo) => {
      const labels = sloLabels(slo);
      const rules: RecordingRule[] = rawWindows(slo, catalog).map((window) => ({
        record: errorRatioRecord(window),
        expr: `${badRate(slo.sli, window)} / ${totalRate(slo.sli, window)}`,
        labels,
      }));
      const budget = formatNumber(errorBudget(slo.objective));
      rules.push(
        { record: 'slo:sli_error_events:rate5m', expr: badRate(slo.sli, '5m'), labels },
        { record: 'slo:sli_events:rate5m', expr: totalRate(slo.sli, '5m'), labels },
        {
          record: errorRatioRecord(slo.period),
          expr:
            `sum_over_time(${ref('slo:sli_error_events:rate5m', slo)}[${slo.period}])` +
            ` / sum_over_time(${ref('slo:sli_events:rate5m', slo)}[${slo.period}])`,
          labels,
        },
        { record: 'slo:objective:ratio', expr: `vector(${formatNumber(slo.objective)})`, labels },
        {
          record: 'slo:error_budget:remaining_ratio',
          expr: `1 - ${ref(errorRatioRecord(slo.period), slo)} / ${budget}`,
          labels,
        },
      );
      return { name: `slo-${slo.id}`, rules };
    }),
  };
}

function percent(objective: number): string {
  return `${formatNumber(objective * 100)}%`;
}

function describePolicy(policy: BurnRateSeverityPolicy): string {
  return policy.windows
    .map((p) => `${formatNumber(p.factor)}x over ${p.longWindow} and ${p.shortWindow}`)
    .join(', or ');
}

export function alertName(slo: SloDefinition, policy: BurnRateSeverityPolicy): string {
  return `${pascalCase(slo.id)}${policy.alertSuffix}`;
}

export function thresholdAlertName(slo: SloDefinition): string {
  return `${pascalCase(slo.id)}BelowObjective`;
}

/**
 * Annotations are static text on purpose: the alert's value is on the linked
 * dashboard, and static text keeps `promtool test rules` expectations exact.
 */
export function buildAlertRules(catalog: SloCatalog): RuleFile<AlertingRule> {
  assertValidCatalog(catalog);
  const rules: AlertingRule[] = [];
  for (const slo of catalog.slos) {
    const budget = formatNumber(errorBudget(slo.objective));
    const common = {
      runbook_url: `${RUNBOOK_BASE}#${slo.id}`,
      dashboard: `/d/${OVERVIEW_DASHBOARD_UID}`,
    };
    const objective = `${percent(slo.objective)} over ${slo.period}`;
    if (slo.alerting.kind === 'burn-rate') {
      for (const severity of slo.alerting.severities) {
        const policy = policyFor(catalog, severity);
        const expr = policy.windows
          .map((pair) => {
            const limit = `(${formatNumber(pair.factor)} * ${budget})`;
            return (
              `(${ref(errorRatioRecord(pair.longWindow), slo)} > ${limit}` +
              ` and ${ref(errorRatioRecord(pair.shortWindow), slo)} > ${limit})`
            );
          })
          .join(' or ');
        rules.push({
          alert: alertName(slo, policy),
          expr,
          for: policy.for,
          labels: { severity, slo: slo.id, service: slo.service, category: slo.category },
          annotations: {
            summary: `${slo.title} is burning its error budget`,
            description: `Burn rate above ${describePolicy(policy)}; 1x spends the whole budget in ${slo.period}. Objective ${objective}.`,
            ...common,
          },
        });
      }
    } else {
      const a = slo.alerting;
      rules.push({
        alert: thresholdAlertName(slo),
        expr:
          `(${ref(errorRatioRecord(a.window), slo)} > ${budget})` +
          ` and on() (${totalIncrease(slo.sli, a.window)} >= ${formatNumber(a.minEvents)})`,
        for: a.for,
        labels: { severity: a.severity, slo: slo.id, service: slo.service, category: slo.category },
        annotations: {
          summary: `${slo.title} is below its objective`,
          description: `Below ${percent(slo.objective)} over the last ${a.window}, with at least ${formatNumber(a.minEvents)} events.`,
          ...common,
        },
      });
    }
  }
  return { groups: [{ name: 'slo-alerts', rules }] };
}
