import { Controller, Get, Inject } from '@nestjs/common';
import { unavailable } from '@surge/errors/app.error';
import type { ClickHouseClient } from '@clickhouse/client';
import { METRICS } from '@surge/http/metrics.controller';
import { EVENT_PUBLISHER, type EventPublisher } from '@surge/kafka/event-publisher';
import { probe } from '@surge/observability/dependency.probe';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { CLICKHOUSE } from './read-api.tokens';

/**
 * Liveness: the process serves HTTP. Readiness: it can make readings durable
 * (the producer reaches Kafka). ClickHouse is probed (within 1 s) and
 * reported in the body and `surge_dependency_up`, but is deliberately NOT
 * part of readiness: submissions must keep flowing while it is down; only
 * reading lookups answer 503 + Retry-After then.
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_PUBLISHER) private readonly publisher: EventPublisher,
    @Inject(CLICKHOUSE) private readonly ch: ClickHouseClient,
    @Inject(METRICS) private readonly metrics: SurgeMetrics,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
    const clickhouse = await probe(async () => (await this.ch.ping()).success);
    this.metrics.dependencyUp.set({ dependency: 'clickhouse' }, clickhouse ? 1 : 0);
    const body = { kafka: this.publisher.isHealthy() ? 'up' : 'down', clickhouse: clickhouse ? 'up' : 'down' };
    if (body.kafka === 'down') throw unavailable('INGEST_UNAVAILABLE', `Not ready: kafka down (clickhouse ${body.clickhouse}).`);
    return { status: 'ok', ...body };
  }
}
