import type { SurgeMetrics } from '@surge/observability/metrics.catalog';

/** What the page reports of its own load, per page; the page-* SLOs in libs/slo read surge_page_load_seconds. */
export const PAGE_TIMING_METRICS = ['ttfb', 'lcp', 'submit_to_answer'] as const;
export const PAGES = ['submit', 'readings', 'bills'] as const;

export interface PageTiming {
  readonly metric: string;
  readonly ms: number;
}

/**
 * A beacon is untrusted browser input: only known pages and metrics, finite values from 0 to 120 s, at most
 * 10 a beacon, so a bad client can neither grow the label set nor skew the histogram with absurd values.
 * Best effort by design: a lost beacon loses a sample, never a reading.
 */
export function recordPageTimings(metrics: Pick<SurgeMetrics, 'pageLoad' | 'pageTimingsRefused'>, body: unknown): boolean {
  const b = body as { page?: unknown; timings?: unknown } | null;
  const valid =
    !!b &&
    typeof b.page === 'string' &&
    (PAGES as readonly string[]).includes(b.page) &&
    Array.isArray(b.timings) &&
    b.timings.length > 0 &&
    b.timings.length <= 10 &&
    b.timings.every(
      (t: Partial<PageTiming> | null) =>
        typeof t?.metric === 'string' && (PAGE_TIMING_METRICS as readonly string[]).includes(t.metric) && typeof t.ms === 'number' && Number.isFinite(t.ms) && t.ms >= 0 && t.ms <= 120_000,
    );
  if (!valid) {
    metrics.pageTimingsRefused.inc();
    return false;
  }
  for (const t of (b as { timings: PageTiming[] }).timings) metrics.pageLoad.observe({ page: b!.page as string, metric: t.metric }, t.ms / 1000);
  return true;
}
