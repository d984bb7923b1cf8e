import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Principal } from '@surge/auth/principal.model';
import { settlementQuerySchema } from '@surge/billing/bill-run/bill-run.schema';
import { SettlementService } from '@surge/billing/settlement/settlement.service';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';
import { parseOrThrow } from '@surge/validation/schema.parser';

/** Settlement for bills whose period lies within [from, to): JSON, or CSV with format=csv (billing:read). */
@Controller('v1/settlement')
@UseGuards(AuthGuard)
export class SettlementController {
  constructor(private readonly settlement: SettlementService) {}

  @Get()
  async report(@CurrentPrincipal() principal: Principal, @Query() query: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const q = parseOrThrow(settlementQuerySchema, query);
    const period = { start: q.from, end: q.to };
    if (q.format === 'json') return this.settlement.report(principal, period);
    const csv = await this.settlement.csv(principal, period);
    void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="settlement-${q.from}-${q.to}.csv"`);
    return csv;
  }
}
