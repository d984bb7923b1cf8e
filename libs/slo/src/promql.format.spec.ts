import {
  badRate,
  errorBudget,
  formatNumber,
  leMatcher,
  pascalCase,
  selector,
  sortWindows,
  totalIncrease,
  totalRate,
  windowSeconds,
} from './promql.format';
import type { EventRatioSli, LatencySli } from './slo.model';

describe('promql.format', () => {
  it('parses windows in minutes, hours and days', () => {
    expect(windowSeconds('5m')).toBe(300);
    expect(windowSeconds('6h')).toBe(21600);
    expect(windowSeconds('28d')).toBe(28 * 86400);
    expect(() => windowSeconds('1w' as never)).toThrow(/invalid window/);
    expect(() => windowSeconds('1.5h' as never)).toThrow(/invalid window/);
  });

  it('sorts windows by duration and drops duplicates', () => {
    expect(sortWindows(['1d', '5m', '1h', '30m', '1h', '3d'])).toEqual(['5m', '30m', '1h', '1d', '3d']);
  });

  it('formats numbers without binary floating point noise', () => {
    expect(1 - 0.999).not.toBe(0.001);
    expect(errorBudget(0.999)).toBe(0.001);
    expect(formatNumber(1 - 0.999)).toBe('0.001');
    expect(formatNumber(0.99 * 100)).toBe('99');
    expect(formatNumber(14.4)).toBe('14.4');
    expect(() => formatNumber(Number.NaN)).toThrow();
  });

  it('renders selectors and escapes label values', () => {
    expect(selector('m', [])).toBe('m');
    expect(
      selector('m', [
        { label: 'a', op: '=', value: 'x"y' },
        { label: 'b', op: '=~', value: '5..|429' },
        { label: 'c', op: '!=', value: 'back\\slash' },
      ]),
    ).toBe('m{a="x\\"y",b=~"5..|429",c!="back\\\\slash"}');
  });

  it('matches integral bucket bounds in both Prometheus 2 and 3 forms', () => {
    expect(leMatcher(5)).toEqual({ label: 'le', op: '=~', value: '5(\\.0)?' });
    expect(selector('h_bucket', [leMatcher(5)])).toBe('h_bucket{le=~"5(\\\\.0)?"}');
    expect(new RegExp(`^(?:${leMatcher(5).value})$`).test('5.0')).toBe(true);
    expect(new RegExp(`^(?:${leMatcher(5).value})$`).test('50')).toBe(false);
    expect(leMatcher(0.25)).toEqual({ label: 'le', op: '=', value: '0.25' });
  });

  it('builds bad and total rates for event-ratio SLIs, defaulting absent bad series to 0', () => {
    const sli: EventRatioSli = {
      kind: 'event-ratio',
      metric: 'c_total',
      matchers: [{ label: 'route', op: '=', value: '/x' }],
      badMatchers: [{ label: 'code', op: '=~', value: '5..' }],
    };
    expect(totalRate(sli, '1h')).toBe('sum(rate(c_total{route="/x"}[1h]))');
    expect(badRate(sli, '1h')).toBe('(sum(rate(c_total{route="/x",code=~"5.."}[1h])) or vector(0))');
    expect(totalIncrease(sli, '1d')).toBe('sum(increase(c_total{route="/x"}[1d]))');
  });

  it('builds bad and total rates for latency SLIs from the histogram bucket at the threshold', () => {
    const sli: LatencySli = { kind: 'latency', histogram: 'h_seconds', matchers: [], thresholdSeconds: 0.25 };
    expect(totalRate(sli, '5m')).toBe('sum(rate(h_seconds_count[5m]))');
    expect(badRate(sli, '5m')).toBe('(sum(rate(h_seconds_count[5m])) - sum(rate(h_seconds_bucket{le="0.25"}[5m])))');
  });

  it('turns kebab-case ids into PascalCase alert names', () => {
    expect(pascalCase('submit-latency-p95')).toBe('SubmitLatencyP95');
  });
});
