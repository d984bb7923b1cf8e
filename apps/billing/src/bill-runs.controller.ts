import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { Principal } from '@surge/auth/principal.model';
import { BillRunService } from '@surge/billing/bill-run/bill-run.service';
import { resumeBillRunSchema, startBillRunSchema } from '@surge/billing/bill-run/bill-run.schema';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';
import { parseOrThrow } from '@surge/validation/schema.parser';

/** Billing staff start and watch bill runs (API key with billing:run; billing:read may watch). Thin: validate, hand off. */
@Controller('v1/bill-runs')
@UseGuards(AuthGuard)
export class BillRunsController {
  constructor(private readonly runs: BillRunService) {}

  @Post()
  @HttpCode(202)
  start(@CurrentPrincipal() principal: Principal, @Body() body: unknown, @Headers('idempotency-key') idempotencyKey?: string) {
    return this.runs.start(principal, parseOrThrow(startBillRunSchema, body ?? {}), idempotencyKey);
  }

  @Get()
  list(@CurrentPrincipal() principal: Principal, @Query('limit') limit?: string) {
    return this.runs.list(principal, limit === undefined ? 20 : Number(limit) || 20).then((items) => ({ items }));
  }

  @Get(':runId')
  status(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string) {
    return this.runs.status(principal, runId);
  }

  @Get(':runId/failures')
  failures(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Query('limit') limit?: string, @Query('after') after?: string) {
    return this.runs.failures(principal, runId, { ...(limit !== undefined ? { limit } : {}), ...(after !== undefined ? { after } : {}) });
  }

  @Post(':runId/resume')
  @HttpCode(202)
  resume(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string, @Body() body: unknown) {
    return this.runs.resume(principal, runId, parseOrThrow(resumeBillRunSchema, body ?? {}));
  }
}
