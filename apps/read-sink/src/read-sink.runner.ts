import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import type { ReadingSinkService } from '@surge/reading-sink/reading-sink.service';

export const BATCH_CONSUMER = Symbol('BATCH_CONSUMER');
export const READING_SINK = Symbol('READING_SINK');
/** A ClickHouse client of its own for readiness probes, so a probe never queues behind a batch insert. */
export const CLICKHOUSE_PROBE = Symbol('CLICKHOUSE_PROBE');

/** Hands each consumed batch to the sink in one line; the consumer commits after it resolves. */
@Injectable()
export class ReadSinkRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(BATCH_CONSUMER) private readonly consumer: BatchConsumer,
    @Inject(READING_SINK) private readonly sink: ReadingSinkService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start((batch) => this.sink.handle(batch));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }
}
