import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { Principal } from '@surge/auth/principal.model';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';
import { Idempotent } from '@surge/http/idempotency.interceptor';
import { parseOrThrow } from '@surge/validation/schema.parser';
import { RateLimit, RateLimitGuard } from '@surge/http/rate-limit.guard';
import { heldQuerySchema, reviewDecisionSchema } from '@surge/reading-review/reading-review.schema';
import { ReadingReviewService } from '@surge/reading-review/reading-review.service';

/** Staff review of held readings (readings:review). Thin: authenticate, validate, one call into the ingest library. */
@Controller()
@UseGuards(AuthGuard, RateLimitGuard)
export class HeldReadingsController {
  constructor(private readonly reviews: ReadingReviewService) {}

  @Get('v1/held-readings')
  @RateLimit('read')
  list(@CurrentPrincipal() p: Principal, @Query() query: Record<string, string>) {
    return this.reviews.listHeld(p, parseOrThrow(heldQuerySchema, query ?? {}), Date.now());
  }

  @Post('v1/held-readings/:id/decision')
  @HttpCode(202)
  @RateLimit('read')
  @Idempotent()
  decide(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() body: unknown, @Headers('x-correlation-id') correlationId: string, @Headers('idempotency-key') key?: string) {
    return this.reviews.decide(p, id, parseOrThrow(reviewDecisionSchema, body ?? {}), { correlationId, now: new Date(), ...(key ? { idempotencyKey: key } : {}) });
  }

  @Get('v1/meter-readings/:id/reviews')
  @RateLimit('read')
  trail(@CurrentPrincipal() p: Principal, @Param('id') id: string) {
    return this.reviews.reviewsOf(p, id);
  }
}
