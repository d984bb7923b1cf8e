import { histogramBuckets, parseSamples, quantile, shareAtOrUnder, sumOf } from './prometheus-text.parser';

const TEXT = `# HELP surge_kafka_consumer_lag lag
# TYPE surge_kafka_consumer_lag gauge
surge_kafka_consumer_lag{group="g",topic="a",partition="0"} 5
surge_kafka_consumer_lag{group="g",topic="a",partition="1"} 7
surge_kafka_consumer_lag{group="other",topic="a",partition="0"} 100
surge_timeline_freshness_seconds_bucket{le="1",source="read-sink"} 90
surge_timeline_freshness_seconds_bucket{le="10",source="read-sink"} 99
surge_timeline_freshness_seconds_bucket{le="+Inf",source="read-sink"} 100
surge_timeline_freshness_seconds_bucket{le="1",source="csat"} 1
surge_timeline_freshness_seconds_bucket{le="10",source="csat"} 1
surge_timeline_freshness_seconds_bucket{le="+Inf",source="csat"} 1
surge_timeline_freshness_seconds_count{source="read-sink"} 100
`;

describe('Prometheus text in scripts', () => {
  const samples = parseSamples(TEXT);

  it('sums a gauge over the series whose labels match', () => {
    expect(sumOf(samples, 'surge_kafka_consumer_lag', { group: 'g' })).toBe(12);
    expect(sumOf(samples, 'surge_kafka_consumer_lag')).toBe(112);
    expect(sumOf(samples, 'nothing')).toBe(0);
  });

  it('reads a histogram by label: quantiles as Prometheus interpolates them, and the exact share under a bucket bound', () => {
    const b = histogramBuckets(samples, 'surge_timeline_freshness_seconds', { source: 'read-sink' });
    expect(b).toEqual([{ le: 1, count: 90 }, { le: 10, count: 99 }, { le: Infinity, count: 100 }]);
    expect(quantile(b, 0.5)).toBeCloseTo(0.5556, 3);
    expect(quantile(b, 0.99)).toBe(10);
    expect(shareAtOrUnder(b, 10)).toBe(0.99);
    expect(() => shareAtOrUnder(b, 5)).toThrow(/estimate/);
    expect(quantile([], 0.99)).toBeNull();
  });
});
