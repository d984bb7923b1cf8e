import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { Principal } from '@surge/auth/principal.model';
import { SurveyService } from '@surge/csat/survey.service';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';

/** Thin: authenticate (guard), then one call into the CSAT library, which authorizes per object. */
@Controller()
@UseGuards(AuthGuard)
export class SurveysController {
  constructor(private readonly surveys: SurveyService) {}

  @Get('v1/surveys')
  listOpen(@CurrentPrincipal() principal: Principal) {
    return this.surveys.listOpen(principal);
  }

  @Get('v1/surveys/:id')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.surveys.get(principal, id);
  }

  @Post('v1/surveys/:id/answer')
  @HttpCode(201)
  answer(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.surveys.answer(principal, id, body);
  }

  @Get('v1/accounts/:accountId/surveys')
  listForAccount(@CurrentPrincipal() principal: Principal, @Param('accountId') accountId: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.surveys.listForAccount(principal, accountId, { ...(limit !== undefined ? { limit } : {}), ...(cursor !== undefined ? { cursor } : {}) });
  }
}
