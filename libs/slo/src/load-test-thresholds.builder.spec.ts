import { buildLoadTestThresholds } from './load-test-thresholds.builder';
import { SLO_CATALOG } from './slo.catalog';
import type { SloCatalog } from './slo.model';

describe('buildLoadTestThresholds', () => {
  it('maps the submit SLOs onto the surge scenario thresholds', () => {
    const file = buildLoadTestThresholds(SLO_CATALOG);
    expect(file.scenario).toBe('surge');
    expect(file.thresholds.map((t) => [t.slo, t.route, t.expression])).toEqual([
      // Measured by the Chromium page probe (scripts/page-probe.ts), not the HTTP load tool.
      ['page-lcp', 'page', 'p95<2500ms'],
      ['page-submit-to-answer', 'page', 'p95<1000ms'],
      ['page-ttfb', 'page', 'p95<500ms'],
      ['submit-availability', 'submit', 'error_rate<0.001'],
      ['submit-latency', 'submit', 'p99<250ms'],
      ['submit-latency-p95', 'submit', 'p95<100ms'],
    ]);
  });

  it('tells the load tool which responses are errors (5xx, and no response at all)', () => {
    const def = buildLoadTestThresholds(SLO_CATALOG).thresholds.find((t) => t.kind === 'error-rate')!;
    expect(def.kind === 'error-rate' && def.transportErrors).toBe(true);
    const pattern = new RegExp(def.kind === 'error-rate' ? def.statusPattern! : '');
    expect(['500', '503', '504'].every((s) => pattern.test(s))).toBe(true);
    expect(['202', '400', '422', '429', '5000', '1500'].some((s) => pattern.test(s))).toBe(false);
  });

  it('follows the catalog: objectives and thresholds', () => {
    const catalog: SloCatalog = {
      ...SLO_CATALOG,
      slos: SLO_CATALOG.slos.map((s) => {
        if (s.id === 'submit-availability') return { ...s, objective: 0.9995 };
        if (s.id === 'submit-latency' && s.sli.kind === 'latency') {
          return { ...s, objective: 0.995, sli: { ...s.sli, thresholdSeconds: 0.5 } };
        }
        return s;
      }),
    };
    const file = buildLoadTestThresholds(catalog);
    const submit = file.thresholds.filter((t) => t.route === 'submit');
    expect(submit.map((t) => t.expression)).toEqual(['error_rate<0.0005', 'p99.5<500ms', 'p95<100ms']);
    expect(submit[0]).toMatchObject({ kind: 'error-rate', max: 0.0005 });
    expect(submit[1]).toMatchObject({ kind: 'percentile', percentile: 99.5, maxMs: 500 });
  });

  it('leaves out SLOs without a load-test mapping', () => {
    const catalog: SloCatalog = { ...SLO_CATALOG, slos: SLO_CATALOG.slos.map(({ loadTest: _l, ...s }) => s) };
    expect(buildLoadTestThresholds(catalog).thresholds).toEqual([]);
  });
});
