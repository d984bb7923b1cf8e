import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import type { Principal } from '@surge/auth/principal.model';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';
import { TimelineQueryService } from '@surge/timeline/timeline-query.service';

/** Thin: authenticate (guard), then one call into libs/timeline, which authorizes per account and validates the query. */
@Controller()
@UseGuards(AuthGuard)
export class TimelineController {
  constructor(private readonly timeline: TimelineQueryService) {}

  @Get('v1/accounts/:accountId/timeline')
  get(@CurrentPrincipal() principal: Principal, @Param('accountId') accountId: string, @Query() query: Record<string, unknown>) {
    return this.timeline.timeline(principal, accountId, query);
  }

  @Get('v1/account-lookup')
  lookup(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>) {
    return this.timeline.lookup(principal, query);
  }
}
