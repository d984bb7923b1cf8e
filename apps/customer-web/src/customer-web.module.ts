import { Module } from '@nestjs/common';
import type { HealthChecks } from '@surge/observability/dependency-health.checker';
import { HEALTH_CHECKS, HealthController } from '@surge/observability/health.controller';

/**
 * Liveness and readiness: customer-web is ready once its assets are in memory (checked before listen).
 * Deliberately no upstream in readiness: the page must load while read-api, billing or csat are down, and
 * then say so itself.
 */
const NO_DEPENDENCIES: HealthChecks = { dependencies: [] };

@Module({ controllers: [HealthController], providers: [{ provide: HEALTH_CHECKS, useValue: NO_DEPENDENCIES }] })
export class CustomerWebModule {}
