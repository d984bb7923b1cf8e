import { Controller, Get, Inject } from '@nestjs/common';
import { assessLiveness, assessReadiness, type HealthChecks } from './dependency-health.checker';

/** Each app provides its HealthChecks under this token (its dependencies, what is required, what is only reported). */
export const HEALTH_CHECKS = Symbol('HEALTH_CHECKS');

/**
 * The one /health controller of every app: liveness (the process serves HTTP and is not exiting) and readiness
 * (its required dependencies answer within a probe period). What each app depends on is its module's business,
 * handed in as HEALTH_CHECKS; the answers' shape, the gauge and the 503 are decided here once.
 */
@Controller('health')
export class HealthController {
  constructor(@Inject(HEALTH_CHECKS) private readonly checks: HealthChecks) {}

  @Get('live')
  live() {
    return assessLiveness(this.checks);
  }

  @Get('ready')
  ready() {
    return assessReadiness(this.checks);
  }
}
