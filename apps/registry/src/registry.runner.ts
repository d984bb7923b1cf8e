import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import type { PlatformaticBatchConsumer } from '@surge/kafka/platformatic-batch-consumer';
import { METRICS } from '@surge/http/metrics.controller';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import type { SurgeLogger } from '@surge/observability/logger.factory';
import { FlexMembershipIntake } from '@surge/registry/flex-membership.intake';
import { RegistryOutboxRelay } from '@surge/registry/registry-outbox.relay';
import type { RegistryConfig } from './registry.config';
import { LOGGER, MEMBERSHIP_CONSUMER, PG_POOL, PUBLISHER, REGISTRY_CONFIG } from './registry.tokens';

/**
 * Runs the outbox relay (when enabled), the flex.membership.v1 consumer (when enabled) and samples the
 * outbox depth. The consumer joins its group in the background, retrying with backoff: Kafka down at start
 * must not stop the registry taking changes. On shutdown the consumer finishes (and commits) the batch in
 * hand, the relay the batch it holds (published and deleted, or rolled back to be sent again), before the
 * publisher and pool close.
 */
@Injectable()
export class RegistryRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private joining: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
    private readonly relay: RegistryOutboxRelay,
    @Inject(METRICS) private readonly metrics: SurgeMetrics,
    @Inject(LOGGER) private readonly logger: SurgeLogger,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PUBLISHER) private readonly publisher: EventPublisher,
    @Inject(MEMBERSHIP_CONSUMER) private readonly membership: PlatformaticBatchConsumer | null,
    private readonly intake: FlexMembershipIntake,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.REGISTRY_RELAY_ENABLED) this.relay.start();
    this.timer = setInterval(() => void this.refresh(), this.config.REGISTRY_METRICS_INTERVAL_MS);
    this.timer.unref();
    void this.refresh();
    if (this.membership) void this.join(this.membership, this.config.REGISTRY_RELAY_RETRY_MIN_MS);
  }

  private async join(consumer: PlatformaticBatchConsumer, backoffMs: number): Promise<void> {
    if (this.stopping) return;
    try {
      await consumer.start((batch) => this.intake.handle(batch));
    } catch (e) {
      if (this.stopping) return;
      this.logger.warn({ err: String((e as Error)?.message ?? e), retryInMs: backoffMs }, 'cannot join the flex.membership.v1 group yet (Kafka down?); retrying');
      this.joining = setTimeout(() => void this.join(consumer, Math.min(backoffMs * 2, this.config.REGISTRY_RELAY_RETRY_MAX_MS)), backoffMs);
      this.joining.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    if (this.joining) clearTimeout(this.joining);
    await this.membership?.stop().catch((e: unknown) => this.logger.warn({ err: String(e) }, 'membership consumer stop failed'));
    await this.relay.stop();
    await this.publisher.close().catch((e: unknown) => this.logger.warn({ err: String(e) }, 'publisher close failed'));
    await this.pool.end().catch(() => undefined);
  }

  private async refresh(): Promise<void> {
    try {
      this.metrics.outboxRows.set({ outbox: 'registry' }, await this.relay.pending());
    } catch {
      this.metrics.dbErrors.inc({ db: 'postgres', operation: 'outbox_depth' });
    }
  }
}
