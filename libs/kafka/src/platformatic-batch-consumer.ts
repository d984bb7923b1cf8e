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
  /** Backoff between retries of a failed batch: doubles from min to max. */
  retryMinMs: number;
  retryMaxMs: number;
  /**
   * Bytes one fetch may bring back, in total and per partition. The client's default is 50 MB per
   * partition, and a fetch is decoded whole however paused the stream is: a sink catching up on a
   * backlog held hundreds of MB of decoded records (read-sink peak RSS 750+ MiB). Kafka still returns
   * a record batch larger than this on its own, so a big record never stalls the consumer.
   */
  maxFetchBytes?: number;
  onBatchFailed?: (error: unknown, attempt: number) => void;
  onLag?: (lag: ReadonlyMap<string, number>) => void;
}

type KafkaMessage = Message<string, Buffer, string, string>;

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
 */
export class PlatformaticBatchConsumer implements BatchConsumer {
  private consumer: Consumer<string, Buffer, string, string> | undefined;
  private stream: MessagesStream<string, Buffer, string, string> | undefined;
  private buffer: KafkaMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private processing: Promise<void> | undefined;
  private handler: BatchHandler | undefined;
  private stopping = false;
  private healthy = false;
  private lastLag = new Map<string, number>();

  constructor(private readonly options: BatchConsumerOptions) {}

  async start(handler: BatchHandler): Promise<void> {
    this.handler = handler;
    this.consumer = new Consumer<string, Buffer, string, string>({
      clientId: this.options.clientId,
      groupId: this.options.groupId,
      bootstrapBrokers: this.options.brokers,
      autocommit: false,
      maxWaitTime: 250,
      sessionTimeout: 30_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: 3_000,
      highWaterMark: Math.max(64, this.options.maxBatchRecords),
      ...(this.options.maxFetchBytes ? { maxBytes: this.options.maxFetchBytes, maxBytesPerPartition: this.options.maxFetchBytes } : {}),
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    });
    this.consumer.on('consumer:lag', (offsets) => {
      const lag = new Map<string, number>();
      for (const [topic, partitions] of offsets) partitions.forEach((l, p) => lag.set(`${topic}:${p}`, Number(l < 0n ? 0n : l)));
      this.lastLag = lag;
      this.options.onLag?.(lag);
    });
    this.stream = await this.consumer.consume({
      topics: this.options.topics,
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
    });
    this.consumer.startLagMonitoring({ topics: this.options.topics }, 5_000);
    this.healthy = true;
    this.stream.on('data', (message: KafkaMessage) => this.onMessage(message));
    this.stream.on('error', () => {
      this.healthy = false;
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.stream?.pause();
    await this.processing;
    await this.stream?.close().catch(() => undefined);
    await this.consumer?.close(true).catch(() => undefined);
    this.healthy = false;
  }

  lag(): ReadonlyMap<string, number> {
    return this.lastLag;
  }

  isHealthy(): boolean {
    return this.healthy && !this.stopping;
  }

  private onMessage(message: KafkaMessage): void {
    this.buffer.push(message);
    if (this.buffer.length >= this.options.maxBatchRecords) {
      this.stream?.pause();
      this.kick();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, this.options.maxBatchWaitMs);
    }
  }

  private kick(): void {
    if (this.processing || this.stopping || this.buffer.length === 0) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.stream?.pause();
    const batch = this.buffer.splice(0, this.options.maxBatchRecords);
    this.processing = this.handleWithRetry(batch).finally(() => {
      this.processing = undefined;
      if (this.stopping) return;
      if (this.buffer.length >= this.options.maxBatchRecords) this.kick();
      else {
        this.stream?.resume();
        if (this.buffer.length > 0 && !this.timer) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.kick();
          }, this.options.maxBatchWaitMs);
        }
      }
    });
  }

  private async handleWithRetry(batch: KafkaMessage[]): Promise<void> {
    const records = batch.map(toRecord);
    let delay = this.options.retryMinMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.handler!(records);
        break;
      } catch (error) {
        // Retriable by contract: nothing is committed, the same batch goes again.
        this.options.onBatchFailed?.(error, attempt);
        if (this.stopping) return;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, this.options.retryMaxMs);
        if (this.stopping) return;
      }
    }
    await this.commit(batch);
  }

  private async commit(batch: KafkaMessage[]): Promise<void> {
    const last = new Map<string, KafkaMessage>();
    for (const m of batch) {
      const k = `${m.topic}:${m.partition}`;
      const seen = last.get(k);
      if (!seen || seen.offset < m.offset) last.set(k, m);
    }
    try {
      await this.consumer!.commit({
        offsets: [...last.values()].map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset + 1n, leaderEpoch: m.leaderEpoch })),
      });
    } catch (error) {
      // Not fatal: the batch's effects are durable and idempotent; a
      // redelivery after a rebalance will be absorbed by the handler.
      this.options.onBatchFailed?.(error, 0);
    }
  }
}

const toRecord = (m: KafkaMessage): ConsumedRecord => ({
  topic: m.topic,
  partition: m.partition,
  offset: m.offset,
  key: m.key ?? '',
  value: m.value ?? Buffer.alloc(0),
  headers: Object.fromEntries(m.headers ?? []),
  timestamp: Number(m.timestamp),
});
