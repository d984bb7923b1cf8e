import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { EVENT_PUBLISHER, type EventPublisher } from '@surge/kafka/event-publisher';

/**
 * Liveness: the process serves HTTP. Readiness: it can make readings durable
 * (the producer reaches Kafka). ClickHouse is deliberately NOT part of
 * readiness: submissions must keep flowing while it is down.
 */
@Controller('health')
export class HealthController {
  constructor(@Inject(EVENT_PUBLISHER) private readonly publisher: EventPublisher) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  ready() {
    if (!this.publisher.isHealthy()) throw new ServiceUnavailableException({ status: 'unavailable', kafka: 'down' });
    return { status: 'ok', kafka: 'up' };
  }
}
