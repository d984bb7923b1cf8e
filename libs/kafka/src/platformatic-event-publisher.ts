import { Producer, ProduceAcks } from '@platformatic/kafka';
import { unavailable } from '@surge/errors/app.error';
import type { EventPublisher } from './event-publisher';
import type { OutgoingRecord } from './kafka-record';

export interface PublisherOptions {
  brokers: string[];
  clientId: string;
  /** How long a caller waits for acks=all before it is told "unavailable". */
  deadlineMs: number;
  /** Records waiting or in flight, at most. Past it, publish fails fast: the buffer is the backpressure. */
  maxBufferedRecords: number;
  /** Records per produce request, at most. */
  maxBatchRecords: number;
  /** How long a record may wait for others to share its produce request. */
  lingerMs: number;
  /** Produce requests in flight at once (<= 5 keeps the idempotent producer's ordering). */
  maxInFlightRequests: number;
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
  private readonly producer: Producer<Buffer, Buffer, string, string>;
  private queue: Pending[] = [];
  private buffered = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private healthy = true;
  private closed = false;

  constructor(private readonly options: PublisherOptions) {
    this.producer = new Producer<Buffer, Buffer, string, string>({
      clientId: options.clientId,
      bootstrapBrokers: options.brokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      // The client's own retries stay well inside the caller's deadline.
      retries: 3,
      retryDelay: 100,
      timeout: Math.max(1000, options.deadlineMs),
      autocreateTopics: false,
      serializers: {
        headerKey: (s?: string) => (s === undefined ? undefined : Buffer.from(s)),
        headerValue: (s?: string) => (s === undefined ? undefined : Buffer.from(s)),
      },
    });
  }

  publish(records: readonly OutgoingRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(unavailable('INGEST_UNAVAILABLE', 'The service is shutting down; retry shortly.', 1));
    if (records.length === 0) return Promise.resolve();
    if (this.buffered + records.length > this.options.maxBufferedRecords) {
      return Promise.reject(
        unavailable('INGEST_UNAVAILABLE', 'We are receiving more readings than we can store right now; nothing was accepted. Please retry shortly.', 2),
      );
    }
    this.buffered += records.length;
    return new Promise<void>((resolve, reject) => {
      let remaining = records.length;
      let settled = false;
      const deadline = setTimeout(() => {
        settle(unavailable('INGEST_UNAVAILABLE', 'The reading could not be stored in time; nothing was confirmed. Please retry shortly.', 5));
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
        if (error) settle(unavailable('INGEST_UNAVAILABLE', 'The message broker did not confirm the write; nothing was accepted. Please retry shortly.', 5, error));
        else if (--remaining === 0) settle();
      };
      for (const record of records) this.queue.push({ record, done });
      this.schedule();
    });
  }

  isHealthy(): boolean {
    return this.healthy && !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.queue.length > 0 || this.inFlight > 0) {
      this.drain();
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.producer.close();
  }

  private schedule(): void {
    if (this.queue.length >= this.options.maxBatchRecords) {
      this.drain();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, this.options.lingerMs);
    }
  }

  private drain(): void {
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
            this.healthy = true;
            this.options.onFlush?.(batch.length, seconds(started));
            for (const p of batch) p.done();
          },
          (error: unknown) => {
            this.healthy = false;
            this.options.onFlush?.(batch.length, seconds(started), error);
            for (const p of batch) p.done(error);
          },
        )
        .finally(() => {
          this.inFlight--;
          if (this.queue.length > 0) this.schedule();
        });
    }
  }
}

const seconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;
