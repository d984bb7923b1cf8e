import { Controller, Get, Inject } from '@nestjs/common';
import { unavailable } from '@surge/errors/app.error';
import type { ClickHouseClient } from '@clickhouse/client';
import { METRICS } from '@surge/http/metrics.controller';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import { probe } from '@surge/observability/dependency.probe';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import type { RegistryProjectionFeed } from '@surge/reading-sink/registry-projection.feed';
import type { PlatformaticTopicTailer } from '@surge/kafka/platformatic-topic.tailer';
import { BATCH_CONSUMER, CLICKHOUSE_PROBE, REGISTRY_FEED, REGISTRY_TAILER } from './read-sink.runner';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(BATCH_CONSUMER) private readonly consumer: BatchConsumer,
    @Inject(CLICKHOUSE_PROBE) private readonly ch: ClickHouseClient,
    @Inject(METRICS) private readonly metrics: SurgeMetrics,
    @Inject(REGISTRY_TAILER) private readonly registryTailer: PlatformaticTopicTailer,
    @Inject(REGISTRY_FEED) private readonly registryFeed: RegistryProjectionFeed,
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
    // The registry projection is reported, never a reason to be unready: without it readings are still judged (default EAC).
    const registry = { caughtUp: this.registryTailer.hasCaughtUp, registers: this.registryFeed.registers, lag: this.registryTailer.lag() };
    const body = { consumer: this.consumer.isHealthy() ? 'up' : 'down', clickhouse: clickhouse ? 'up' : 'down', lag, registry };
    if (body.consumer === 'down' || !clickhouse) throw unavailable('DEPENDENCY_UNAVAILABLE', `Not ready: consumer ${body.consumer}, clickhouse ${body.clickhouse}.`);
    return { status: 'ok', ...body };
  }
}
