import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool } from 'pg';
import { AnswerOutboxRelay } from '@surge/csat/answer-outbox.relay';
import { CsatReportService } from '@surge/csat/csat-report.service';
import { InvitationIntakeService } from '@surge/csat/invitation-intake.service';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import type { SurgeLogger } from '@surge/observability/logger.factory';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import type { EventOutboxRelay } from '@surge/postgres/event-outbox.relay';
import type { CsatConfig } from './csat.config';
import { BATCH_CONSUMER, CLICKHOUSE, CSAT_CONFIG, EVENT_PUBLISHER, EVENTS_RELAY, LOGGER, METRICS, PG_POOL } from './csat.tokens';

const SCORE_REFRESH_MS = 60_000;

/**
 * The background work: the outcome consumer (one line per batch into the
 * intake service), the ClickHouse relay, and the CSAT gauge. Shutdown stops
 * them before the pools close, so no batch is cut off mid-transaction.
 */
@Injectable()
export class CsatRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private scoreTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(BATCH_CONSUMER) private readonly consumer: BatchConsumer,
    private readonly intake: InvitationIntakeService,
    private readonly relay: AnswerOutboxRelay,
    private readonly reports: CsatReportService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseClient,
    @Inject(METRICS) private readonly metrics: SurgeMetrics,
    @Inject(LOGGER) private readonly logger: SurgeLogger,
    @Inject(EVENTS_RELAY) private readonly events: EventOutboxRelay,
    @Inject(EVENT_PUBLISHER) private readonly publisher: EventPublisher,
    @Inject(CSAT_CONFIG) private readonly config: CsatConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.relay.start();
    if (this.config.CSAT_EVENTS_RELAY_ENABLED) this.events.start();
    await this.consumer.start(async (batch) => {
      await this.intake.handle(batch);
      this.events.nudge(); // invitations just committed their survey.invited events
    });
    const refresh = () =>
      this.reports
        .trailingDayRatio(Date.now())
        .then((ratio) => {
          // No answers in the last day is no figure: leave the gauge unset rather than report 0% satisfied.
          if (ratio !== null) this.metrics.csatScore.set(ratio);
        })
        .catch((error: unknown) => this.logger.debug({ err: String(error) }, 'CSAT gauge not refreshed'));
    void refresh();
    this.scoreTimer = setInterval(refresh, SCORE_REFRESH_MS);
    this.scoreTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.scoreTimer) clearInterval(this.scoreTimer);
    await this.consumer.stop();
    await this.relay.stop();
    await this.events.stop();
    await this.publisher.close().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
    await this.ch.close().catch(() => undefined);
  }
}
