/*
 * Artillery 2.0.34 (MPL-2.0, npm), installed outside the project (its own
 * directory, `npm install --ignore-scripts`: its @playwright/browser-chromium
 * dependency would otherwise download a browser at install). Telemetry off.
 * Open model: phases with arrivalRate, one request per virtual user; connections
 * shared through http.pool. Thresholds: the ensure plugin (config.plugins.ensure; exit code 1
 * when one fails; the top-level config.ensure form is silently ignored by 2.0.34).
 * Result log: afterResponse hook in artillery/submit.processor.js.
 * Human report: none local. `artillery report` (HTML) prints "has been deprecated and is no
 * longer supported" and points to Artillery Cloud; runs keep the console summary and the
 * --output JSON (aggregate and per-10-s counters and percentiles), which nothing here renders.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRequestLog } from './gatling.adapter';
import type { Command, LoadToolAdapter, RequestResult, RunSpec } from './load-tool.adapter';

export class ArtilleryAdapter implements LoadToolAdapter {
  readonly name = 'artillery';
  readonly hasThresholds = true;

  constructor(
    private readonly bin: string, // <install dir>/node_modules/artillery/bin/run
    private readonly processor: string,
    readonly describe: string,
  ) {}

  command(spec: RunSpec): Command {
    const script = {
      config: {
        target: spec.target,
        phases: spec.phases.map((p) => ({ duration: p.seconds, arrivalRate: p.rate })),
        http: { pool: 100, timeout: 30 },
        processor: this.processor,
        plugins: { ensure: { thresholds: [{ 'http.response_time.p99': spec.maxP99Ms ?? 60_000 }] } },
      },
      scenarios: [{ name: 'submit', flow: [{ post: { url: '/v1/meter-readings', beforeRequest: 'pickBody', afterResponse: 'logResponse' } }] }],
    };
    const file = join(spec.dir, 'artillery-script.json');
    writeFileSync(file, JSON.stringify(script, null, 2));
    return {
      cmd: process.execPath,
      args: [this.bin, 'run', '--output', join(spec.dir, 'report.json'), file],
      env: { ARTILLERY_DISABLE_TELEMETRY: 'true', BODIES: spec.workload.bodiesJson, ID_LOG: join(spec.dir, 'requests.log') },
    };
  }

  readResults(spec: RunSpec): RequestResult[] {
    return readdirSync(spec.dir)
      .filter((f) => f.startsWith('requests.log.'))
      .flatMap((f) => parseRequestLog(readFileSync(join(spec.dir, f), 'utf8')));
  }
}
