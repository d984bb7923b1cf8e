import { Body, Controller, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import type { Principal } from '@surge/auth/principal.model';
import { FlexibilityMemberService } from '@surge/flexibility/flexibility-member.service';
import { enrolmentSchema, preferenceSchema, reportSchema } from '@surge/flexibility/flexibility.schema';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';
import { parseOrThrow } from '@surge/validation/schema.parser';

/** Members (customer tokens, their own account only; another account is 404). Thin: validate, hand off. */
@Controller('v1/flex/accounts/:accountId')
@UseGuards(AuthGuard)
export class MembersController {
  constructor(private readonly members: FlexibilityMemberService) {}

  @Post('enrolment')
  @HttpCode(201)
  enrol(@CurrentPrincipal() p: Principal, @Param('accountId') accountId: string, @Body() body: unknown) {
    return this.members.enrol(p, accountId, parseOrThrow(enrolmentSchema, body ?? {}));
  }

  @Get('devices')
  devices(@CurrentPrincipal() p: Principal, @Param('accountId') accountId: string) {
    return this.members.devices(p, accountId);
  }

  @Put('devices/:deviceId/preference')
  preference(@CurrentPrincipal() p: Principal, @Param('accountId') accountId: string, @Param('deviceId') deviceId: string, @Body() body: unknown) {
    return this.members.setPreference(p, accountId, deviceId, parseOrThrow(preferenceSchema, body ?? {}));
  }

  @Get('activity')
  activity(@CurrentPrincipal() p: Principal, @Param('accountId') accountId: string) {
    return this.members.activity(p, accountId);
  }

  @Post('events/:eventId/reports')
  @HttpCode(201)
  report(@CurrentPrincipal() p: Principal, @Param('accountId') accountId: string, @Param('eventId') eventId: string, @Body() body: unknown) {
    return this.members.report(p, accountId, eventId, parseOrThrow(reportSchema, body ?? {}));
  }
}
