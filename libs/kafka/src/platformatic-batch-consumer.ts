import { randomUUID } from 'node:crypto';
import { Consumer, type Message, type MessagesStream, stringDeserializer } from '@platformatic/kafka';
import type { BatchConsumer, BatchHandler } from './batch-consumer';
import type { ConsumedRecord } from './kafka-record';

export interface BatchConsumerOptions {
  brokers: string[];
  clientId: string;
  groupId: string;
  topics: string[];
  /** A batch is handed over when it holds this many records... */
  maxBatchRecords: number;
  /** ...or when its first record has waited this long. */
  maxBatchWaitMs: number;
  /** Backoff between retries of a failed batch (and between rebuilds of a broken consumer): doubles from min to max. */
  retryMinMs: number;
  retryMaxMs: number;
  /**
   * Bytes one fetch may bring back, in total and per partition. The client's default is 50 MB per
   * partition, and a fetch is decoded whole however paused the stream is: a sink catching up on a
   * backlog held hundreds of MB of decoded records (read-sink peak RSS 750+ MiB). Kafka still returns
   * a record batch larger than this on its own, so a big record never stalls the consumer.
   */
  maxFetchBytes?: number;
  /**
   * How long the group coordinator waits for a member's heartbeat before it
   * gives that member's partitions to others. It bounds how long a restarted
   * instance (whose previous self died without leaving) waits to be assigned
   * partitions, so it is short; the broker's minimum is 6 s.
   */
  sessionTimeoutMs?: number;
  /**
   * Static group membership (KIP-345): a member that comes back under the
   * same id takes its partitions back at once instead of waiting for its
   * previous self's session to expire. Must be unique among the live
   * members of the group (one per replica: the pod name, or the native
   * supervisor's instance name). Unset, each consumer object picks one of
   * its own, which makes an in-process rebuild fast; a restarted process
   * then joins as a new member.
   */
  groupInstanceId?: string;
  heartbeatIntervalMs?: number;
  /**
   * How long the consumer may stay broken (rebuilds failing) before it stops
   * trying and reports itself not live: past this the process is expected to
   * exit and be restarted by its supervisor (`onFatal`).
   */
  giveUpAfterMs?: number;
  onBatchFailed?: (error: unknown, attempt: number) => void;
  /** The stream or group membership broke; the consumer is rebuilding itself (attempt 0 = first notice). */
  onConsumerError?: (error: unknown, attempt: number) => void;
  /** Rebuilding failed for longer than giveUpAfterMs: nothing more will be consumed by this instance. */
  onFatal?: (error: unknown) => void;
  onLag?: (lag: ReadonlyMap<string, number>) => void;
}

type KafkaMessage = Message<string, Buffer, string, string>;
type KafkaConsumer = Consumer<string, Buffer, string, string>;
type KafkaStream = MessagesStream<string, Buffer, string, string>;

/** One consumer-group membership and its stream. Replaced whole when it breaks. */
interface Generation {
  readonly id: number;
  readonly consumer: KafkaConsumer;
  readonly stream: KafkaStream;
}

/**
 * BatchConsumer over @platformatic/kafka with manual commits.
 *
 * One batch is in the handler at a time, so per partition the order of
 * handling is the order of offsets. While a batch is handled the stream is
 * paused (bounded memory: at most maxBatchRecords plus the stream's own
 * high-water mark). After the handler resolves, the next offset of every
 * partition in the batch is committed in one request; if the commit fails
 * (say, a rebalance), the batch will be redelivered to whoever owns the
 * partition, which idempotent handlers make harmless.
 *
 * Self-healing: the library destroys its stream on a fetch error (a broker
 * that died, a leader that moved) and never restarts it, and a failed rejoin
 * is reported as an 'error' event. Either way this consumer drops that
 * membership whole (its buffered, uncommitted records and the retries of the
 * batch in hand, which the next owner gets again from the committed offsets)
 * and joins the group afresh, with backoff, for as long as giveUpAfterMs.
 * Nothing committed is handed over again; nothing uncommitted is skipped.
 */
export class PlatformaticBatchConsumer implements BatchConsumer {
  private current: Generation | undefined;
  private generation = 0;
  private buffer: KafkaMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private processing: Promise<void> | undefined;
  private rebuilding: Promise<void> | undefined;
  private handler: BatchHandler | undefined;
  private stopping = false;
  private failed = false;
  private brokenSince: number | undefined;
  private lastLag = new Map<string, number>();

