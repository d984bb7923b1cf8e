/*
 * vegeta (MIT, github.com/tsenart/vegeta/v12), its CLI as built by
 * `go install github.com/tsenart/vegeta/v12@v12.13.0`: the same attack and
 * results code the surge scenario program uses as a library.
 * Open model: `attack -rate` paces arrivals and, with -max-workers unbounded
 * (the default), starts more workers rather than wait for a slow server.
 * Result log: every result (timestamp, latency, status, response body) in its
 * binary results file; `vegeta encode --to json` turns it into JSON lines.
 * No thresholds in the CLI: a program using the library computes vegeta.Metrics
 * and chooses its exit code.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, LoadToolAdapter, RequestResult, RunSpec } from './load-tool.adapter';

interface VegetaResult {
  code: number;
  timestamp: string; // RFC 3339, nanoseconds
  latency: number; // ns
  error: string;
  body: string | null; // base64
}

export class VegetaAdapter implements LoadToolAdapter {
  readonly name = 'vegeta';
  readonly hasThresholds = false;

  constructor(
    private readonly bin: string,
    readonly describe: string,
    private readonly maxConnections = 0, // 0 = vegeta's default: no limit
  ) {}

  // One attack per phase, one after the other; each writes its own results file.
  command(spec: RunSpec): Command {
    const attacks = spec.phases.map(
      (p, i) =>
        `"${this.bin}" attack -format=json -targets="${spec.workload.vegetaTargets}" -rate=${p.rate}/1s -duration=${p.seconds}s ` +
        `-timeout=30s -max-body=-1 -max-connections=${this.maxConnections} -output="${join(spec.dir, `results-${i}.bin`)}"`,
    );
    return { cmd: '/bin/sh', args: ['-c', attacks.join(' && ')] };
  }

  postRun(spec: RunSpec): Command[] {
    const bins = this.resultFiles(spec).map((f) => join(spec.dir, f));
    return [
      { cmd: this.bin, args: ['encode', '--to', 'json', '--output', join(spec.dir, 'results.jsonl'), ...bins] },
      { cmd: this.bin, args: ['report', '--output', join(spec.dir, 'report.txt'), ...bins] },
      { cmd: this.bin, args: ['plot', '--title', `vegeta ${spec.phases.map((p) => `${p.rate}/s x ${p.seconds}s`).join(', ')}`, '--output', join(spec.dir, 'plot.html'), ...bins] },
    ];
  }

  readResults(spec: RunSpec): RequestResult[] {
    const out: RequestResult[] = [];
    for (const line of readFileSync(join(spec.dir, 'results.jsonl'), 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as VegetaResult;
      const readingId = r.code === 202 && r.body ? readingIdOf(Buffer.from(r.body, 'base64').toString('utf8')) : undefined;
      out.push({ sentMs: epochMsOf(r.timestamp), latencyMs: r.latency / 1e6, ok: readingId !== undefined, ...(readingId ? { readingId } : {}) });
    }
    return out;
  }

  reportPath(spec: RunSpec): string {
    return join(spec.dir, 'plot.html');
  }

  private resultFiles(spec: RunSpec): string[] {
    return readdirSync(spec.dir).filter((f) => /^results-\d+\.bin$/.test(f)).sort();
  }
}

// Date.parse keeps milliseconds only; the sub-millisecond digits matter for send-rate figures.
function epochMsOf(rfc3339: string): number {
  const m = /\.(\d+)/.exec(rfc3339);
  const frac = m ? Number(`0.${m[1]}`) * 1000 : 0;
  return Date.parse(rfc3339.replace(/\.\d+/, '')) + frac;
}

export function readingIdOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { readingId?: unknown }).readingId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
