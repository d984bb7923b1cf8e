/*
 * D0010 parse benchmark: a 1,000,000-reading flow generated to a temporary
 * file, then both passes of libs/industry-flow streamed from disk (pass 1
 * structure, pass 2 events, each reading encoded as a Kafka record value
 * would be), once per line splitter, each in its own process so its peak RSS
 * is its own.
 *
 *   npm run build && npm run bench:d0010
 *   options: --readings N (default 1000000)  --splitter hand|readline|both (default both)
 *            --file PATH (reuse or write this file; default a temp file, deleted after)
 *            --mode parse|intake (default parse; intake: the whole path through the built flow-intake to
 *            Kafka, benchmarks/d0010-intake.bench.ts)
 *
 * Prints, per splitter: seconds for pass 1, pass 2 and both, readings/s over
 * both passes, peak RSS of the process. Bounded: one file, one pass each, no
 * servers; the child processes are killed if a run passes 10 minutes.
 * Publishing to Kafka is not part of this mode: the figure is what the parser
 * leaves of the 60 s budget; `--mode intake` measures the whole path.
 */
import { fork } from 'node:child_process';
import { createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { FlowLine } from '@surge/industry-flow/flow-line.model';
import { splitFlowLineBatches } from '@surge/industry-flow/flow-line.splitter';
import { parseD0010Batches } from '@surge/industry-flow/d0010.parser';
import { validateD0010Structure } from '@surge/industry-flow/d0010-structure.validator';
import { generateD0010Lines, writeFlowFile } from './d0010-file.generator';
import { runIntakeBench } from './d0010-intake.bench';

type Splitter = 'hand' | 'readline';

interface RunReport {
  readonly splitter: Splitter;
  readonly pass1Ms: number;
  readonly pass2Ms: number;
  readonly readings: number;
  readonly estimated: number;
  readonly held: number;
  readonly groupsRejected: number;
  readonly encodedBytes: number;
  readonly maxRssMb: number;
  readonly sampledPeakRssMb: number;
}

const RUN_TIMEOUT_MS = 10 * 60_000;
/** Bytes a read brings in: a batch of about 2,500 lines, so events are made and dropped in small batches. */
const CHUNK_BYTES = 64 * 1024;

/** The file's lines in batches: one per 64 KiB chunk read (hand-rolled splitter) or per 1,000 lines (node:readline). */
function linesOf(path: string, splitter: Splitter): AsyncIterable<FlowLine[]> {
  if (splitter === 'hand') return splitFlowLineBatches(createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK_BYTES }));
  return (async function* () {
    const rl = createInterface({ input: createReadStream(path, { highWaterMark: CHUNK_BYTES }), crlfDelay: Infinity });
    let lineNumber = 0;
    let batch: FlowLine[] = [];
    for await (const text of rl) {
      batch.push({ lineNumber: ++lineNumber, text });
      if (batch.length === 1000) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  })();
}

async function child(path: string, splitter: Splitter): Promise<RunReport> {
  let sampledPeak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
  }, 50);
  const t0 = performance.now();
  const structure = await validateD0010Structure(linesOf(path, splitter));
  const t1 = performance.now();
  if (!structure.ok) throw new Error(`pass 1 refused the file: ${JSON.stringify(structure.problem)}`);
  let readings = 0;
  let estimated = 0;
  let held = 0;
  let groupsRejected = 0;
  let encodedBytes = 0;
  for await (const batch of parseD0010Batches(linesOf(path, splitter))) {
    for (const e of batch) {
      if (e.kind === 'reading') {
        readings++;
        if (e.reading.estimated) estimated++;
        if (e.reading.review) held++;
        // What a publisher does to every reading: one JSON record value.
        encodedBytes += Buffer.byteLength(JSON.stringify(e.reading));
      } else if (e.kind === 'groupRejected') groupsRejected++;
    }
  }
  const t2 = performance.now();
  clearInterval(sampler);
  return {
    splitter,
    pass1Ms: t1 - t0,
    pass2Ms: t2 - t1,
    readings,
    estimated,
    held,
    groupsRejected,
    encodedBytes,
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    sampledPeakRssMb: Math.round(sampledPeak / 1024 / 1024),
  };
}

function runChild(path: string, splitter: Splitter): Promise<RunReport> {
  return new Promise((resolve, reject) => {
    const proc = fork(__filename, ['--child', splitter, '--file', path], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timer = setTimeout(() => proc.kill('SIGKILL'), RUN_TIMEOUT_MS);
    proc.once('message', (m) => resolve(m as RunReport));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${splitter} run exited with ${code}`));
    });
  });
}

const secs = (ms: number): string => (ms / 1000).toFixed(2);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-GB');

async function main(): Promise<void> {
  // The whole intake (upload, PostgreSQL, pass 1 and 2, registry matching, Kafka): d0010-intake.bench.ts.
  const mode = process.argv.indexOf('--mode');
  if (mode >= 0 && process.argv[mode + 1] === 'intake') return runIntakeBench(process.argv.slice(2));
  const { values } = parseArgs({
    options: {
      readings: { type: 'string', default: '1000000' },
      splitter: { type: 'string', default: 'both' },
      file: { type: 'string' },
      child: { type: 'string' },
      mode: { type: 'string', default: 'parse' },
    },
  });
  if (values.child) {
    const report = await child(values.file!, values.child as Splitter);
    process.send!(report, () => process.exit(0));
    return;
  }
  const readings = Number(values.readings);
  if (!Number.isInteger(readings) || readings < 1) throw new Error('--readings must be a positive whole number');
  const splitters: Splitter[] = values.splitter === 'both' ? ['hand', 'readline'] : [values.splitter as Splitter];
  const path = values.file ?? join(tmpdir(), `surge-d0010-bench-${readings}-${process.pid}.uff`);
  const ownFile = values.file === undefined;
  try {
    if (!existsSync(path)) {
      const t = performance.now();
      const written = await writeFlowFile(path, generateD0010Lines({ readings }));
      console.log(`generated ${fmt(readings)} readings: ${fmt(written.lines)} lines, ${(written.bytes / 1024 / 1024).toFixed(1)} MiB in ${secs(performance.now() - t)} s -> ${path}`);
    } else console.log(`reusing ${path} (${(statSync(path).size / 1024 / 1024).toFixed(1)} MiB)`);
    console.log('splitter  | pass 1 s | pass 2 s | total s | readings/s (both passes) | readings  | estimated | held   | peak RSS MiB');
    for (const s of splitters) {
      const r = await runChild(path, s);
      const total = r.pass1Ms + r.pass2Ms;
      console.log(
        [
          r.splitter.padEnd(9),
          secs(r.pass1Ms).padStart(8),
          secs(r.pass2Ms).padStart(8),
          secs(total).padStart(7),
          fmt((r.readings / total) * 1000).padStart(24),
          fmt(r.readings).padStart(9),
          fmt(r.estimated).padStart(9),
          fmt(r.held).padStart(6),
          `${r.maxRssMb} (sampled ${r.sampledPeakRssMb})`.padStart(12),
        ].join(' | '),
      );
      if (r.readings !== readings || r.groupsRejected !== 0) throw new Error(`expected ${readings} readings and no rejected group, got ${r.readings} and ${r.groupsRejected}`);
    }
  } finally {
    if (ownFile) rmSync(path, { force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
