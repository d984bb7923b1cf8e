import { SLO_CATALOG } from './slo.catalog';
import { assertValidCatalog, validateCatalog } from './slo-catalog.validator';
import type { SloCatalog, SloDefinition } from './slo.model';

function withSlo(patch: Partial<SloDefinition>, index = 0): SloCatalog {
  return { ...SLO_CATALOG, slos: SLO_CATALOG.slos.map((s, i) => (i === index ? { ...s, ...patch } : s)) };
}

describe('validateCatalog', () => {
  it.each([
    ['objective of 1 (no budget)', withSlo({ objective: 1 }), /strictly between 0 and 1/],
    ['objective of 0', withSlo({ objective: 0 }), /strictly between 0 and 1/],
    ['non-kebab id', withSlo({ id: 'Submit_Availability' }), /kebab-case/],
    ['duplicate id', withSlo({ id: SLO_CATALOG.slos[1]!.id }), /duplicate id/],
    ['bad period', withSlo({ period: '4w' as never }), /invalid window/],
    ['period too short for the policy', withSlo({ period: '1d' }), /too short/],
    ['14.4x burn of a 90% objective', withSlo({ objective: 0.9 }), /exceeds 100% errors/],
    [
      'event ratio without bad matchers',
      withSlo({ sli: { kind: 'event-ratio', metric: 'x_total', matchers: [], badMatchers: [] } }),
      /needs badMatchers/,
    ],
    [
      'a matcher on le',
      withSlo({
        sli: { kind: 'event-ratio', metric: 'x_total', matchers: [{ label: 'le', op: '=', value: '1' }], badMatchers: [{ label: 'a', op: '=', value: 'b' }] },
      }),
      /invalid matcher label/,
    ],
    ['load-test percentile on a ratio SLI', withSlo({ loadTest: { kind: 'percentile', route: 'submit', metric: 'x' } }), /needs a latency SLI/],
  ])('rejects %s', (_name, catalog, message) => {
    const problems = validateCatalog(catalog);
    expect(problems.join('\n')).toMatch(message);
    expect(() => assertValidCatalog(catalog)).toThrow(/invalid SLO catalog/);
  });

  it('rejects a severity without a policy', () => {
    const catalog: SloCatalog = { ...SLO_CATALOG, burnRatePolicy: SLO_CATALOG.burnRatePolicy.filter((p) => p.severity !== 'page') };
    expect(validateCatalog(catalog).join('\n')).toMatch(/no burn-rate policy for severity page/);
  });
});
