import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import type { Pool } from 'pg';
import { AnswerOutboxRelay } from '@surge/csat/answer-outbox.relay';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { BATCH_CONSUMER, METRICS, PG_POOL } from './csat.tokens';

const PROBE_TIMEOUT_MS = 2000;

/**
 * Liveness: the process serves HTTP. Readiness: PostgreSQL answers (every
 * API call needs it) and the outcome consumer is in its group. ClickHouse is
 * deliberately not part of readiness: while it is down, answers are still
 * taken and wait in the outbox; only the programme team's report fails.
 * The outbox backlog is reported, not a reason to be unready.
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(BATCH_CONSUMER) private readonly consumer: BatchConsumer,
    private readonly relay: AnswerOutboxRelay,
    @Inject(METRICS) private readonly metrics: SurgeMetrics,
  ) {}

  /** Live unless the outcome consumer gave up rebuilding itself (the process then also exits). */
  @Get('live')
  live() {
    if (!this.consumer.isLive()) throw new ServiceUnavailableException({ status: 'unavailable', consumer: 'gave up' });
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
    const postgres = await withTimeout(this.pool.query('SELECT 1').then(() => true), PROBE_TIMEOUT_MS).catch(() => false);
    const consumer = this.consumer.isHealthy();
    this.metrics.dependencyUp.set({ dependency: 'postgres' }, postgres ? 1 : 0);
    this.metrics.dependencyUp.set({ dependency: 'kafka' }, consumer ? 1 : 0);
    const analyticsBacklog = postgres ? await withTimeout(this.relay.pending(), PROBE_TIMEOUT_MS).catch(() => null) : null;
    const body = { postgres: postgres ? 'up' : 'down', consumer: consumer ? 'up' : 'down', analyticsBacklog, lag: Object.fromEntries(this.consumer.lag()) };
    if (!postgres || !consumer) throw new ServiceUnavailableException({ status: 'unavailable', ...body });
    return { status: 'ok', ...body };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
