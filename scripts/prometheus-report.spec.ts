import { UsageError, formatTable, parseArgs } from './prometheus-report';

const base = ['--from', '1764000000000', '--to', '1764000180000', '--out', '/tmp/x.json'];

describe('prometheus-report arguments', () => {
  it('reads the documented flags, --url defaulting to the native stack', () => {
    expect(parseArgs([...base, '--match', '{run="17"}'])).toEqual({
      url: 'http://127.0.0.1:9090', fromMs: 1764000000000, toMs: 1764000180000, out: '/tmp/x.json',
      matchText: '{run="17"}', match: [{ label: 'run', op: '=', value: '17' }],
    });
    expect(parseArgs([...base, '--url=http://127.0.0.1:9190']).url).toBe('http://127.0.0.1:9190');
    expect(parseArgs(base).match).toEqual([]);
  });

  it('refuses what would silently report the wrong window or nothing', () => {
    expect(() => parseArgs(['--from', '1764000000', '--to', '1764000180', '--out', 'x'])).toThrow(/epoch milliseconds/);
    expect(() => parseArgs(['--from', '1764000180000', '--to', '1764000000000', '--out', 'x'])).toThrow(/must be after/);
    expect(() => parseArgs(base.slice(0, 4))).toThrow(/--out is required/);
    expect(() => parseArgs([...base, '--match', 'run=17'])).toThrow(UsageError);
    expect(() => parseArgs([...base, '--since', '5m'])).toThrow(/unknown argument --since/);
  });
});

describe('the printed table', () => {
  it('lists alerts and SLIs, n/a where Prometheus had no data', () => {
    const text = formatTable({
      prometheus: 'http://127.0.0.1:9090', from: '2026-12-01T09:00:00.000Z', to: '2026-12-01T09:03:00.000Z', windowSeconds: 180,
      match: '{run="17"}',
      alertsFired: [{
        alert: 'SubmitAvailabilityFastBurn', severity: 'page', slo: 'submit-availability', state: 'firing',
        firstActiveAt: '2026-12-01T09:02:00.000Z', lastActiveAt: '2026-12-01T09:03:00.000Z', activeSince: null, labels: {},
      }],
      slis: {
        counting: 'delta',
        submitRequests: 1000, submitServerErrors: 5, submitErrorRatio: 0.005, submitLatencyP95Seconds: 0.042, submitLatencyP99Seconds: 0.2,
        freshnessReadings: null, freshnessP95Seconds: null, freshnessP99Seconds: null,
        bySlo: { 'submit-availability': { objective: 0.999, events: 1000, badEvents: 5, errorRatio: 0.005, withinObjective: false, recorded5m: { peak: 0.01, last: 0.004 } } },
      },
    });
    expect(text).toContain('SubmitAvailabilityFastBurn');
    expect(text).toContain('counts: delta');
    expect(text).toContain('5xx 5 (0.500%), latency p95 42 ms, p99 200 ms');
    expect(text).toContain('freshness: n/a readings, p95 n/a');
    expect(text).toMatch(/submit-availability\s+99\.9%\s+1000\s+5\s+0\.500%\s+NO\s+1\.000%/);
  });
});
