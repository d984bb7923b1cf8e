import { Controller, Get, Inject } from '@nestjs/common';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { unavailable } from '@surge/errors/app.error';
import { METRICS } from '@surge/http/metrics.controller';
import { probe } from '@surge/observability/dependency.probe';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { CLICKHOUSE, PG_POOL, REDIS } from './billing.tokens';

/**
 * Liveness: the process serves HTTP. Readiness: it reaches PostgreSQL (bill
 * runs, bills) and Redis (the job queue). ClickHouse is reported but is not
 * part of readiness: bills and runs can still be read and started while it is
 * down (chunks wait and retry). Kafka and the read API are not dependencies
 * at all.
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseClient,
    @Inject(METRICS) private readonly metrics: SurgeMetrics,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
    const [postgres, redis, clickhouse] = await Promise.all([
      probe(async () => (await this.pool.query('SELECT 1'), true)),
      probe(async () => (await this.redis.ping(), true)),
      probe(async () => (await this.ch.ping()).success),
    ]);
    this.metrics.dependencyUp.set({ dependency: 'postgres' }, postgres ? 1 : 0);
    this.metrics.dependencyUp.set({ dependency: 'redis' }, redis ? 1 : 0);
    this.metrics.dependencyUp.set({ dependency: 'clickhouse' }, clickhouse ? 1 : 0);
    const body = { postgres: postgres ? 'up' : 'down', redis: redis ? 'up' : 'down', clickhouse: clickhouse ? 'up' : 'down' };
    if (!postgres || !redis) {
      throw unavailable('DEPENDENCY_UNAVAILABLE', `Not ready: postgres ${body.postgres}, redis ${body.redis} (clickhouse ${body.clickhouse}).`);
    }
    return { status: 'ok', ...body };
  }
}
