import { calibrate, calibrationUnit, calibrationWorkload, median, quantile, summariseSamples } from './host-calibration';

describe('host calibration', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('median of nothing');
  });

  it('runs the request-shaped unit: a verified signature, JSON both ways and a hash', () => {
    const w = calibrationWorkload();
    expect(calibrationUnit(w)).toBeGreaterThan(0);
  });

  it('refuses a workload whose signature does not verify, so a broken unit cannot look fast', () => {
    const w = calibrationWorkload();
    expect(() => calibrationUnit({ ...w, signature: Buffer.alloc(w.signature.length) })).toThrow('did not verify');
  });

  it('reports the median of the counted rounds, the warm-up round left out', () => {
    const result = calibrate(3, 5);
    expect(result.roundsMs).toHaveLength(3);
    expect(result.medianMs).toBeGreaterThan(0);
  });

  it('counts every round when the sampler already warmed the workload', () => {
    expect(calibrate(2, 5, calibrationWorkload(), false).roundsMs).toHaveLength(2);
  });

  it('summarises a run\'s samples by median and spread, and says nothing when there were none', () => {
    expect(quantile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9)).toBe(90);
    expect(quantile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.1)).toBe(10);
    const summary = summariseSamples(250, [30, 31, 55, 33].map((ms, i) => ({ atMs: i * 5000, ms })));
    expect(summary).toMatchObject({ units: 250, medianMs: 32, p10Ms: 30, p90Ms: 55 });
    expect(summariseSamples(250, [])).toMatchObject({ medianMs: null, samples: [] });
    // The median of two samples is printed to a tenth, not as 53.150000000000006.
    expect(summariseSamples(250, [53.1, 53.2].map((ms, i) => ({ atMs: i, ms }))).medianMs).toBe(53.2);
  });
});
