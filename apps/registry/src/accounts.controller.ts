import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import type { Principal } from '@surge/auth/principal.model';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';
import { parseOrThrow } from '@surge/validation/schema.parser';
import { changeCategorySchema, changeEacSchema, createAccountSchema, createAgreementSchema } from '@surge/registry/registry.schema';
import { RegistryService } from '@surge/registry/registry.service';

/** Registry staff create and change accounts (registry:write) and read them (registry:read). Thin: validate, hand off. */
@Controller('v1/accounts')
@UseGuards(AuthGuard)
export class AccountsController {
  constructor(private readonly registry: RegistryService) {}

  @Post()
  @HttpCode(201)
  create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    return this.registry.createAccount(principal, parseOrThrow(createAccountSchema, body ?? {}));
  }

  @Get(':accountId')
  get(@CurrentPrincipal() principal: Principal, @Param('accountId') accountId: string) {
    return this.registry.getAccount(principal, accountId);
  }

  @Post(':accountId/agreements')
  @HttpCode(201)
  agree(@CurrentPrincipal() principal: Principal, @Param('accountId') accountId: string, @Body() body: unknown) {
    return this.registry.createAgreement(principal, accountId, parseOrThrow(createAgreementSchema, body ?? {}));
  }

  @Post(':accountId/category-changes')
  @HttpCode(201)
  category(@CurrentPrincipal() principal: Principal, @Param('accountId') accountId: string, @Body() body: unknown) {
    return this.registry.changeCategory(principal, accountId, parseOrThrow(changeCategorySchema, body ?? {}));
  }

  @Post(':accountId/supply-points/:supplyPointId/meters/:meterSerial/registers/:registerId/eac-changes')
  @HttpCode(201)
  eac(
    @CurrentPrincipal() principal: Principal,
    @Param('accountId') accountId: string,
    @Param('supplyPointId') supplyPointId: string,
    @Param('meterSerial') meterSerial: string,
    @Param('registerId') registerId: string,
    @Body() body: unknown,
  ) {
    return this.registry.changeEac(principal, accountId, { supplyPointId, meterSerial, registerId }, parseOrThrow(changeEacSchema, body ?? {}));
  }
}
