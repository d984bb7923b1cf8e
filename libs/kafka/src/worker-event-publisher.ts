import { join } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { EventPublisher } from './event-publisher';
import type { OutgoingRecord } from './kafka-record';
import { KafkaUnavailableError, type KafkaUnavailableReason } from './kafka-unavailable.error';
import { publishRefusal } from './publish-admission';
import type { PublisherOptions } from './platformatic-event-publisher';

export interface WorkerPublisherOptions extends PublisherOptions {
  /** The built worker script (default: event-publisher.worker.js beside this file in dist/). */
  readonly workerPath?: string;
  /** The worker's own heap limits (its Kafka client only). */
  readonly resourceLimits?: ResourceLimits;
}

/** One publish call as it crosses to the worker: values packed in one transferred buffer, keys and headers beside it. */
export interface PackedBatch {
  readonly t: 'publish';
  readonly id: number;
  readonly topics: string[];
  readonly topicOf: number[];
  readonly keys: string[];
  /** Byte offset where each record's value ends in `values` (it starts where the previous one ended). */
  readonly ends: number[];
  readonly values: ArrayBuffer;
  readonly headerSets: Record<string, string>[];
  /** Index into headerSets per record, -1 for none. */
  readonly headersOf: number[];
}

export type FromWorker =
  | { readonly t: 'done'; readonly id: number; readonly error?: { readonly reason: KafkaUnavailableReason; readonly message: string } }
  | { readonly t: 'flush'; readonly records: number; readonly seconds: number; readonly failed: boolean; readonly healthy: boolean }
  | { readonly t: 'closed' };

interface Waiting {
  readonly records: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * EventPublisher whose Kafka client runs on a worker thread (a PlatformaticEventPublisher there, with the
 * same options), so the client's per-record encoding (record batches, CRC32C, murmur2, socket writes: about
 * half the CPU of a D0010 flow's intake, docs/benchmarks.md "D0010 intake") runs on the other core while
 * the caller's thread parses and maps the next batch.
 *
 * Guarantees: the same as PlatformaticEventPublisher's, which does the publishing: `publish` resolves only
 * once the worker's publisher resolved, i.e. acks=all for every record of the call; records are handed over
 * in call order through one message channel (FIFO), so per-key order holds. It rejects with a
 * KafkaUnavailableError: the worker's own (buffer_full, not_confirmed after the deadline or a failed
 * request, closing), `buffer_full` here when more records wait than maxBufferedRecords, and `not_confirmed`
 * when the worker dies or does not answer within the deadline plus a margin (the records may have been
 * written). A dead worker is replaced at the next publish.
 */
export class WorkerEventPublisher implements EventPublisher {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private buffered = 0;
  private healthy = true;
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: WorkerPublisherOptions) {}

  publish(records: readonly OutgoingRecord[]): Promise<void> {
    const refused = publishRefusal(this.closed, this.buffered, records.length, this.options.maxBufferedRecords);
    if (refused) return Promise.reject(refused);
    if (records.length === 0) return Promise.resolve();
    const batch = pack(this.nextId++, records);
    const worker = this.ensureWorker();
    this.buffered += records.length;
    return new Promise<void>((resolve, reject) => {
      // The worker's publisher answers by its deadline; past it and a margin, the worker is presumed stuck.
      const timer = setTimeout(() => this.settle(batch.id, new KafkaUnavailableError('not_confirmed', 'the publishing worker did not answer in time; the records may still be written')), this.options.deadlineMs + 5000);
      this.waiting.set(batch.id, { records: records.length, resolve, reject, timer });
      worker.postMessage(batch, [batch.values]);
    });
  }

  isHealthy(): boolean {
    return this.healthy && !this.closed;
  }

  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      const worker = this.worker;
      if (!worker) return;
      // The worker's publisher flushes what it holds and closes its producers, then says so.
      await new Promise<void>((resolve) => {
        const onMessage = (m: FromWorker) => m.t === 'closed' && resolve();
        worker.on('message', onMessage);
        worker.once('exit', () => resolve());
        worker.postMessage({ t: 'close' });
      });
      await worker.terminate();
    })();
    return this.closing;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const { workerPath, resourceLimits, onFlush, ...publisherOptions } = this.options;
    void onFlush;
    const worker = new Worker(workerPath ?? join(__dirname, 'event-publisher.worker.js'), { workerData: publisherOptions, resourceLimits });
    worker.on('message', (m: FromWorker) => {
      if (m.t === 'done') this.settle(m.id, m.error ? new KafkaUnavailableError(m.error.reason, m.error.message) : undefined);
      else if (m.t === 'flush') {
        this.healthy = m.healthy;
        this.options.onFlush?.(m.records, m.seconds, m.failed ? new Error('produce request failed') : undefined);
      }
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.healthy = false;
      for (const id of [...this.waiting.keys()]) this.settle(id, new KafkaUnavailableError('not_confirmed', `the publishing worker ${why}; the records may still have been written`));
    };
    worker.on('error', (error) => lost(`failed (${String((error as Error)?.message ?? error)})`));
    worker.on('exit', (code) => lost(`exited (${code})`));
    // The worker alone must not keep the process alive (close() ends it).
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private settle(id: number, error?: KafkaUnavailableError): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    this.buffered -= w.records;
    if (error) w.reject(error);
    else w.resolve();
  }
}

