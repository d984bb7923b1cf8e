import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import type { ReadingSinkService } from '@surge/reading-sink/reading-sink.service';
import type { RegistryProjectionFeed } from '@surge/reading-sink/registry-projection.feed';
import type { PlatformaticTopicTailer } from '@surge/kafka/platformatic-topic.tailer';
import type { Logger } from 'pino';

export const BATCH_CONSUMER = Symbol('BATCH_CONSUMER');
export const READING_SINK = Symbol('READING_SINK');
/** A ClickHouse client of its own for readiness probes, so a probe never queues behind a batch insert. */
export const CLICKHOUSE_PROBE = Symbol('CLICKHOUSE_PROBE');
export const REGISTRY_TAILER = Symbol('REGISTRY_TAILER');
export const REGISTRY_FEED = Symbol('REGISTRY_FEED');
export const SINK_LOGGER = Symbol('SINK_LOGGER');
export const REGISTRY_CATCH_UP_MS = Symbol('REGISTRY_CATCH_UP_MS');

/**
 * Builds the registry projection first (registry.v1 from its beginning, up to the end it had when the sink
 * started, bounded by SINK_REGISTRY_CATCH_UP_MS), then hands each consumed batch to the sink in one line; the
 * consumer commits after it resolves. Guarantee: a registry change published before the sink started is
 * applied to every reading it decides (unless the catch-up bound ran out, which is logged); a change published
 * later is applied to the readings decided after the projection read it, typically within a second
 * (surge_registry_projection_lag). Readings already decided are never re-judged by a registry change.
 */
@Injectable()
export class ReadSinkRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(BATCH_CONSUMER) private readonly consumer: BatchConsumer,
    @Inject(READING_SINK) private readonly sink: ReadingSinkService,
    @Inject(REGISTRY_TAILER) private readonly tailer: PlatformaticTopicTailer,
    @Inject(REGISTRY_FEED) private readonly feed: RegistryProjectionFeed,
    @Inject(SINK_LOGGER) private readonly logger: Logger,
    @Inject(REGISTRY_CATCH_UP_MS) private readonly catchUpMs: number,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const started = Date.now();
    await this.tailer.start((record) => this.feed.apply(record));
    let timer: NodeJS.Timeout | undefined;
    const caughtUp = await Promise.race([
      this.tailer.caughtUp().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.catchUpMs))),
    ]);
    clearTimeout(timer);
    if (caughtUp) this.logger.info({ registers: this.feed.registers, ms: Date.now() - started }, 'registry projection caught up');
    else this.logger.warn({ registers: this.feed.registers, ms: this.catchUpMs }, 'registry projection not caught up in time; judging with what it has (unknown registers: default EAC)');
    await this.consumer.start((batch) => this.sink.handle(batch));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
    await this.tailer.stop();
  }
}
