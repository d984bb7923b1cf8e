import { createMetrics } from '@surge/observability/metrics.catalog';
import { recordPageTimings } from './page-timing.metrics';

describe('page timings beacon', () => {
  it('records known timings into surge_page_load_seconds', async () => {
    const m = createMetrics('customer-web', { defaultMetrics: false });
    expect(recordPageTimings(m, { page: 'submit', timings: [{ metric: 'lcp', ms: 900 }, { metric: 'submit_to_answer', ms: 120 }] })).toBe(true);
    const text = await m.registry.metrics();
    expect(text).toContain('surge_page_load_seconds_bucket{le="1",page="submit",metric="lcp"} 1');
    expect(text).toContain('surge_page_load_seconds_bucket{le="0.1",page="submit",metric="submit_to_answer"} 0');
  });

  it('refuses unknown pages, metrics and absurd values without recording them', async () => {
    const m = createMetrics('customer-web', { defaultMetrics: false });
    for (const bad of [null, {}, { page: 'x', timings: [{ metric: 'lcp', ms: 1 }] }, { page: 'submit', timings: [{ metric: 'evil', ms: 1 }] }, { page: 'submit', timings: [{ metric: 'lcp', ms: -1 }] }, { page: 'submit', timings: [{ metric: 'lcp', ms: 1e9 }] }, { page: 'submit', timings: Array(11).fill({ metric: 'lcp', ms: 1 }) }]) {
      expect(recordPageTimings(m, bad)).toBe(false);
    }
    const text = await m.registry.metrics();
    expect(text).toContain('surge_page_timings_refused_total 7');
    expect(text).not.toContain('surge_page_load_seconds_count{');
  });
});
