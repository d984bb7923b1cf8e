import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { Principal } from '@surge/auth/principal.model';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';
import { Idempotent } from '@surge/http/idempotency.interceptor';
import { RateLimit, RateLimitGuard } from '@surge/http/rate-limit.guard';
import { ReadingIntakeService } from '@surge/reading-intake/reading-intake.service';
import { ReadingQueryService } from '@surge/reading-query/reading-query.service';
import { readingsIn } from '@surge/reading-intake/reading-submission.schema';

/** Thin: authenticate and rate-limit (guards; on @Idempotent routes the key is claimed in the rate limit's Redis round trip), idempotency (interceptor), then one call into the ingest library. */
@Controller()
@UseGuards(AuthGuard, RateLimitGuard)
export class MeterReadingsController {
  constructor(
    private readonly intake: ReadingIntakeService,
    private readonly query: ReadingQueryService,
  ) {}

  @Post('v1/meter-readings')
  @HttpCode(202)
  @RateLimit('submit')
  @Idempotent()
  submit(@CurrentPrincipal() p: Principal, @Body() body: unknown, @Headers('x-correlation-id') correlationId: string, @Headers('idempotency-key') key?: string) {
    return this.intake.submit(p, body, { correlationId, now: new Date(), ...(key ? { idempotencyKey: key } : {}) });
  }

  @Post('v1/meter-readings/batch')
  @HttpCode(207)
  @RateLimit('submit', readingsIn)
  @Idempotent()
  async submitBatch(@CurrentPrincipal() p: Principal, @Body() body: unknown, @Headers('x-correlation-id') correlationId: string, @Headers('idempotency-key') key?: string) {
    return { results: await this.intake.submitBatch(p, body, { correlationId, now: new Date(), ...(key ? { idempotencyKey: key } : {}) }) };
  }

  @Get('v1/meter-readings/:id')
  @RateLimit('read')
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query('accountId') accountId?: string) {
    return this.query.getReading(p, id, accountId);
  }

  @Get('v1/accounts/:accountId/meter-readings')
  @RateLimit('read')
  list(@CurrentPrincipal() p: Principal, @Param('accountId') accountId: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.query.listForAccount(p, accountId, { limit, cursor });
  }
}
