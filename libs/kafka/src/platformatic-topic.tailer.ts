import { randomUUID } from 'node:crypto';
import { Consumer, type Message, type MessagesStream, stringDeserializer } from '@platformatic/kafka';
import type { ConsumedRecord } from './kafka-record';

export interface TopicTailerOptions {
  brokers: string[];
  clientId: string;
  topics: string[];
  /** How often the end offsets are sampled for lag (and the caught-up check). */
  lagIntervalMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  onError?: (error: unknown, attempt: number) => void;
  onLag?: (lag: number) => void;
}

type KafkaConsumer = Consumer<string, Buffer, string, string>;
type KafkaStream = MessagesStream<string, Buffer, string, string>;

/**
 * Reads whole topics from their beginning and keeps following them: the way to build local state from
 * a compacted topic (registry.v1), where the last record of each key is that key's whole state.
 *
 * Every instance is its own consumer group (a fresh id each start, nothing ever committed), so each
 * instance sees every partition and rebuilds from the first offset; a restart, or a rebuild after a
 * broker failure, reads everything again. The handler must therefore be idempotent and must tolerate
 * records it has seen (RegisterStateProjection keeps the highest revision per key).
 *
 * `caughtUp()` resolves once every partition has been read up to the end offsets sampled when this
 * instance first connected: everything published before that moment has been handed to the handler.
 * Records are handed over one at a time, in offset order per partition.
 */
export class PlatformaticTopicTailer {
  private consumer: KafkaConsumer | undefined;
  private stream: KafkaStream | undefined;
  private stopping = false;
  private rebuilding: Promise<void> | undefined;
  private readonly position = new Map<string, bigint>();
  private target: Map<string, bigint> | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private lastLag = Number.NaN;
  private resolveCaughtUp!: () => void;
  private readonly caughtUpPromise = new Promise<void>((resolve) => (this.resolveCaughtUp = resolve));
  private isCaughtUp = false;

  constructor(private readonly options: TopicTailerOptions) {}

  /**
   * Starts reading. A first connection that fails (Kafka unreachable, the topic not created yet) is not the
   * caller's failure: the tailer keeps retrying in the background and caughtUp() resolves once it has read up.
   */
  async start(handler: (record: ConsumedRecord) => void): Promise<void> {
    this.handler = handler;
    try {
      await this.connect();
    } catch (error) {
      this.broken(error);
    }
    this.lagTimer = setInterval(() => void this.sampleLag(), this.options.lagIntervalMs ?? 5_000);
    this.lagTimer.unref();
  }

  private handler: (record: ConsumedRecord) => void = () => undefined;

  /** Resolves once everything on the topics when the tailer started has been handled (see the class comment). */
  caughtUp(): Promise<void> {
    return this.caughtUpPromise;
  }

  get hasCaughtUp(): boolean {
    return this.isCaughtUp;
  }

  /** Records between what was handled and the partitions' ends, as last sampled (NaN before the first sample). */
  lag(): number {
    return this.lastLag;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    await this.rebuilding;
    await this.close();
  }

  private async connect(): Promise<void> {
    const consumer: KafkaConsumer = new Consumer<string, Buffer, string, string>({
      clientId: this.options.clientId,
      // Its own group every time: every partition, from the beginning, and nothing to leave behind but an
      // empty group the broker forgets.
      groupId: `${this.options.clientId}-tail-${randomUUID()}`,
      bootstrapBrokers: this.options.brokers,
      autocommit: false,
      // How long the broker holds a fetch that finds nothing new: a fetch still returns as soon as a record
      // arrives, so this sets only the idle polling. At 250 ms the demo's dozen idle consumers cost the broker
      // and themselves 2.4% of a core more than at 1,000 ms (docs/benchmarks.md), CPU the read path needs at 14x.
      maxWaitTime: 1_000,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      connectTimeout: 3_000,
      retries: 2,
      retryDelay: 250,
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    });
    consumer.on('error', (error: unknown) => this.broken(error));
    try {
      // The end offsets before the first fetch: what "caught up" means for this instance.
      if (!this.target) this.target = flatten(await consumer.listOffsets({ topics: this.options.topics }));
      this.position.clear();
      const stream = await consumer.consume({ topics: this.options.topics, mode: 'earliest', autocommit: false });
      this.consumer = consumer;
      this.stream = stream;
      stream.on('data', (m: Message<string, Buffer, string, string>) => this.onMessage(m));
      stream.on('error', (error: unknown) => this.broken(error));
      stream.on('close', () => this.broken(new Error('the message stream closed')));
      this.checkCaughtUp();
    } catch (error) {
      await consumer.close(true).catch(() => undefined);
      throw error;
    }
  }

  private onMessage(m: Message<string, Buffer, string, string>): void {
    this.handler({ topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, value: m.value, headers: Object.fromEntries(m.headers ?? []), timestamp: Number(m.timestamp) });
    this.position.set(`${m.topic}:${m.partition}`, m.offset + 1n);
    if (!this.isCaughtUp) this.checkCaughtUp();
  }

  private checkCaughtUp(): void {
    if (this.isCaughtUp || !this.target) return;
    for (const [p, end] of this.target) if ((this.position.get(p) ?? 0n) < end) return;
    this.isCaughtUp = true;
    this.resolveCaughtUp();
  }

  private async sampleLag(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.stopping) return;
    try {
      const ends = flatten(await consumer.listOffsets({ topics: this.options.topics }));
      let lag = 0n;
      for (const [p, end] of ends) {
        const at = this.position.get(p) ?? 0n;
        if (end > at) lag += end - at;
      }
      // A compacted partition may end with offsets whose records were cleaned away; lag counts offsets, so a
      // partition never read (position 0) but long compacted reports its end until its first record arrives.
      this.lastLag = Number(lag);
      this.options.onLag?.(this.lastLag);
    } catch {
      // Kafka unreachable: the stream reports it; lag stays at its last value.
    }
  }

  /** Rebuild from the beginning with backoff: state is rebuilt by re-reading, which the handler tolerates. */
  private broken(error: unknown): void {
    if (this.stopping || this.rebuilding) return;
    this.options.onError?.(error, 0);
    this.rebuilding = (async () => {
      await this.close();
      let delay = this.options.retryMinMs ?? 200;
      for (let attempt = 1; !this.stopping; attempt++) {
        try {
          await this.connect();
          return;
        } catch (e) {
          this.options.onError?.(e, attempt);
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, this.options.retryMaxMs ?? 10_000);
        }
      }
    })().finally(() => {
      this.rebuilding = undefined;
    });
  }

  private async close(): Promise<void> {
    const { stream, consumer } = this;
    this.stream = undefined;
    this.consumer = undefined;
    if (stream) {
      stream.removeAllListeners('close');
      stream.on('error', () => undefined);
      await bounded(stream.close().catch(() => undefined), 3_000);
    }
    // A dead broker must not hold a shutdown (or a rebuild) up.
    if (consumer) await bounded(consumer.close(true).catch(() => undefined), 3_000);
  }
}

function bounded(p: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}

function flatten(offsets: Map<string, bigint[]>): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [topic, parts] of offsets) parts.forEach((end, p) => out.set(`${topic}:${p}`, end));
  return out;
}
