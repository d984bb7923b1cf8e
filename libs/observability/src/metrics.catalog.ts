// THE catalog of Surge's Prometheus metrics: every metric any service exports
// is defined here, once, with its labels. The SLO rules and the Grafana
// dashboards (generated from libs/slo by `npm run slo:generate`) query these
// names; a unit test checks that every `surge_*` series they use exists here.
//
// Label rule: every label has a small, bounded set of values. Never put an id
// (MPAN, account, reading, bill run, correlation id) or a raw URL in a label:
// each distinct value is a new time series held in memory by every scrape.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

interface CounterDefinition<L extends string> {
  readonly type: 'counter';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
}
interface GaugeDefinition<L extends string> {
  readonly type: 'gauge';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
}
interface HistogramDefinition<L extends string> {
  readonly type: 'histogram';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly buckets: readonly number[];
}
export type MetricDefinition =
  | CounterDefinition<string>
  | GaugeDefinition<string>
  | HistogramDefinition<string>;

const counter = <const L extends string>(name: string, help: string, labelNames: readonly L[]): CounterDefinition<L> => ({
  type: 'counter',
  name,
  help,
  labelNames,
});
const gauge = <const L extends string>(name: string, help: string, labelNames: readonly L[]): GaugeDefinition<L> => ({
  type: 'gauge',
  name,
  help,
  labelNames,
});
const histogram = <const L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: readonly number[],
): HistogramDefinition<L> => ({ type: 'histogram', name, help, labelNames, buckets });

/** HTTP latency buckets. 0.1 and 0.25 are the submit-latency SLO thresholds: keep them. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;
/** Submitted-to-queryable buckets. 5 is the freshness SLO threshold: keep it. */
export const FRESHNESS_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60] as const;
export const KAFKA_PRODUCE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;
export const SINK_BATCH_SIZE_BUCKETS = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;
/** Browser page timings. 0.5, 1 and 2.5 are the page-ttfb, page-submit-to-answer and page-lcp SLO thresholds: keep them. */
export const PAGE_LOAD_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 3, 4, 5, 8, 10, 20] as const;
export const SINK_WRITE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

// Bounded label values, for the code that sets them.
export type ReadingOutcome = 'received' | 'accepted' | 'rejected' | 'held';
export type Database = 'clickhouse' | 'postgres' | 'redis';
export type Dependency = 'kafka' | Database;
export type BillRunAccountState = 'done' | 'failed' | 'remaining';
/** Final outcome of one account in one bill run: `failed` only once retries are exhausted. */
export type BillRunAccountOutcome = 'billed' | 'failed';

