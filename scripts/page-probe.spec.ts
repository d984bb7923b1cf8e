import { parseArgs, percentiles } from './page-probe';

describe('page probe', () => {
  it('computes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentiles(values)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99 });
    expect(percentiles([])).toEqual({ count: 0, p50: null, p95: null, p99: null });
  });

  it('is bounded and loopback only', () => {
    expect(parseArgs(['--url', 'http://127.0.0.1:3004', '--duration', '180', '--every', '3'])).toMatchObject({ duration: 180, every: 3 });
    expect(() => parseArgs(['--url', 'http://example.com'])).toThrow(/loopback/);
    expect(() => parseArgs(['--duration', '7200'])).toThrow(/duration/);
    expect(() => parseArgs(['--every', '0.1'])).toThrow(/every/);
  });
});
