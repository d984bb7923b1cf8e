import { Controller, Get, Inject } from '@nestjs/common';
import type { Pool } from 'pg';
import { unavailable } from '@surge/errors/app.error';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import { probe } from '@surge/observability/dependency.probe';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { BATCH_CONSUMER, METRICS, PG_POOL } from './timeline.tokens';

/**
 * Liveness: the process serves HTTP and its consumer has not given up. Readiness: PostgreSQL answers (every
 * read needs it). The consumer and its lag are reported, not a reason to be unready: a timeline that is
 * behind still answers with what it has, and catches up.
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(BATCH_CONSUMER) private readonly consumer: BatchConsumer,
    @Inject(METRICS) private readonly metrics: SurgeMetrics,
  ) {}

  @Get('live')
  live() {
    if (!this.consumer.isLive()) throw unavailable('DEPENDENCY_UNAVAILABLE', 'Not live: the timeline consumer gave up rejoining its group; this process is exiting.', 5);
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
    const postgres = await probe(async () => (await this.pool.query('SELECT 1')).rowCount === 1);
    const consumer = this.consumer.isHealthy();
    this.metrics.dependencyUp.set({ dependency: 'postgres' }, postgres ? 1 : 0);
    this.metrics.dependencyUp.set({ dependency: 'kafka' }, consumer ? 1 : 0);
    const body = { postgres: postgres ? 'up' : 'down', consumer: consumer ? 'up' : 'down', lag: Object.fromEntries(this.consumer.lag()) };
    if (!postgres) throw unavailable('DEPENDENCY_UNAVAILABLE', `Not ready: postgres down (consumer ${body.consumer}).`, 5);
    return { status: 'ok', ...body };
  }
}
