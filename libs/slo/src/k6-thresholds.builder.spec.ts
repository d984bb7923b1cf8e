import { buildK6Thresholds } from './k6-thresholds.builder';
import { SLO_CATALOG } from './slo.catalog';
import type { SloCatalog } from './slo.model';

describe('buildK6Thresholds', () => {
  it('maps the submit SLOs onto the surge scenario thresholds', () => {
    const file = buildK6Thresholds(SLO_CATALOG);
    expect(file.scenario).toBe('surge');
    expect(file.thresholds).toEqual({
      submit_errors: ['rate<0.001'],
      'http_req_duration{name:submit}': ['p(99)<250', 'p(95)<100'],
    });
  });

  it('tells the k6 script which responses are submit_errors (5xx, and no response at all)', () => {
    const def = buildK6Thresholds(SLO_CATALOG).errorDefinitions.submit_errors!;
    expect(def.slo).toBe('submit-availability');
    expect(def.transportErrors).toBe(true);
    const pattern = new RegExp(def.statusPattern!);
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
    expect(buildK6Thresholds(catalog).thresholds).toEqual({
      submit_errors: ['rate<0.0005'],
      'http_req_duration{name:submit}': ['p(99.5)<500', 'p(95)<100'],
    });
  });

  it('leaves out SLOs without a k6 mapping', () => {
    const catalog: SloCatalog = { ...SLO_CATALOG, slos: SLO_CATALOG.slos.map(({ k6: _k6, ...s }) => s) };
    expect(buildK6Thresholds(catalog).thresholds).toEqual({});
  });
});
