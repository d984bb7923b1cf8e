import { fork } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What scripts/host-calibration.ts writes when it stops sampling (lower is a faster host). */
export interface HostCalibration {
  readonly units: number;
  readonly medianMs: number | null;
  readonly p10Ms: number | null;
  readonly p90Ms: number | null;
  readonly samples: readonly { atMs: number; ms: number }[];
}

export interface HostCalibrationSampler {
  /** Stops sampling and returns the summary (null if the sampler died or wrote nothing). */
  stop(): Promise<HostCalibration | null>;
}

/**
 * Samples the host's speed beside a benchmark: scripts/host-calibration.js (from the same build) in its own
 * process, 250 request-shaped units every `everySeconds` (about 1% of one core at 5 s), until stop() or
 * `forSeconds`. Why: on this VM the same work costs up to 1.6x more CPU from one minute to the next, so two
 * runs' times mean something only beside their calibrations (docs/runbook.md "Comparing two runs").
 * `scriptsDir` is the build's dist/scripts directory.
 */
export function startHostCalibration(scriptsDir: string, options: { everySeconds?: number; forSeconds: number }): HostCalibrationSampler {
  const out = join(tmpdir(), `host-calibration-${process.pid}-${Date.now().toString(36)}.json`);
  const child = fork(join(scriptsDir, 'host-calibration.js'), ['--sample-every', String(options.everySeconds ?? 5), '--for', String(options.forSeconds), '--out', out], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Never what keeps the benchmark alive, and never left behind by it (it also stops itself after forSeconds).
  child.unref();
  child.channel?.unref();
  const stopWithParent = () => child.kill('SIGTERM');
  process.once('exit', stopWithParent);
  const read = (): HostCalibration | null => {
    try {
      return JSON.parse(readFileSync(out, 'utf8')) as HostCalibration;
    } catch {
      return null;
    } finally {
      rmSync(out, { force: true });
    }
  };
  return {
    async stop() {
      process.removeListener('exit', stopWithParent);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      return read();
    },
  };
}
