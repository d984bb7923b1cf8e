import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import type { Principal } from '@surge/auth/principal.model';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';
import { parseOrThrow } from '@surge/validation/schema.parser';
import { createTariffSchema } from '@surge/registry/registry.schema';
import { RegistryService } from '@surge/registry/registry.service';

/** Tariffs: created whole (rates per register kind and standing charges, each with its valid days), never overwritten. */
@Controller('v1/tariffs')
@UseGuards(AuthGuard)
export class TariffsController {
  constructor(private readonly registry: RegistryService) {}

  @Post()
  @HttpCode(201)
  create(@CurrentPrincipal() principal: Principal, @Body() body: unknown) {
    return this.registry.createTariff(principal, parseOrThrow(createTariffSchema, body ?? {}));
  }

  @Get(':tariffId')
  get(@CurrentPrincipal() principal: Principal, @Param('tariffId') tariffId: string) {
    return this.registry.getTariff(principal, tariffId);
  }
}