  private readonly groupInstanceId: string;

  constructor(private readonly options: BatchConsumerOptions) {
    this.groupInstanceId = options.groupInstanceId ?? `${options.clientId}-${randomUUID()}`;
  }

  /** Joins the group once; a failure here is the caller's (start-up fails, the supervisor retries). */
  async start(handler: BatchHandler): Promise<void> {
    this.handler = handler;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.current?.stream.pause();
    await this.rebuilding;
    await this.processing;
    const gen = this.current;
    this.current = undefined;
    if (gen) await closeGeneration(gen, 10_000);
  }

  lag(): ReadonlyMap<string, number> {
    return this.lastLag;
  }

  /** In its group with a live stream: ready. */
  isHealthy(): boolean {
    return this.current !== undefined && this.brokenSince === undefined && !this.stopping && !this.failed;
  }

  /** False once the consumer has given up rebuilding itself: only a restart of the process helps. */
  isLive(): boolean {
    return !this.failed;
  }

  private async connect(): Promise<void> {
    const id = ++this.generation;
    const consumer: KafkaConsumer = new Consumer<string, Buffer, string, string>({
      clientId: this.options.clientId,
      groupId: this.options.groupId,
      groupInstanceId: this.groupInstanceId,
      bootstrapBrokers: this.options.brokers,
      autocommit: false,
      // How long the broker holds a fetch that finds nothing new: a fetch still returns as soon as a record
      // arrives, so this sets only the idle polling. At 250 ms the demo's dozen idle consumers cost the broker
      // and themselves 2.4% of a core more than at 1,000 ms (docs/benchmarks.md), CPU the read path needs at 14x.
      maxWaitTime: 1_000,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 1_000,
      // A connection attempt to a dead broker fails in bounded time, so the break is noticed and rebuilt around.
      connectTimeout: 3_000,
      retries: 2,
      retryDelay: 250,
      highWaterMark: Math.max(64, this.options.maxBatchRecords),
      ...(this.options.maxFetchBytes ? { maxBytes: this.options.maxFetchBytes, maxBytesPerPartition: this.options.maxFetchBytes } : {}),
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    });
    // Without a listener an 'error' event (a failed rejoin) would crash the process.
    consumer.on('error', (error: unknown) => this.broken(id, error));
    consumer.on('consumer:heartbeat:stalled', (info: unknown) => this.broken(id, new Error(`group heartbeat stalled: ${describe(info)}`)));
    consumer.on('consumer:lag', (offsets) => {
      const lag = new Map<string, number>();
      for (const [topic, partitions] of offsets) partitions.forEach((l, p) => lag.set(`${topic}:${p}`, Number(l < 0n ? 0n : l)));
      this.lastLag = lag;
      this.options.onLag?.(lag);
    });
    consumer.on('consumer:lag:error', () => undefined);
    let stream: KafkaStream;
    try {
      stream = await consumer.consume({ topics: this.options.topics, mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    } catch (error) {
      await closeConsumer(consumer, 3_000);
      throw error;
    }
    if (this.stopping) {
      await closeGeneration({ id, consumer, stream }, 3_000);
      return;
    }
    this.current = { id, consumer, stream };
    consumer.startLagMonitoring({ topics: this.options.topics }, 5_000);
    stream.on('data', (message: KafkaMessage) => {
      if (id === this.generation) this.onMessage(message);
    });
    stream.on('error', (error: unknown) => this.broken(id, error));
    stream.on('close', () => this.broken(id, new Error('the message stream closed')));
    this.brokenSince = undefined;
  }

  /** A membership broke: rebuild once, whatever number of events report it. */
  private broken(id: number, error: unknown): void {
    if (this.stopping || this.failed || id !== this.generation || this.rebuilding) return;
    this.brokenSince ??= Date.now();
    this.options.onConsumerError?.(error, 0);
    this.rebuilding = this.rebuild().finally(() => {
      this.rebuilding = undefined;
    });
  }

  private async rebuild(): Promise<void> {
    const old = this.current;
    this.current = undefined;
    // From here on, the old stream's records are ignored and the batch in
    // hand stops retrying: none of it is committed, so the new membership gets it again.
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.buffer = [];
    await this.processing;
    if (old) {
      old.stream.removeAllListeners('close');
      old.stream.on('error', () => undefined);
      await bounded(old.stream.close().catch(() => undefined), 3_000);
    }
    let left = !old;
    let delay = this.options.retryMinMs;
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        // Leave the group as the old member first, once the broker answers
        // again: otherwise the coordinator keeps its partitions for a whole
        // session timeout before the new member can have them.
        if (!left) left = await closeConsumer(old!.consumer, 3_000);
        await this.connect();
        return;
      } catch (error) {
        this.options.onConsumerError?.(error, attempt);
        if (Date.now() - (this.brokenSince ?? Date.now()) > (this.options.giveUpAfterMs ?? 300_000)) {
          this.failed = true;
          this.options.onFatal?.(error);
          return;
        }
        await sleep(delay);
        delay = Math.min(delay * 2, this.options.retryMaxMs);
      }
    }
  }

