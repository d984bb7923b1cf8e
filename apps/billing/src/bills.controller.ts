import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import type { Principal } from '@surge/auth/principal.model';
import { BillQueryService } from '@surge/billing/bills/bill-query.service';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';

/** An account's bills: its customer (bearer token, same as the read API) or staff with billing:read. */
@Controller('v1/accounts/:accountId/bills')
@UseGuards(AuthGuard)
export class BillsController {
  constructor(private readonly bills: BillQueryService) {}

  @Get()
  list(@CurrentPrincipal() principal: Principal, @Param('accountId') accountId: string, @Query('limit') limit?: string) {
    return this.bills.list(principal, accountId, limit === undefined ? {} : { limit });
  }

  @Get(':billId')
  get(@CurrentPrincipal() principal: Principal, @Param('accountId') accountId: string, @Param('billId') billId: string) {
    return this.bills.get(principal, accountId, billId);
  }
}
