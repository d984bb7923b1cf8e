import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { METRICS } from './csat.tokens';

/** Prometheus scrape endpoint (unauthenticated, like /health: keep it off the public ingress). */
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS) private readonly metrics: SurgeMetrics) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
