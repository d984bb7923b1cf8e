// A small client of Prometheus's HTTP query API (/api/v1/query), enough for
// reports over a finished run. Read only: it never writes to Prometheus.
// Queries go as POST forms so a long PromQL expression never meets a URL
// length limit.

/** One series of an instant vector: its labels and [unix seconds, value]. */
export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** One series of a matrix: its labels and raw [unix seconds, value] samples, oldest first. */
export interface PromSeries {
  readonly metric: Record<string, string>;
  readonly values: [number, string][];
}

type QueryData =
  | { resultType: 'vector'; result: PromSample[] }
  | { resultType: 'matrix'; result: PromSeries[] }
  | { resultType: 'scalar' | 'string'; result: [number, string] };

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

export class PrometheusApiError extends Error {}

export class PrometheusApiClient {
  private readonly baseUrl: string;

  constructor(baseUrl: string, private readonly timeoutMs = 15_000) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** An instant query whose result is a vector, evaluated at `atSeconds`. */
  async vector(expr: string, atSeconds: number): Promise<PromSample[]> {
    const data = await this.query(expr, atSeconds);
    if (data.resultType !== 'vector') throw new PrometheusApiError(`expected a vector from ${expr}, got a ${data.resultType}`);
    return data.result;
  }

  /**
   * An instant query of a range selector (e.g. `ALERTS[180s]`) evaluated at
   * `atSeconds`: the raw stored samples in the range, with the timestamps
   * they were written at (no step, no lookback).
   */
  async rawSamples(expr: string, atSeconds: number): Promise<PromSeries[]> {
    const data = await this.query(expr, atSeconds);
    if (data.resultType !== 'matrix') throw new PrometheusApiError(`expected a matrix from ${expr}, got a ${data.resultType}`);
    return data.result;
  }

  /** query_range: the expression evaluated every `stepSeconds` from `startSeconds` to `endSeconds`. */
  async range(expr: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<PromSeries[]> {
    const data = await this.post<QueryData>('/api/v1/query_range', {
      query: expr,
      start: String(startSeconds),
      end: String(endSeconds),
      step: String(stepSeconds),
    });
    if (data.resultType !== 'matrix') throw new PrometheusApiError(`expected a matrix from ${expr}, got a ${data.resultType}`);
    return data.result;
  }

  private query(expr: string, atSeconds: number): Promise<QueryData> {
    return this.post<QueryData>('/api/v1/query', { query: expr, time: String(atSeconds) });
  }

  private async post<T>(path: string, form: Record<string, string>): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new PrometheusApiError(`Prometheus at ${this.baseUrl} did not answer ${path}: ${(e as Error).message}`);
    }
    const text = await res.text();
    let answer: ApiAnswer<T>;
    try {
      answer = JSON.parse(text) as ApiAnswer<T>;
    } catch {
      throw new PrometheusApiError(`Prometheus ${path} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (answer.status !== 'success' || answer.data === undefined) {
      throw new PrometheusApiError(`Prometheus ${path} failed (${res.status} ${answer.errorType ?? ''}): ${answer.error ?? text.slice(0, 200)} [query: ${form.query}]`);
    }
    return answer.data;
  }
}

/** A sample's value as a number; NaN and infinities (0/0, empty histograms) as null. */
export function sampleNumber(value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
