import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import type { Principal } from '@surge/auth/principal.model';
import { notFound } from '@surge/errors/app.error';
import { FlexibilityMemberService } from '@surge/flexibility/flexibility-member.service';
import { OpenAdrCatalogue } from '@surge/flexibility/flexibility-programme.service';
import { fromOadrReport, toOadrEvent, toOadrProgram, toOadrReport } from '@surge/flexibility/openadr3.mapper';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';

/**
 * OpenADR 3 (the VTN side, a subset): GET programs, GET events, POST reports. A VEN authenticates with
 * the member's bearer token; its reports land on the member's own account (another account's event is 404).
 */
@Controller('openadr3')
@UseGuards(AuthGuard)
export class OpenAdrController {
  constructor(private readonly catalogue: OpenAdrCatalogue, private readonly members: FlexibilityMemberService) {}

  @Get('programs')
  async programs() {
    return (await this.catalogue.programs()).map(toOadrProgram);
  }

  @Get('events')
  async events(@Query('programID') programId?: string) {
    return (await this.catalogue.events(programId)).map(toOadrEvent);
  }

  @Post('reports')
  @HttpCode(201)
  async report(@CurrentPrincipal() p: Principal, @Body() body: unknown) {
    if (p.kind !== 'customer') throw notFound('ACCOUNT_NOT_FOUND', 'Reports come from a member\u2019s device, with the member\u2019s token.');
    const { eventId, report } = fromOadrReport(body);
    const stored = await this.members.report(p, p.accountId, eventId, report);
    return toOadrReport(body, stored.reportId, new Date());
  }
}
