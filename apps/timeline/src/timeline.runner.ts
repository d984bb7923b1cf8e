import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import { TimelineProjector } from '@surge/timeline/timeline-projector.service';
import { BATCH_CONSUMER, PG_POOL } from './timeline.tokens';

/**
 * The background work: the consumer, one line per batch into the projector. Offsets are committed only
 * after the projector resolved, i.e. after PostgreSQL committed the batch's entries. Shutdown stops the
 * consumer (the batch in hand finishes and commits) before the pool closes.
 */
@Injectable()
export class TimelineRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(BATCH_CONSUMER) private readonly consumer: BatchConsumer,
    private readonly projector: TimelineProjector,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start((batch) => this.projector.handle(batch));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
    await this.pool.end().catch(() => undefined);
  }
}
