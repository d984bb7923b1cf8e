// Rejects a catalog that would generate rules that load but mean nothing
// (an objective of 1 has no budget; a burn-rate SLO whose period is shorter
// than its alert windows can never alert sensibly).
import { windowSeconds } from './promql.format';
import type { SloCatalog } from './slo.model';

const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function validateCatalog(catalog: SloCatalog): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  const severities = new Set(catalog.burnRatePolicy.map((p) => p.severity));
  if (severities.size !== catalog.burnRatePolicy.length) problems.push('burnRatePolicy: one entry per severity');
  const suffixes = new Set(catalog.burnRatePolicy.map((p) => p.alertSuffix));
  if (suffixes.size !== catalog.burnRatePolicy.length) problems.push('burnRatePolicy: alertSuffix must be unique');

  const windowProblem = (where: string, window: string): void => {
    try {
      windowSeconds(window as never);
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
  };

  for (const policy of catalog.burnRatePolicy) {
    windowProblem(`burnRatePolicy.${policy.severity}.for`, policy.for);
    if (policy.windows.length === 0) problems.push(`burnRatePolicy.${policy.severity}: no windows`);
    for (const pair of policy.windows) {
      windowProblem(`burnRatePolicy.${policy.severity}`, pair.longWindow);
      windowProblem(`burnRatePolicy.${policy.severity}`, pair.shortWindow);
      if (!(pair.factor > 0)) problems.push(`burnRatePolicy.${policy.severity}: factor must be > 0`);
    }
  }

  for (const slo of catalog.slos) {
    const at = `slo ${slo.id}`;
    if (!ID.test(slo.id)) problems.push(`${at}: id must be kebab-case`);
    if (ids.has(slo.id)) problems.push(`${at}: duplicate id`);
    ids.add(slo.id);
    if (!(slo.objective > 0 && slo.objective < 1)) problems.push(`${at}: objective must be strictly between 0 and 1`);
    windowProblem(`${at}.period`, slo.period);

    const metric = slo.sli.kind === 'event-ratio' ? slo.sli.metric : slo.sli.histogram;
    if (!METRIC.test(metric)) problems.push(`${at}: invalid metric name "${metric}"`);
    const matchers = [...slo.sli.matchers, ...(slo.sli.kind === 'event-ratio' ? slo.sli.badMatchers : [])];
    for (const m of matchers) {
      if (!LABEL.test(m.label) || m.label === 'le') problems.push(`${at}: invalid matcher label "${m.label}"`);
    }
    if (slo.sli.kind === 'event-ratio' && slo.sli.badMatchers.length === 0) {
      problems.push(`${at}: an event-ratio SLI needs badMatchers`);
    }
    if (slo.sli.kind === 'latency' && !(slo.sli.thresholdSeconds > 0)) problems.push(`${at}: threshold must be > 0`);

    if (slo.alerting.kind === 'burn-rate') {
      if (slo.alerting.severities.length === 0) problems.push(`${at}: no alert severities`);
      for (const severity of slo.alerting.severities) {
        const policy = catalog.burnRatePolicy.find((p) => p.severity === severity);
        if (!policy) {
          problems.push(`${at}: no burn-rate policy for severity ${severity}`);
          continue;
        }
        for (const pair of policy.windows) {
          // A burn rate so high that the whole budget would go within the long
          // window cannot be told apart from a total outage; it also means the
          // period is too short for this policy.
          if (pair.factor * safeSeconds(pair.longWindow) > safeSeconds(slo.period)) {
            problems.push(`${at}: period ${slo.period} is too short for ${pair.factor}x over ${pair.longWindow}`);
          }
          if (pair.factor * (1 - slo.objective) >= 1) {
            problems.push(`${at}: ${pair.factor}x burn of a ${slo.objective} objective exceeds 100% errors`);
          }
        }
      }
    } else {
      windowProblem(`${at}.alerting.window`, slo.alerting.window);
      windowProblem(`${at}.alerting.for`, slo.alerting.for);
      if (!(slo.alerting.minEvents >= 0)) problems.push(`${at}: minEvents must be >= 0`);
    }

    if (slo.loadTest?.kind === 'percentile' && slo.sli.kind !== 'latency') {
      problems.push(`${at}: a load-test percentile threshold needs a latency SLI`);
    }
  }
  return problems;

  function safeSeconds(window: string): number {
    try {
      return windowSeconds(window as never);
    } catch {
      return Number.NaN;
    }
  }
}

export function assertValidCatalog(catalog: SloCatalog): void {
  const problems = validateCatalog(catalog);
  if (problems.length > 0) throw new Error(`invalid SLO catalog:\n  - ${problems.join('\n  - ')}`);
}
