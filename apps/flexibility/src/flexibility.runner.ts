import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import { METRICS } from '@surge/http/metrics.controller';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import type { SurgeLogger } from '@surge/observability/logger.factory';
import { FlexibilityOutboxRelay } from '@surge/flexibility/flexibility-outbox.relay';
import type { FlexibilityConfig } from './flexibility.config';
import { LOGGER, PG_POOL, PUBLISHER, FLEX_CONFIG } from './flexibility.tokens';

/**
 * Runs the outbox relay (when enabled) and samples the outbox depth. On shutdown the relay finishes the
 * batch in hand (published and deleted, or rolled back to be sent again) before the publisher and pool close.
 */
@Injectable()
export class FlexibilityRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(FLEX_CONFIG) private readonly config: FlexibilityConfig,
    private readonly relay: FlexibilityOutboxRelay,
    @Inject(METRICS) private readonly metrics: SurgeMetrics,
    @Inject(LOGGER) private readonly logger: SurgeLogger,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PUBLISHER) private readonly publisher: EventPublisher,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.FLEX_RELAY_ENABLED) this.relay.start();
    this.timer = setInterval(() => void this.refresh(), this.config.FLEX_METRICS_INTERVAL_MS);
    this.timer.unref();
    void this.refresh();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.relay.stop();
    await this.publisher.close().catch((e: unknown) => this.logger.warn({ err: String(e) }, 'publisher close failed'));
    await this.pool.end().catch(() => undefined);
  }

  private async refresh(): Promise<void> {
    try {
      this.metrics.outboxRows.set({ outbox: 'flexibility' }, await this.relay.pending());
    } catch {
      this.metrics.dbErrors.inc({ db: 'postgres', operation: 'outbox_depth' });
    }
  }
}
