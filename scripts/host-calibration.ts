/**
 * How fast this host is, as one number: the CPU milliseconds one core takes for a fixed workload shaped like
 * read-api's request path (an ES256 verification, a reading's JSON both ways, a SHA-256 of it).
 *   node dist/scripts/host-calibration.js [--rounds 7] [--out calibration.json]        once
 *   node dist/scripts/host-calibration.js --sample-every 5 [--for 900] --out f.json   through a run, until SIGTERM
 * Why: the same code on this VM measured 0.99 and 1.38 ms of read-api CPU a request in two full surge runs hours
 * apart, with the probe's Chromium taking 18.8 and 31.6 CPU s for the same 55 page loads: the host, not the code,
 * changed. The surge bench samples it through its load so a report says which kind of host it was measured on,
 * and figures from two runs are compared only when their calibrations agree (docs/runbook.md "Comparing two runs").
 * The one-shot form is for checking a host by hand.
 * On an idle machine here the same 300 units took 33-41 ms or 50-60 ms, switching from one second to the next (a
 * vCPU whose host core is shared with a busy neighbour, presumably): one calibration before a run is a snapshot,
 * so the bench samples through the run and reports the median and the spread.
 */
import { createHash, createSign, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';

/** A reading as read-api parses and re-serialises it; the workload's JSON and hash run over it. */
const READING = JSON.stringify({
  mpan: '1200023305967',
  meterSerial: 'E12Z345678',
  register: '1',
  readAt: '2022-03-31T18:04:00.000Z',
  value: '012345.6',
  source: 'customer',
  idempotencyKey: '7f9c2ba4-e88f-4e7a-9d3b-5a1c0e2f4b6d',
});

export interface CalibrationWorkload {
  publicKey: KeyObject;
  token: Buffer;
  signature: Buffer;
}

export function calibrationWorkload(): CalibrationWorkload {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const token = Buffer.from(`eyJhbGciOiJFUzI1NiJ9.${Buffer.from(READING).toString('base64url')}`);
  const signature = createSign('SHA256').update(token).sign(privateKey);
  return { publicKey, token, signature };
}

/** One unit of the workload; returns a value derived from every step so none of them can be optimised away. */
export function calibrationUnit(w: CalibrationWorkload): number {
  const verified = createVerify('SHA256').update(w.token).verify(w.publicKey, w.signature);
  if (!verified) throw new Error('calibration: the signature did not verify');
  let n = 0;
  for (let i = 0; i < 20; i++) n += JSON.stringify(JSON.parse(READING)).length;
  return n + createHash('sha256').update(READING).digest()[0]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-quantile (0..1) of values, nearest rank. */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('quantile of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/**
 * CPU milliseconds (user + system) for `units` units, `rounds` times; the first round warms the JIT and is not
 * counted (unless warmUp is false: the sampler warmed it once). CPU time, not wall time: while the surge runs, the
 * sampler waits for a core like everyone else, and that wait is the run's load, not the host's speed; a slower
 * host (or a busy hyperthread sibling) shows as more CPU for the same work.
 */
export function calibrate(rounds: number, units: number, w: CalibrationWorkload = calibrationWorkload(), warmUp = true): { medianMs: number; roundsMs: number[] } {
  const roundsMs: number[] = [];
  let sink = 0;
  for (let r = warmUp ? 0 : 1; r <= rounds; r++) {
    const started = process.cpuUsage();
    for (let i = 0; i < units; i++) sink += calibrationUnit(w);
    const used = process.cpuUsage(started);
    if (r > 0) roundsMs.push(Math.round((used.user + used.system) / 100) / 10);
  }
  if (sink === 0) throw new Error('calibration: empty workload');
  return { medianMs: Math.round(median(roundsMs) * 10) / 10, roundsMs };
}

/** What a sampled run says about its host: the same unit count each sample, summarised. */
export function summariseSamples(units: number, samples: readonly { atMs: number; ms: number }[]) {
  const ms = samples.map((s) => s.ms);
  return ms.length === 0
    ? { units, samples: [], medianMs: null, p10Ms: null, p90Ms: null }
    : { units, samples, medianMs: Math.round(median(ms) * 10) / 10, p10Ms: quantile(ms, 0.1), p90Ms: quantile(ms, 0.9) };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const out = flag('--out');
  const every = flag('--sample-every');
  if (every) {
    // Sampling through a run (scripts/surge-bench.sh): 250 units (~30-60 CPU ms) every few seconds, until SIGTERM
    // or --for seconds; then the samples are written. About 1% of one core at 5 s.
    const units = 250;
    const w = calibrationWorkload();
    calibrate(1, units, w); // warm the JIT once, not sampled
    const samples: { atMs: number; ms: number }[] = [];
    const startedAt = Date.now();
    const limitMs = Number(flag('--for') ?? 900) * 1000;
    const finish = () => {
      const summary = summariseSamples(units, samples);
      if (out) writeFileSync(out, JSON.stringify(summary, null, 2));
      console.log(`host calibration through the run: median ${summary.medianMs} ms, p10 ${summary.p10Ms}, p90 ${summary.p90Ms} (${samples.length} samples of ${units} units)`);
      process.exit(0);
    };
    process.on('SIGTERM', finish);
    const timer = setInterval(() => {
      samples.push({ atMs: Date.now() - startedAt, ms: calibrate(1, units, w, false).medianMs });
      if (Date.now() - startedAt >= limitMs) {
        clearInterval(timer);
        finish();
      }
    }, Number(every) * 1000);
  } else {
    const rounds = Number(flag('--rounds') ?? 7);
    const units = 1_000;
    const result = calibrate(rounds, units);
    console.log(`host calibration: ${result.medianMs} CPU ms for ${units} request-shaped units on one core (median of ${rounds}; lower is a faster host)`);
    if (out) writeFileSync(out, JSON.stringify({ units, ...result }, null, 2));
  }
}
