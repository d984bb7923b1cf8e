import { compatibilityPartitioner, Producer, ProduceAcks } from '@platformatic/kafka';
import type { EventPublisher } from './event-publisher';
import type { OutgoingRecord } from './kafka-record';
import { KafkaUnavailableError } from './kafka-unavailable.error';
import { publishRefusal } from './publish-admission';

export interface PublisherOptions {
  brokers: string[];
  clientId: string;
  /** How long a caller waits for acks=all before it is told the records are not confirmed (KafkaUnavailableError). */
  deadlineMs: number;
  /** Records waiting or in flight, at most. Past it, publish fails fast: the buffer is the backpressure. */
  maxBufferedRecords: number;
  /** Records per produce request, at most. */
  maxBatchRecords: number;
  /** How long a record may wait for others to share its produce request. */
  lingerMs: number;
  /**
   * Produce requests handed to the client at once. The idempotent producer
   * itself keeps one request in flight per broker connection (ordering), so
   * values above 1 only queue inside the client; micro-batching is what buys throughput.
   */
  maxInFlightRequests: number;
  /**
   * Independent producers, each with its own connection. The idempotent
   * producer keeps one request in flight per connection, so lanes are what
   * let several produce requests overlap. A key always maps to the same lane,
   * so per-key (per supply point) order is kept.
   */
  lanes: number;
  /** Called with each produce request's outcome, for metrics. */
  onFlush?: (records: number, seconds: number, error?: unknown) => void;
}

interface Pending {
  readonly record: OutgoingRecord;
  readonly done: (error?: unknown) => void;
}

/**
 * EventPublisher over @platformatic/kafka (see docs/decisions/0001-kafka-client.md).
 *
 * Concurrent `publish` calls are coalesced into shared produce requests
 * (micro-batching): an HTTP request awaits its own records' acks, but the
 * broker sees a few large requests instead of thousands of small ones. The
 * idempotent producer with acks=all makes the broker's retries of a request
 * safe (no duplicates from the client's own retries) and keeps per-partition
 * order across in-flight requests.
 */
export class PlatformaticEventPublisher implements EventPublisher {
  private readonly lanes: Lane[];
  private buffered = 0;
  private healthy = true;
  private closed = false;

  constructor(private readonly options: PublisherOptions) {
    this.lanes = Array.from({ length: Math.max(1, options.lanes) }, (_, i) => new Lane(createProducer(options, i), options, (ok) => (this.healthy = ok)));
  }

  publish(records: readonly OutgoingRecord[]): Promise<void> {
    const refused = publishRefusal(this.closed, this.buffered, records.length, this.options.maxBufferedRecords);
    if (refused) return Promise.reject(refused);
    if (records.length === 0) return Promise.resolve();
    this.buffered += records.length;
    return new Promise<void>((resolve, reject) => {
      let remaining = records.length;
      let settled = false;
      const deadline = setTimeout(() => {
        // The records are already with the producer: the broker may still store them after we answer. Say
        // "not confirmed", never "not written": the caller's retry must be one that is safe to duplicate.
        settle(new KafkaUnavailableError('not_confirmed', `acks=all not received within ${this.options.deadlineMs} ms; the records may still be written`));
      }, this.options.deadlineMs);
      const settle = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (error) reject(error);
        else resolve();
      };
      const done = (error?: unknown) => {
        this.buffered--;
        // A failed produce request can still have been appended (e.g. the ack was lost): not confirmed, as at the deadline.
        if (error) settle(new KafkaUnavailableError('not_confirmed', 'the produce request failed; the records may still have been written', { cause: error }));
        else if (--remaining === 0) settle();
      };
      for (const record of records) this.lanes[laneOf(record.key, this.lanes.length)]!.enqueue({ record, done });
    });
  }

  isHealthy(): boolean {
    return this.healthy && !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.lanes.map((l) => l.close()));
  }
}

/** One producer and its queue: records coalesced into produce requests, a bounded number handed over at once. */
class Lane {
  private queue: Pending[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly producer: Producer<Buffer, Buffer, string, string>,
    private readonly options: PublisherOptions,
    private readonly reportHealth: (ok: boolean) => void,
  ) {}

  enqueue(p: Pending): void {
    this.queue.push(p);
    if (this.queue.length >= this.options.maxBatchRecords) {
      this.drain();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, this.options.lingerMs);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    while (this.queue.length > 0 || this.inFlight > 0) {
      this.drain();
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.producer.close();
  }

  private drain(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlightRequests) {
      const batch = this.queue.splice(0, this.options.maxBatchRecords);
      this.inFlight++;
      const started = process.hrtime.bigint();
      this.producer
        .send({
          messages: batch.map(({ record }) => ({
            topic: record.topic,
            key: Buffer.from(record.key),
            value: typeof record.value === 'string' ? Buffer.from(record.value) : record.value,
            headers: record.headers ? new Map(Object.entries(record.headers)) : undefined,
          })),
        })
        .then(
          () => {
            this.reportHealth(true);
            this.options.onFlush?.(batch.length, seconds(started));
            for (const p of batch) p.done();
          },
          (error: unknown) => {
            this.reportHealth(false);
            this.options.onFlush?.(batch.length, seconds(started), error);
            for (const p of batch) p.done(error);
          },
        )
        .finally(() => {
          this.inFlight--;
          if (this.queue.length > 0) this.drain();
        });
    }
  }
}

function createProducer(options: PublisherOptions, lane: number): Producer<Buffer, Buffer, string, string> {
  return new Producer<Buffer, Buffer, string, string>({
    clientId: `${options.clientId}-${lane}`,
    bootstrapBrokers: options.brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    // The client's own retries stay well inside the caller's deadline.
    retries: 3,
    retryDelay: 100,
    timeout: Math.max(1000, options.deadlineMs),
    autocreateTopics: false,
    // murmur2 like the Java client and librdkafka: a supply point's records
    // land on the same partition whichever client wrote them (D0010 loaders,
    // Kafka Connect), so their order holds. The library's default differs for ~half of keys.
    partitioner: compatibilityPartitioner,
    serializers: {
      headerKey: (s?: string) => (s === undefined ? undefined : Buffer.from(s)),
      headerValue: (s?: string) => (s === undefined ? undefined : Buffer.from(s)),
    },
  });
}

/** FNV-1a over the key: cheap, stable, spreads supply points evenly. */
export function laneOf(key: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % lanes;
}

const seconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;
