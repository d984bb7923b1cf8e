import { Controller, Get, Inject } from '@nestjs/common';
import type { Pool } from 'pg';
import { unavailable } from '@surge/errors/app.error';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import { METRICS } from '@surge/http/metrics.controller';
import { probe } from '@surge/observability/dependency.probe';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { PG_POOL, PUBLISHER } from './flexibility.tokens';

/**
 * Liveness: the process serves HTTP. Readiness: it reaches PostgreSQL (every request is a PostgreSQL
 * transaction). Kafka is reported but not part of readiness: changes still commit while it is down, and
 * their events wait in the outbox.
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PUBLISHER) private readonly publisher: EventPublisher,
    @Inject(METRICS) private readonly metrics: SurgeMetrics,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
    const postgres = await probe(async () => (await this.pool.query('SELECT 1'), true));
    const kafka = this.publisher.isHealthy();
    this.metrics.dependencyUp.set({ dependency: 'postgres' }, postgres ? 1 : 0);
    this.metrics.dependencyUp.set({ dependency: 'kafka' }, kafka ? 1 : 0);
    const body = { postgres: postgres ? 'up' : 'down', kafka: kafka ? 'up' : 'down' };
    if (!postgres) throw unavailable('DEPENDENCY_UNAVAILABLE', `Not ready: postgres ${body.postgres} (kafka ${body.kafka}).`);
    return { status: 'ok', ...body };
  }
}
