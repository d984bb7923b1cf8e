/*
 * Gatling 3.14.9 (Apache-2.0 modules only, Java DSL): the simulation in
 * gatling/src/main/java, compiled by Maven, run in a plain JVM with the flags
 * gatling-maven-plugin uses. Open model: injectOpen(constantUsersPerSec(...)),
 * one request per virtual user. Thresholds: assertions, exit code 2 when one
 * fails. Result log: the simulation writes one line per response (the 202's
 * reading id from a jsonPath check). Human report: none here; Gatling's HTML
 * report is io.gatling.highcharts:gatling-charts-highcharts, whose licence is
 * not open source, so it is not fetched and runs use --no-reports.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, LoadToolAdapter, RequestResult, RunSpec } from './load-tool.adapter';

export class GatlingAdapter implements LoadToolAdapter {
  readonly name = 'gatling';
  readonly hasThresholds = true;

  constructor(
    private readonly classPath: string, // target/classes + the resolved dependencies
    readonly describe: string,
  ) {}

  command(spec: RunSpec): Command {
    return {
      cmd: 'java',
      args: [
        // gatling-maven-plugin's default JVM options (and the --add-opens it needs on Java 17)
        '-server', '-Xmx1G', '-XX:+HeapDumpOnOutOfMemoryError', '-XX:+UseG1GC', '-XX:+ParallelRefProcEnabled',
        '-XX:MaxInlineLevel=20', '-XX:MaxTrivialSize=12', '--add-opens=java.base/java.lang=ALL-UNNAMED',
        '-Dgatling.data.enableAnalytics=false',
        `-Dtarget=${spec.target}`,
        `-Dphases=${spec.phases.map((p) => `${p.rate}:${p.seconds}`).join(',')}`,
        `-Dbodies=${spec.workload.bodiesJson}`,
        `-DidLog=${join(spec.dir, 'requests.log')}`,
        `-DmaxP99Ms=${spec.maxP99Ms ?? 60_000}`,
        '-cp', this.classPath,
        'io.gatling.app.Gatling', '-s', 'surge.loadtools.BareSubmitSimulation', '-rf', join(spec.dir, 'gatling'), '-nr',
      ],
    };
  }

  // "A|E <end epoch ms> <response ms> <readingId|->"; Gatling measures in whole milliseconds.
  readResults(spec: RunSpec): RequestResult[] {
    return parseRequestLog(readFileSync(join(spec.dir, 'requests.log'), 'utf8'));
  }
}

export function parseRequestLog(text: string): RequestResult[] {
  const out: RequestResult[] = [];
  for (const line of text.split('\n')) {
    const [kind, endMs, latency, id] = line.split(' ');
    if (!kind || endMs === undefined || latency === undefined) continue;
    const latencyMs = Number(latency);
    const ok = kind === 'A' && id !== undefined && id !== '-';
    out.push({ sentMs: Number(endMs) - Math.max(0, latencyMs), latencyMs, ok, ...(ok ? { readingId: id } : {}) });
  }
  return out;
}