export const METRIC_DEFINITIONS = {
  httpRequests: counter(
    'surge_http_requests_total',
    'HTTP requests answered, by route template (never the raw URL) and status code.',
    ['service', 'route', 'method', 'code'],
  ),
  httpRequestsShed: counter(
    'surge_http_requests_shed_total',
    'Requests refused 503 at the front door before any work, by why (in_flight|queue_delay: waited past the limit, at the door or in the admission queue|loop_utilization|queue_full: refused at the admission queue door) and criticality (critical|sheddable: collector batches go first).',
    ['service', 'reason', 'criticality'],
  ),
  httpRequestDuration: histogram(
    'surge_http_request_duration_seconds',
    'HTTP request duration from the request arriving to the response being sent, by route template.',
    ['service', 'route', 'method'],
    HTTP_DURATION_BUCKETS,
  ),
  kafkaProduceDuration: histogram(
    'surge_kafka_produce_duration_seconds',
    'Time for a produce to be acknowledged by the Kafka brokers.',
    ['topic'],
    KAFKA_PRODUCE_BUCKETS,
  ),
  kafkaProduceFailures: counter(
    'surge_kafka_produce_failures_total',
    'Produces that failed, by a stable reason code (e.g. timeout, broker_unavailable, message_too_large).',
    ['topic', 'reason'],
  ),
  kafkaConsumerLag: gauge(
    'surge_kafka_consumer_lag',
    'Messages between the committed offset of a consumer group and the end of the partition.',
    ['group', 'topic', 'partition'],
  ),
  registryProjectionLag: gauge(
    'surge_registry_projection_lag',
    'Records of registry.v1 not yet applied to a consumer\'s local registry projection (offsets behind the end of the topic, sampled).',
    ['service'],
  ),
  registryProjectionRegisters: gauge('surge_registry_projection_registers', 'Registers a consumer\'s local registry projection knows.', ['service']),
  registryRecordsSkipped: counter('surge_registry_records_skipped_total', 'registry.v1 records a consumer could not use (malformed, unknown schema), skipped.', ['service', 'reason']),
  sinkBatchSize: histogram(
    'surge_sink_batch_size',
    'Rows written to a sink in one batch.',
    ['sink'],
    SINK_BATCH_SIZE_BUCKETS,
  ),
  sinkWriteDuration: histogram(
    'surge_sink_write_duration_seconds',
    'Time to write one batch to a sink.',
    ['sink'],
    SINK_WRITE_BUCKETS,
  ),
  sinkDeadLetters: counter(
    'surge_sink_dead_letters_total',
    'Messages a sink could not write and sent to the dead-letter topic, by stable reason code.',
    ['sink', 'reason'],
  ),
  readingFreshness: histogram(
    'surge_reading_freshness_seconds',
    'Time from the 202 accepting a reading to the reading being queryable in ClickHouse.',
    [],
    FRESHNESS_BUCKETS,
  ),
  timelineFreshness: histogram(
    'surge_timeline_freshness_seconds',
    'Time from a fact in its owning service (the instant its event names) to its entry being stored on the account timeline, by source service.',
    ['source'],
    FRESHNESS_BUCKETS,
  ),
  timelineProjectionDelay: histogram(
    'surge_timeline_projection_seconds',
    "Time from a fact's record reaching its topic (the record timestamp) to its entry being stored on the account timeline: the timeline's own part of surge_timeline_freshness_seconds, by source service.",
    ['source'],
    FRESHNESS_BUCKETS,
  ),
  readings: counter(
    'surge_readings_total',
    'Meter readings by outcome (received|accepted|rejected|held) and stable reason code (libs/errors; "none" when accepted).',
    ['outcome', 'reason'],
  ),
  dbErrors: counter(
    'surge_db_errors_total',
    'Database operations that failed, by database (clickhouse|postgres|redis) and operation kind.',
    ['db', 'operation'],
  ),
  queueJobs: gauge('surge_queue_jobs', 'Jobs in a BullMQ queue by state (waiting, active, delayed, failed...).', [
    'queue',
    'state',
  ]),
  queueJobOutcomes: counter(
    'surge_queue_job_outcomes_total',
    'Jobs that finished an attempt, by outcome (completed|failed|retried|stalled).',
    ['queue', 'outcome'],
  ),
  billRunAccounts: gauge(
    'surge_bill_run_accounts',
    'Accounts of the bill run in progress by state (done|failed|remaining); 0 between runs.',
    ['state'],
  ),
  billRunAccountsTotal: counter(
    'surge_bill_run_accounts_total',
    'Accounts that reached a final outcome in a bill run (billed|failed; failed once retries are exhausted).',
    ['outcome'],
  ),
  outboxRows: gauge(
    'surge_outbox_rows',
    'Rows waiting in a transactional outbox for their relay (e.g. billed_readings: bills whose reading marks are not yet in ClickHouse), sampled.',
    ['outbox'],
  ),
  csatAnswers: counter(
    'surge_csat_answers_total',
    'Customer-satisfaction answers by channel, category, contact outcome and satisfied (true|false).',
    ['channel', 'category', 'outcome', 'satisfied'],
  ),
  csatScore: gauge('surge_csat_score_ratio', 'Share of satisfied answers over the last day, 0..1.', []),
  pageLoad: histogram(
    'surge_page_load_seconds',
    "Page timings reported by customers' browsers to customer-web (metric: ttfb, lcp, submit_to_answer), by page.",
    ['page', 'metric'],
    PAGE_LOAD_BUCKETS,
  ),
  pageTimingsRefused: counter('surge_page_timings_refused_total', 'Page-timing beacons refused as malformed (unknown page or metric, absurd value).', []),
  dependencyUp: gauge(
    'surge_dependency_up',
    'Whether a dependency answered its last health check (1) or not (0).',
    ['dependency'],
  ),
} as const;

type Definitions = typeof METRIC_DEFINITIONS;
type MetricFor<D> =
  D extends CounterDefinition<infer L>
    ? Counter<L>
    : D extends GaugeDefinition<infer L>
      ? Gauge<L>
      : D extends HistogramDefinition<infer L>
        ? Histogram<L>
        : never;

export type SurgeMetricSet = { readonly [K in keyof Definitions]: MetricFor<Definitions[K]> };

export interface SurgeMetrics extends SurgeMetricSet {
  readonly service: string;
  /** A fresh registry per call: tests and several apps in one process never collide. */
  readonly registry: Registry;
}

export interface CreateMetricsOptions {
  /** Node.js process metrics (heap, event loop lag, GC...) labelled {service}. Default true. */
  readonly defaultMetrics?: boolean;
}

export function createMetrics(service: string, options: CreateMetricsOptions = {}): SurgeMetrics {
  if (!/^[a-z][a-z0-9-]*$/.test(service)) throw new Error(`invalid service name "${service}"`);
  const registry = new Registry();
  const metrics: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(METRIC_DEFINITIONS) as [keyof Definitions, MetricDefinition][]) {
    const config = { name: def.name, help: def.help, labelNames: [...def.labelNames], registers: [registry] };
    switch (def.type) {
      case 'counter':
        metrics[key] = new Counter(config);
        break;
      case 'gauge':
        metrics[key] = new Gauge(config);
        break;
      case 'histogram':
        metrics[key] = new Histogram({ ...config, buckets: [...def.buckets] });
        break;
    }
  }
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, labels: { service } });
  return { ...(metrics as unknown as SurgeMetricSet), service, registry };
}
