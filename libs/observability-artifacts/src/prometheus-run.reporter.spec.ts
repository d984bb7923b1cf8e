import { SLO_CATALOG } from '@surge/slo/slo.catalog';
import { foldAlerts, parseMatchers, quantileQuery, rangeOf, resetsQuery, sloWindowQueries } from './prometheus-run.reporter';

const window = { fromMs: 1_764_000_000_000, toMs: 1_764_000_180_500, match: [{ label: 'run', op: '=', value: '17' }] as const };
const slo = (id: string) => SLO_CATALOG.slos.find((s) => s.id === id)!;

describe('parseMatchers', () => {
  it('reads a PromQL matcher list, escapes included', () => {
    expect(parseMatchers('{run="1764", job=~"read-.*",x!="a\\"b"}')).toEqual([
      { label: 'run', op: '=', value: '1764' },
      { label: 'job', op: '=~', value: 'read-.*' },
      { label: 'x', op: '!=', value: 'a"b' },
    ]);
    expect(parseMatchers(undefined)).toEqual([]);
    expect(parseMatchers('{}')).toEqual([]);
  });

  it('says what is wrong with something that is not one', () => {
    expect(() => parseMatchers('run="1"')).toThrow(/in braces/);
    expect(() => parseMatchers('{run=1}')).toThrow(/cannot read a label matcher at "run=1"/);
  });
});

describe('the window queries', () => {
  it('cover exactly the window, to the millisecond', () => {
    expect(rangeOf(window)).toBe('180500ms');
    expect(() => rangeOf({ ...window, toMs: window.fromMs })).toThrow(/empty/);
  });

  const submit = 'surge_http_requests_total{service="read-api",route="/v1/meter-readings",method="POST",run="17"';
  it('count an event-ratio SLO with the run matcher added to its own: last value in the window minus the one before it', () => {
    const last = (sel: string) => `sum (last_over_time(${sel}[180500ms]))`;
    const before = (sel: string) => `sum (last_over_time(${sel}[5m] @ 1764000000.000))`;
    const all = `${submit}}`;
    const bad = `${submit},code=~"5.."}`;
    expect(sloWindowQueries(slo('submit-availability'), window, 'delta')).toEqual({
      events: `(${last(all)} - (${before(all)} or ${last(all)} * 0))`,
      bad: `(${last(bad)} - (${before(bad)} or ${last(bad)} * 0))`,
    });
  });

  it('count with increase() when a counter reset in the window', () => {
    expect(sloWindowQueries(slo('submit-availability'), window, 'increase')).toEqual({
      events: `sum (increase(${submit}}[180500ms]))`,
      bad: `sum (increase(${submit},code=~"5.."}[180500ms]))`,
    });
  });

  it('count a latency SLO from its histogram, good = under the threshold bucket (as the recording rules do)', () => {
    expect(sloWindowQueries(slo('reading-freshness'), window, 'increase')).toEqual({
      events: 'sum (increase(surge_reading_freshness_seconds_count{run="17"}[180500ms]))',
      good: 'sum (increase(surge_reading_freshness_seconds_bucket{run="17",le=~"5(\\\\.0)?"}[180500ms]))',
    });
    expect(quantileQuery('surge_reading_freshness_seconds', window.match, 0.99, window, 'delta')).toBe(
      'histogram_quantile(0.99, (sum by (le) (last_over_time(surge_reading_freshness_seconds_bucket{run="17"}[180500ms])) - ' +
        '(sum by (le) (last_over_time(surge_reading_freshness_seconds_bucket{run="17"}[5m] @ 1764000000.000)) or ' +
        'sum by (le) (last_over_time(surge_reading_freshness_seconds_bucket{run="17"}[180500ms])) * 0)))',
    );
  });

  it('look for resets in every counter the window SLIs read, within the run', () => {
    const q = resetsQuery(window, SLO_CATALOG);
    expect(q).toMatch(/^sum\(resets\(\{__name__=~"[a-z_|]+",run="17"\}\[180500ms\]\)\)$/);
    for (const name of ['surge_http_requests_total', 'surge_http_request_duration_seconds_count', 'surge_reading_freshness_seconds_count', 'surge_bill_run_accounts_total', 'surge_csat_answers_total']) {
      expect(q).toContain(name);
    }
  });
});

describe('foldAlerts', () => {
  const labels = { alertname: 'SubmitAvailabilityFastBurn', severity: 'page', slo: 'submit-availability', service: 'read-api' };
  it('gives one entry per alert and state, first and last evaluation, and when it became active', () => {
    const fired = foldAlerts(
      [
        { metric: { __name__: 'ALERTS', ...labels, alertstate: 'firing' }, values: [[1200, '1'], [1205, '1'], [1210, '1']] },
        { metric: { __name__: 'ALERTS', ...labels, alertstate: 'pending' }, values: [[1080, '1'], [1195, '1']] },
        { metric: { __name__: 'ALERTS', alertname: 'Empty', alertstate: 'pending' }, values: [] },
      ],
      [{ metric: { __name__: 'ALERTS_FOR_STATE', ...labels }, values: [[1080, '1075'], [1210, '1075']] }],
    );
    expect(fired).toEqual([
      {
        alert: 'SubmitAvailabilityFastBurn', severity: 'page', slo: 'submit-availability', state: 'pending',
        firstActiveAt: '1970-01-01T00:18:00.000Z', lastActiveAt: '1970-01-01T00:19:55.000Z', activeSince: '1970-01-01T00:17:55.000Z',
        labels: { service: 'read-api', severity: 'page', slo: 'submit-availability' },
      },
      {
        alert: 'SubmitAvailabilityFastBurn', severity: 'page', slo: 'submit-availability', state: 'firing',
        firstActiveAt: '1970-01-01T00:20:00.000Z', lastActiveAt: '1970-01-01T00:20:10.000Z', activeSince: '1970-01-01T00:17:55.000Z',
        labels: { service: 'read-api', severity: 'page', slo: 'submit-availability' },
      },
    ]);
  });

  it('keeps alerts without severity or slo labels, as null', () => {
    const [a] = foldAlerts([{ metric: { alertname: 'TargetDown', alertstate: 'firing', job: 'x' }, values: [[10, '1']] }], []);
    expect(a).toMatchObject({ alert: 'TargetDown', severity: null, slo: null, activeSince: null, labels: { job: 'x' } });
  });
});