/** The records of one call as a PackedBatch: the values copied once into one buffer the worker takes over. */
export function pack(id: number, records: readonly OutgoingRecord[]): PackedBatch {
  let chars = 0;
  let longest = 0;
  for (const r of records) {
    const n = r.value.length;
    chars += n;
    if (n > longest) longest = n;
  }
  // Enough for one-byte strings and Buffers without growing (a string takes at most 3 bytes a character).
  let buf = Buffer.allocUnsafeSlow(chars + 3 * longest + 16);
  let off = 0;
  const topics: string[] = [];
  const topicIndex = new Map<string, number>();
  const topicOf: number[] = new Array(records.length);
  const keys: string[] = new Array(records.length);
  const ends: number[] = new Array(records.length);
  const headerSets: Record<string, string>[] = [];
  const headerIndex = new Map<object, number>();
  const headersOf: number[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const v = r.value;
    const need = typeof v === 'string' ? v.length * 3 : v.length;
    if (buf.length - off < need) {
      const grown = Buffer.allocUnsafeSlow(Math.max(buf.length * 2, off + need));
      buf.copy(grown, 0, 0, off);
      buf = grown;
    }
    off += typeof v === 'string' ? buf.write(v, off, 'utf8') : v.copy(buf, off);
    ends[i] = off;
    keys[i] = r.key;
    let t = topicIndex.get(r.topic);
    if (t === undefined) {
      t = topics.push(r.topic) - 1;
      topicIndex.set(r.topic, t);
    }
    topicOf[i] = t;
    if (r.headers) {
      let h = headerIndex.get(r.headers);
      if (h === undefined) {
        h = headerSets.push({ ...r.headers }) - 1;
        headerIndex.set(r.headers, h);
      }
      headersOf[i] = h;
    } else headersOf[i] = -1;
  }
  return { t: 'publish', id, topics, topicOf, keys, ends, values: buf.buffer as ArrayBuffer, headerSets, headersOf };
}

/** The records of a PackedBatch again (in the worker): each value a view of the transferred buffer, no copy. */
export function unpack(batch: PackedBatch): OutgoingRecord[] {
  const out: OutgoingRecord[] = new Array(batch.keys.length);
  let start = 0;
  for (let i = 0; i < batch.keys.length; i++) {
    const end = batch.ends[i]!;
    const h = batch.headersOf[i]!;
    out[i] = { topic: batch.topics[batch.topicOf[i]!]!, key: batch.keys[i]!, value: Buffer.from(batch.values, start, end - start), ...(h >= 0 ? { headers: batch.headerSets[h]! } : {}) };
    start = end;
  }
  return out;
}
