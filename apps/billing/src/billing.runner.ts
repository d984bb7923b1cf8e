import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { BillingComponents } from '@surge/billing/billing.factory';
import { BILL_RUN_QUEUE } from '@surge/billing/bill-run/bill-run.queue';
import { METRICS } from '@surge/http/metrics.controller';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import type { SurgeLogger } from '@surge/observability/logger.factory';
import type { BillingConfig } from './billing.config';
import { BILLING, BILLING_CONFIG, CLICKHOUSE, LOGGER, PG_POOL, REDIS } from './billing.tokens';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'] as const;

/**
 * Runs the bill-run worker and the billed-reading relay in this process (each
 * when enabled) and refreshes the gauges (queue depth, progress of the run in
 * progress, outbox depth) every few seconds. On shutdown the worker finishes
 * the chunks it holds and the relay its batch in hand before the connections
 * close; a chunk it cannot finish in time is taken over by another worker
 * once its lock expires, and marks not yet relayed wait in the outbox.
 */
@Injectable()
export class BillingRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(BILLING_CONFIG) private readonly config: BillingConfig,
    @Inject(BILLING) private readonly billing: BillingComponents,
    @Inject(METRICS) private readonly metrics: SurgeMetrics,
    @Inject(LOGGER) private readonly logger: SurgeLogger,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseClient,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.BILLING_WORKER_ENABLED) this.billing.worker.start();
    if (this.config.BILLING_MARKS_RELAY_ENABLED) this.billing.marksRelay.start();
    this.timer = setInterval(() => void this.refreshGauges(), this.config.BILLING_METRICS_INTERVAL_MS);
    this.timer.unref();
    void this.refreshGauges();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.billing.worker.close().catch((e: unknown) => this.logger.warn({ err: String(e) }, 'worker close failed'));
    await this.billing.marksRelay.stop();
    await this.billing.queue.close().catch(() => undefined);
    this.redis.disconnect();
    await this.ch.close().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  private async refreshGauges(): Promise<void> {
    try {
      const counts = await this.billing.queue.counts();
      for (const state of QUEUE_STATES) this.metrics.queueJobs.set({ queue: BILL_RUN_QUEUE, state }, counts[state] ?? 0);
    } catch {
      this.metrics.dbErrors.inc({ db: 'redis', operation: 'queue_counts' });
    }
    try {
      const runId = await this.billing.runs.latestRunning();
      const status = runId ? await this.billing.runs.status(runId) : null;
      this.metrics.billRunAccounts.set({ state: 'done' }, status?.done ?? 0);
      this.metrics.billRunAccounts.set({ state: 'failed' }, status?.failed ?? 0);
      this.metrics.billRunAccounts.set({ state: 'remaining' }, status?.remaining ?? 0);
    } catch {
      this.metrics.dbErrors.inc({ db: 'postgres', operation: 'run_status' });
    }
    try {
      this.metrics.outboxRows.set({ outbox: 'billed_readings' }, await this.billing.marksRelay.pending());
    } catch {
      this.metrics.dbErrors.inc({ db: 'postgres', operation: 'outbox_depth' });
    }
  }
}