  private onMessage(message: KafkaMessage): void {
    this.buffer.push(message);
    if (this.buffer.length >= this.options.maxBatchRecords) {
      this.current?.stream.pause();
      this.kick();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, this.options.maxBatchWaitMs);
    }
  }

  private kick(): void {
    const gen = this.current;
    if (this.processing || this.stopping || this.buffer.length === 0 || !gen) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    gen.stream.pause();
    const batch = this.buffer.splice(0, this.options.maxBatchRecords);
    this.processing = this.handleWithRetry(gen, batch).finally(() => {
      this.processing = undefined;
      if (this.stopping || this.current !== gen) return;
      if (this.buffer.length >= this.options.maxBatchRecords) this.kick();
      else {
        gen.stream.resume();
        if (this.buffer.length > 0 && !this.timer) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.kick();
          }, this.options.maxBatchWaitMs);
        }
      }
    });
  }

  private async handleWithRetry(gen: Generation, batch: KafkaMessage[]): Promise<void> {
    const records = batch.map(toRecord);
    let delay = this.options.retryMinMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.handler!(records);
        break;
      } catch (error) {
        // Retriable by contract: nothing is committed, the same batch goes again.
        this.options.onBatchFailed?.(error, attempt);
        if (this.stopping || gen.id !== this.generation) return;
        await sleep(delay);
        delay = Math.min(delay * 2, this.options.retryMaxMs);
        if (this.stopping || gen.id !== this.generation) return;
      }
    }
    await this.commit(gen, batch);
  }

  private async commit(gen: Generation, batch: KafkaMessage[]): Promise<void> {
    const last = new Map<string, KafkaMessage>();
    for (const m of batch) {
      const k = `${m.topic}:${m.partition}`;
      const seen = last.get(k);
      if (!seen || seen.offset < m.offset) last.set(k, m);
    }
    try {
      await gen.consumer.commit({
        offsets: [...last.values()].map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset + 1n, leaderEpoch: m.leaderEpoch })),
      });
    } catch (error) {
      // Not fatal: the batch's effects are durable and idempotent; a
      // redelivery after a rebalance will be absorbed by the handler.
      this.options.onBatchFailed?.(error, 0);
    }
  }
}

async function closeGeneration(gen: Generation, timeoutMs: number): Promise<void> {
  gen.stream.removeAllListeners('close');
  gen.stream.on('error', () => undefined);
  await bounded(gen.stream.close().catch(() => undefined), timeoutMs);
  await closeConsumer(gen.consumer, timeoutMs);
}

/** Leaves the group if the broker answers (true once it did); a dead broker must not hold the rebuild (or a shutdown) up. */
async function closeConsumer(consumer: KafkaConsumer, timeoutMs: number): Promise<boolean> {
  const closed = consumer.close(true).then(
    () => true,
    () => false,
  );
  return (await bounded(closed, timeoutMs, false)) === true;
}

function bounded<T>(p: Promise<T>, ms: number, fallback?: T): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T | undefined>((r) => (timer = setTimeout(() => r(fallback), ms)))]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const describe = (info: unknown): string => {
  const e = (info as { lastError?: unknown })?.lastError;
  return e instanceof Error ? e.message : 'no heartbeat answered';
};

const toRecord = (m: KafkaMessage): ConsumedRecord => ({
  topic: m.topic,
  partition: m.partition,
  offset: m.offset,
  key: m.key ?? '',
  value: m.value ?? Buffer.alloc(0),
  headers: Object.fromEntries(m.headers ?? []),
  timestamp: Number(m.timestamp),
});
