import { Controller, Get, Inject } from '@nestjs/common';
import { unavailable } from '@surge/errors/app.error';
import type { Pool } from 'pg';
import { AnswerOutboxRelay } from '@surge/csat/answer-outbox.relay';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { BATCH_CONSUMER, CLICKHOUSE, METRICS, PG_POOL } from './csat.tokens';
import type { ClickHouseClient } from '@clickhouse/client';
import { probe } from '@surge/observability/dependency.probe';

const PROBE_TIMEOUT_MS = 1000;

/**
 * Liveness: the process serves HTTP. Readiness: PostgreSQL answers (every
 * API call needs it) and the outcome consumer is in its group. ClickHouse is
 * probed (1 s) and reported, but deliberately not part of readiness: while it is down, answers are still
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
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseClient,
  ) {}

  /** Live unless the outcome consumer gave up rebuilding itself (the process then also exits). */
  @Get('live')
  live() {
    if (!this.consumer.isLive()) throw unavailable('DEPENDENCY_UNAVAILABLE', 'Not live: the outcome consumer gave up rejoining its group; this process is exiting.');
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
    const postgres = await withTimeout(this.pool.query('SELECT 1').then(() => true), PROBE_TIMEOUT_MS).catch(() => false);
    const consumer = this.consumer.isHealthy();
    this.metrics.dependencyUp.set({ dependency: 'postgres' }, postgres ? 1 : 0);
    this.metrics.dependencyUp.set({ dependency: 'kafka' }, consumer ? 1 : 0);
    const clickhouse = await probe(async () => (await this.ch.ping()).success);
    this.metrics.dependencyUp.set({ dependency: 'clickhouse' }, clickhouse ? 1 : 0);
    const analyticsBacklog = postgres ? await withTimeout(this.relay.pending(), PROBE_TIMEOUT_MS).catch(() => null) : null;
    const body = {
      postgres: postgres ? 'up' : 'down',
      consumer: consumer ? 'up' : 'down',
      clickhouse: clickhouse ? 'up' : 'down',
      analyticsBacklog,
      lag: Object.fromEntries(this.consumer.lag()),
    };
    if (!postgres || !consumer) throw unavailable('DEPENDENCY_UNAVAILABLE', `Not ready: postgres ${body.postgres}, consumer ${body.consumer} (clickhouse ${body.clickhouse}).`);
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
