import { unavailable } from '@surge/errors/app.error';
import type { SurgeMetrics } from './metrics.catalog';
import { probe } from './dependency.probe';

/**
 * One dependency of an app's readiness. `check` is run under `probe` (at most PROBE_TIMEOUT_MS, never throws):
 * a frozen server reads as down within a probe period rather than hanging the health endpoint.
 */
export interface DependencyCheck {
  /** The key in the readiness body and in the not-ready message, e.g. `postgres`, `consumer`. */
  readonly name: string;
  /** True when up. A synchronous answer (a client's own connection state) is fine. */
  readonly check: () => boolean | Promise<boolean>;
  /**
   * Down makes the app unready (503). False for a dependency that is only reported: the app keeps doing
   * its job without it (read-api takes submissions while ClickHouse is down), so a load balancer must not
   * take it out of rotation for that.
   */
  readonly required: boolean;
  /** The `surge_dependency_up{dependency}` label; the name when absent; null to leave the gauge alone. */
  readonly metric?: string | null;
}

/** What an app's health endpoints look at: its dependencies, and for consumers whether the process is exiting. */
export interface HealthChecks {
  readonly dependencies: readonly DependencyCheck[];
  /** Liveness: false once the process gave up (a consumer that could not rejoin its group) and is exiting. */
  readonly live?: { readonly check: () => boolean; readonly message: string };
  /** Reported after the dependencies, never a reason to be unready (consumer lag, an outbox backlog). */
  readonly report?: (up: ReadonlyMap<string, boolean>) => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** The error code of a not-ready answer; DEPENDENCY_UNAVAILABLE unless the app's clients know another. */
  readonly unavailableCode?: string;
  readonly metrics?: Pick<SurgeMetrics, 'dependencyUp'>;
}

/** Liveness: throws a 503 once the process is exiting; an app without a liveness check is live while it serves HTTP. */
export function assessLiveness(checks: HealthChecks): { status: 'ok' } {
  if (checks.live && !checks.live.check()) {
    throw unavailable(checks.unavailableCode ?? 'DEPENDENCY_UNAVAILABLE', checks.live.message);
  }
  return { status: 'ok' };
}

/**
 * Readiness: probes every dependency at once, sets `surge_dependency_up`, and answers the body, or throws a 503
 * naming the required dependencies first and the reported ones in brackets (Retry-After from the error catalogue).
 */
export async function assessReadiness(checks: HealthChecks): Promise<Record<string, unknown>> {
  const results = await Promise.all(checks.dependencies.map((d) => probe(async () => d.check())));
  const up = new Map(checks.dependencies.map((d, i) => [d.name, results[i] === true]));
  const body: Record<string, unknown> = {};
  for (const d of checks.dependencies) {
    const isUp = up.get(d.name) === true;
    const label = d.metric === undefined ? d.name : d.metric;
    if (label !== null) checks.metrics?.dependencyUp.set({ dependency: label }, isUp ? 1 : 0);
    body[d.name] = isUp ? 'up' : 'down';
  }
  Object.assign(body, (await checks.report?.(up)) ?? {});
  if (checks.dependencies.some((d) => d.required && up.get(d.name) !== true)) {
    const state = (required: boolean) => checks.dependencies.filter((d) => d.required === required).map((d) => `${d.name} ${String(body[d.name])}`);
    const reported = state(false);
    const message = `Not ready: ${state(true).join(', ')}${reported.length > 0 ? ` (${reported.join(', ')})` : ''}.`;
    throw unavailable(checks.unavailableCode ?? 'DEPENDENCY_UNAVAILABLE', message);
  }
  return { status: 'ok', ...body };
}
