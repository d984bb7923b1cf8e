import { Controller, Get, Inject } from '@nestjs/common';
import { unavailable } from '@surge/errors/app.error';
import type { ClickHouseClient } from '@clickhouse/client';
import { METRICS } from '@surge/http/metrics.controller';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import { probe } from '@surge/observability/dependency.probe';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { BATCH_CONSUMER, CLICKHOUSE_PROBE } from './read-sink.runner';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(BATCH_CONSUMER) private readonly consumer: BatchConsumer,
    @Inject(CLICKHOUSE_PROBE) private readonly ch: ClickHouseClient,
    @Inject(METRICS) private readonly metrics: SurgeMetrics,
  ) {}

  /**
   * Live unless the consumer gave up rebuilding itself (the process then also
   * exits): a broker outage makes it unready, not dead, since it rejoins by itself.
   */
  @Get('live')
  live() {
    if (!this.consumer.isLive()) throw unavailable('DEPENDENCY_UNAVAILABLE', 'Not live: the consumer gave up rejoining its group; this process is exiting.');
    return { status: 'ok' };
  }

  /**
   * Ready while the consumer is in its group and ClickHouse answers within
   * 1 s (a sink that cannot store is not doing its job, and says so within a
   * probe period); lag is reported, not a reason to be unready.
   */
  @Get('ready')
  async ready() {
    const lag = Object.fromEntries(this.consumer.lag());
    const clickhouse = await probe(async () => (await this.ch.ping()).success);
    this.metrics.dependencyUp.set({ dependency: 'clickhouse' }, clickhouse ? 1 : 0);
    const body = { consumer: this.consumer.isHealthy() ? 'up' : 'down', clickhouse: clickhouse ? 'up' : 'down', lag };
    if (body.consumer === 'down' || !clickhouse) throw unavailable('DEPENDENCY_UNAVAILABLE', `Not ready: consumer ${body.consumer}, clickhouse ${body.clickhouse}.`);
    return { status: 'ok', ...body };
  }
}
