import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import type { BatchConsumer } from '@surge/kafka/batch-consumer';
import { BATCH_CONSUMER } from './read-sink.runner';

@Controller('health')
export class HealthController {
  constructor(@Inject(BATCH_CONSUMER) private readonly consumer: BatchConsumer) {}

  /**
   * Live unless the consumer gave up rebuilding itself (the process then also
   * exits): a broker outage makes it unready, not dead, since it rejoins by itself.
   */
  @Get('live')
  live() {
    if (!this.consumer.isLive()) throw new ServiceUnavailableException({ status: 'unavailable', consumer: 'gave up' });
    return { status: 'ok' };
  }

  /** Ready while the consumer is in its group; lag is reported, not a reason to be unready. */
  @Get('ready')
  ready() {
    const lag = Object.fromEntries(this.consumer.lag());
    if (!this.consumer.isHealthy()) throw new ServiceUnavailableException({ status: 'unavailable', consumer: 'down', lag });
    return { status: 'ok', lag };
  }
}
