/**
 * Reading a service's /metrics text (Prometheus exposition format) in scripts: the sum of a gauge's series and a
 * histogram's buckets, count and quantiles, filtered by labels. Pure (the caller fetched the text).
 */
export type Labels = Readonly<Record<string, string>>;

interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    if (!Number.isNaN(value)) out.push({ name: m[1]!, labels, value });
  }
  return out;
}

const matches = (labels: Labels, want: Labels) => Object.entries(want).every(([k, v]) => labels[k] === v);

/** The sum over every series of `name` whose labels include `want` (0 when there is none). */
export function sumOf(samples: readonly Sample[], name: string, want: Labels = {}): number {
  return samples.filter((s) => s.name === name && matches(s.labels, want)).reduce((n, s) => n + s.value, 0);
}

/** A histogram's cumulative buckets summed over the matching series, in `le` order. */
export function histogramBuckets(samples: readonly Sample[], name: string, want: Labels = {}): { le: number; count: number }[] {
  const byLe = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || !matches(s.labels, want) || s.labels.le === undefined) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/** histogram_quantile as Prometheus computes it (linear within the bucket); null with no observations. */
export function quantile(buckets: readonly { le: number; count: number }[], q: number): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      return prevLe + ((b.le - prevLe) * (rank - prevCount)) / Math.max(1, b.count - prevCount);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** The share of observations at or under `le` (exact when `le` is a bucket bound); null with no observations. */
export function shareAtOrUnder(buckets: readonly { le: number; count: number }[], le: number): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const bound = buckets.find((b) => b.le === le);
  if (!bound) throw new Error(`no bucket le="${le}": the share would be an estimate`);
  return bound.count / total;
}
