import { Controller, Get, Module } from '@nestjs/common';

/**
 * Liveness and readiness: customer-web is ready once its assets are in memory (checked before listen).
 * Deliberately no upstream in readiness: the page must load while read-api, billing or csat are down, and
 * then say so itself.
 */
@Controller('health')
export class HealthController {
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  ready() {
    return { status: 'ok' };
  }
}

@Module({ controllers: [HealthController] })
export class CustomerWebModule {}
