import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import type { Principal } from '@surge/auth/principal.model';
import { CsatReportService } from '@surge/csat/csat-report.service';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';

/** The programme team's figures (API key with csat:read). */
@Controller()
@UseGuards(AuthGuard)
export class CsatReportController {
  constructor(private readonly reports: CsatReportService) {}

  @Get('v1/csat')
  report(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>) {
    return this.reports.report(principal, query);
  }
}
