import { Counter, Gauge, Histogram } from 'prom-client';
import { createMetrics, FRESHNESS_BUCKETS, HTTP_DURATION_BUCKETS, METRIC_DEFINITIONS } from './metrics.catalog';

// The contract other code imports: names, types and label sets exactly.
const EXPECTED: Record<string, { type: string; labels: string[] }> = {
  surge_http_requests_total: { type: 'counter', labels: ['service', 'route', 'method', 'code'] },
  surge_http_request_duration_seconds: { type: 'histogram', labels: ['service', 'route', 'method'] },
  surge_http_requests_shed_total: { type: 'counter', labels: ['service', 'reason', 'criticality'] },
  surge_kafka_produce_duration_seconds: { type: 'histogram', labels: ['topic'] },
  surge_kafka_produce_failures_total: { type: 'counter', labels: ['topic', 'reason'] },
  surge_kafka_consumer_lag: { type: 'gauge', labels: ['group', 'topic', 'partition'] },
  surge_registry_projection_lag: { type: 'gauge', labels: ['service'] },
  surge_registry_projection_registers: { type: 'gauge', labels: ['service'] },
  surge_registry_records_skipped_total: { type: 'counter', labels: ['service', 'reason'] },
  surge_sink_batch_size: { type: 'histogram', labels: ['sink'] },
  surge_sink_write_duration_seconds: { type: 'histogram', labels: ['sink'] },
  surge_sink_dead_letters_total: { type: 'counter', labels: ['sink', 'reason'] },
  surge_reading_freshness_seconds: { type: 'histogram', labels: [] },
  surge_timeline_freshness_seconds: { type: 'histogram', labels: ['source'] },
  surge_timeline_projection_seconds: { type: 'histogram', labels: ['source'] },
  surge_readings_total: { type: 'counter', labels: ['outcome', 'reason'] },
  surge_db_errors_total: { type: 'counter', labels: ['db', 'operation'] },
  surge_queue_jobs: { type: 'gauge', labels: ['queue', 'state'] },
  surge_queue_job_outcomes_total: { type: 'counter', labels: ['queue', 'outcome'] },
  surge_bill_run_accounts: { type: 'gauge', labels: ['state'] },
  surge_bill_run_accounts_total: { type: 'counter', labels: ['outcome'] },
  surge_outbox_rows: { type: 'gauge', labels: ['outbox'] },
  surge_csat_answers_total: { type: 'counter', labels: ['channel', 'category', 'outcome', 'satisfied'] },
  surge_csat_score_ratio: { type: 'gauge', labels: [] },
  surge_dependency_up: { type: 'gauge', labels: ['dependency'] },
  surge_page_load_seconds: { type: 'histogram', labels: ['page', 'metric'] },
  surge_page_timings_refused_total: { type: 'counter', labels: [] },
};

describe('metrics catalog', () => {
  it('defines exactly the agreed metrics, types and label sets', () => {
    const actual = Object.fromEntries(
      Object.values(METRIC_DEFINITIONS).map((d) => [d.name, { type: d.type, labels: [...d.labelNames] }]),
    );
    expect(actual).toEqual(EXPECTED);
  });

  it('keeps labels bounded: no id, url or path labels', () => {
    for (const def of Object.values(METRIC_DEFINITIONS)) {
      for (const label of def.labelNames) expect(label).not.toMatch(/id$|url|path|mpan|account|user/i);
    }
  });

  it('uses the agreed buckets', () => {
    expect([...METRIC_DEFINITIONS.httpRequestDuration.buckets]).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
    expect([...METRIC_DEFINITIONS.readingFreshness.buckets]).toEqual([0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]);
    expect(HTTP_DURATION_BUCKETS).toBe(METRIC_DEFINITIONS.httpRequestDuration.buckets);
    expect(FRESHNESS_BUCKETS).toBe(METRIC_DEFINITIONS.readingFreshness.buckets);
  });

  it('creates typed metric objects on a fresh registry each time', async () => {
    const a = createMetrics('read-api', { defaultMetrics: false });
    const b = createMetrics('read-sink', { defaultMetrics: false });
    expect(a.registry).not.toBe(b.registry);
    expect(a.httpRequests).toBeInstanceOf(Counter);
    expect(a.kafkaConsumerLag).toBeInstanceOf(Gauge);
    expect(a.readingFreshness).toBeInstanceOf(Histogram);

    a.httpRequests.inc({ service: 'read-api', route: '/v1/meter-readings', method: 'POST', code: '202' });
    a.readingFreshness.observe(1.5);
    a.readings.inc({ outcome: 'rejected', reason: 'MPAN_INVALID' });
    const text = await a.registry.metrics();
    expect(text).toContain('surge_http_requests_total{service="read-api",route="/v1/meter-readings",method="POST",code="202"} 1');
    expect(text).toContain('surge_reading_freshness_seconds_bucket{le="2"} 1');
    expect(text).toContain('surge_readings_total{outcome="rejected",reason="MPAN_INVALID"} 1');
    // The other registry saw none of it.
    expect(await b.registry.metrics()).not.toContain('route="/v1/meter-readings"');
  });

  it('registers every catalog metric', () => {
    const m = createMetrics('csat', { defaultMetrics: false });
    const names = m.registry.getMetricsAsArray().map((x) => x.name).sort();
    expect(names).toEqual(Object.keys(EXPECTED).sort());
  });

  it('adds Node default metrics labelled with the service', async () => {
    const m = createMetrics('billing');
    const text = await m.registry.metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="billing"\} /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes\{service="billing"\} /m);
    // Only default metrics carry the default label; catalog metrics keep their own label sets.
    expect(text).not.toMatch(/surge_kafka_consumer_lag\{[^}]*service=/);
  });

  it('rejects a service name that would make a bad label value', () => {
    expect(() => createMetrics('Read API')).toThrow(/invalid service name/);
  });
});
