import { SLO_CATALOG } from './slo.catalog';
import { validateCatalog } from './slo-catalog.validator';
import type { SloDefinition } from './slo.model';

function slo(id: string): SloDefinition {
  const found = SLO_CATALOG.slos.find((s) => s.id === id);
  if (!found) throw new Error(`no SLO ${id}`);
  return found;
}

describe('SLO catalog', () => {
  it('is valid', () => {
    expect(validateCatalog(SLO_CATALOG)).toEqual([]);
  });

  it('holds the agreed objectives (docs/slo.md explains each)', () => {
    expect(SLO_CATALOG.slos.map((s) => [s.id, s.objective, s.period])).toEqual([
      ['submit-availability', 0.999, '28d'],
      ['submit-latency', 0.99, '28d'],
      ['submit-latency-p95', 0.95, '28d'],
      ['reading-freshness', 0.99, '28d'],
      ['bill-run-completion', 0.99, '28d'],
      ['csat-floor', 0.8, '1d'],
      ['page-lcp', 0.95, '28d'],
      ['page-ttfb', 0.95, '28d'],
      ['page-submit-to-answer', 0.95, '28d'],
    ]);
  });

  it('measures submit availability on POST /v1/meter-readings, counting only 5xx as bad', () => {
    const { sli } = slo('submit-availability');
    expect(sli).toMatchObject({ kind: 'event-ratio', metric: 'surge_http_requests_total' });
    if (sli.kind !== 'event-ratio') throw new Error('unreachable');
    expect(sli.matchers).toEqual(
      expect.arrayContaining([
        { label: 'route', op: '=', value: '/v1/meter-readings' },
        { label: 'method', op: '=', value: 'POST' },
      ]),
    );
    const bad = new RegExp(`^(?:${sli.badMatchers.find((m) => m.label === 'code')!.value})$`);
    expect(['500', '502', '503', '504'].every((c) => bad.test(c))).toBe(true);
    // 429 is read-api's per-caller rate limit: the client's doing, like any 4xx.
    expect(['200', '202', '400', '401', '403', '404', '409', '422', '429'].some((c) => bad.test(c))).toBe(false);
  });

  it('sets the latency thresholds at 250 ms (99%) and 100 ms (95%) and freshness at 5 s', () => {
    expect(slo('submit-latency').sli).toMatchObject({ kind: 'latency', thresholdSeconds: 0.25 });
    expect(slo('submit-latency-p95').sli).toMatchObject({ kind: 'latency', thresholdSeconds: 0.1 });
    expect(slo('reading-freshness').sli).toMatchObject({
      kind: 'latency',
      histogram: 'surge_reading_freshness_seconds',
      thresholdSeconds: 5,
    });
  });

  it('uses the SRE workbook burn-rate policy', () => {
    expect(SLO_CATALOG.burnRatePolicy).toEqual([
      expect.objectContaining({
        severity: 'page',
        windows: [
          { factor: 14.4, longWindow: '1h', shortWindow: '5m' },
          { factor: 6, longWindow: '6h', shortWindow: '30m' },
        ],
      }),
      expect.objectContaining({
        severity: 'ticket',
        windows: [
          { factor: 3, longWindow: '1d', shortWindow: '2h' },
          { factor: 1, longWindow: '3d', shortWindow: '6h' },
        ],
      }),
    ]);
  });

  it('alerts on CSAT as a business SLO: a floor, ticketed, never paged', () => {
    const csat = slo('csat-floor');
    expect(csat.category).toBe('business');
    expect(csat.alerting).toMatchObject({ kind: 'threshold', window: '1d', severity: 'ticket' });
  });

  it('maps submit availability and latency onto the surge load-test scenario', () => {
    expect(SLO_CATALOG.loadTest.scenario).toBe('surge');
    expect(slo('submit-availability').loadTest).toEqual({ kind: 'error-rate', route: 'submit', metric: 'submit_errors' });
    expect(slo('submit-latency').loadTest).toEqual({ kind: 'percentile', route: 'submit', metric: 'submit_latency_ms' });
    expect(slo('submit-latency-p95').loadTest).toEqual({ kind: 'percentile', route: 'submit', metric: 'submit_latency_ms' });
  });
});
