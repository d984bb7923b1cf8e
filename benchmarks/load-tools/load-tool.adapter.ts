/*
 * What the comparison needs from each load tool: how to run the one workload
 * (reading submissions at fixed open-model arrival rates) and how to read back
 * its per-request result log. Every tool keeps that log itself, with each 202's
 * reading id from the response body, because the loss audit needs it: the
 * figures below are computed from those logs, the same way for every tool.
 */

export interface Phase {
  rate: number; // arrivals (requests) per second, open model
  seconds: number;
}

export interface RunSpec {
  target: string; // http://127.0.0.1:<port>
  phases: Phase[];
  dir: string; // this run's own directory: inputs, the tool's logs and reports
  workload: WorkloadFiles;
  /** A threshold the run must fail (non-zero exit) when breached; absent = none set. */
  maxP99Ms?: number;
}

export interface WorkloadFiles {
  bodiesJson: string; // [{ token, body }] (body: the JSON text of one reading submission)
  vegetaTargets: string; // the same requests as vegeta JSON targets, one a line
}

/** One answered (or failed) request, from the tool's own result log. */
export interface RequestResult {
  sentMs: number; // wall clock when the request was sent (epoch ms, fractional)
  latencyMs: number; // as the tool measured it
  ok: boolean; // 202 with a reading id in the body
  readingId?: string;
}

export interface Command {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export interface LoadToolAdapter {
  readonly name: string;
  /** Free text for the decision record: version, licence, how it is run. */
  readonly describe: string;
  /** Whether the tool itself can fail a run on a threshold (exit code != 0). */
  readonly hasThresholds: boolean;
  command(spec: RunSpec): Command;
  /** Post-run work that reads the tool's logs (e.g. `vegeta encode`): run after the load, timed apart. */
  postRun?(spec: RunSpec): Command[];
  readResults(spec: RunSpec): RequestResult[];
  /** The human report for a run (path), produced by the tool; undefined when it has none. */
  reportPath?(spec: RunSpec): string | undefined;
}
