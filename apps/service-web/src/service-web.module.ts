import { Controller, Get, Module } from '@nestjs/common';

/**
 * Liveness and readiness: ready once its assets are in memory (checked before listen). No upstream in
 * readiness: the page must load while the timeline is down, and then say so itself.
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
export class ServiceWebModule {}
