import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the page reports of its own load, per page; the SLOs in libs/slo read this histogram. */
export const PAGE_TIMING_METRICS = ['ttfb', 'lcp', 'submit_to_answer'] as const;
export type PageTimingMetric = (typeof PAGE_TIMING_METRICS)[number];
export const PAGES = ['submit', 'readings', 'bills'] as const;

/** Boundaries include each page-load SLO threshold (libs/slo), so the SLI counts rather than interpolates. */
export const PAGE_LOAD_BUCKETS_SECONDS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 3, 4, 5, 8, 10, 20];

export class PageTimingMetrics {
  readonly registry = new Registry();
  readonly pageLoad = new Histogram({
    name: 'surge_page_load_seconds',
    help: 'Page timings reported by customers\' browsers (ttfb, lcp, submit_to_answer), by page',
    labelNames: ['page', 'metric'],
    buckets: PAGE_LOAD_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  readonly refused = new Counter({ name: 'surge_page_timings_refused_total', help: 'Timing beacons refused as malformed', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * A beacon is untrusted browser input: only known pages and metrics, finite values from 0 to 120 s, at most
   * 10 a beacon, so a bad client cannot blow up the label set or skew the histogram with absurd values.
   */
  record(body: unknown): boolean {
    const b = body as { page?: unknown; timings?: unknown } | null;
    if (!b || typeof b.page !== 'string' || !(PAGES as readonly string[]).includes(b.page) || !Array.isArray(b.timings) || b.timings.length > 10) {
      this.refused.inc();
      return false;
    }
    const ok = b.timings.every((t: { metric?: unknown; ms?: unknown }) => typeof t?.metric === 'string' && (PAGE_TIMING_METRICS as readonly string[]).includes(t.metric) && typeof t.ms === 'number' && Number.isFinite(t.ms) && t.ms >= 0 && t.ms <= 120_000);
    if (!ok) {
      this.refused.inc();
      return false;
    }
    for (const t of b.timings as { metric: string; ms: number }[]) this.pageLoad.observe({ page: b.page, metric: t.metric }, t.ms / 1000);
    return true;
  }
}
