import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import type { Principal } from '@surge/auth/principal.model';
import { FlexibilityProgrammeService } from '@surge/flexibility/flexibility-programme.service';
import { eventSchema, programmeSchema } from '@surge/flexibility/flexibility.schema';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';
import { parseOrThrow } from '@surge/validation/schema.parser';

/** The programme team (API keys with flex:manage; flex:read for the views). Thin: validate, hand off. */
@Controller('v1/flex')
@UseGuards(AuthGuard)
export class ProgrammesController {
  constructor(private readonly programmes: FlexibilityProgrammeService) {}

  @Post('programmes')
  @HttpCode(201)
  createProgramme(@CurrentPrincipal() p: Principal, @Body() body: unknown) {
    return this.programmes.createProgramme(p, parseOrThrow(programmeSchema, body ?? {}));
  }

  @Get('programmes/:programmeId/view')
  view(@CurrentPrincipal() p: Principal, @Param('programmeId') programmeId: string) {
    return this.programmes.view(p, programmeId);
  }

  @Post('programmes/:programmeId/events')
  @HttpCode(201)
  createEvent(@CurrentPrincipal() p: Principal, @Param('programmeId') programmeId: string, @Body() body: unknown) {
    return this.programmes.createEvent(p, programmeId, parseOrThrow(eventSchema, body ?? {}));
  }

  @Get('events/:eventId')
  event(@CurrentPrincipal() p: Principal, @Param('eventId') eventId: string) {
    return this.programmes.getEvent(p, eventId);
  }

  @Post('events/:eventId/dispatch')
  @HttpCode(200)
  dispatch(@CurrentPrincipal() p: Principal, @Param('eventId') eventId: string) {
    return this.programmes.dispatch(p, eventId);
  }

  @Post('events/:eventId/settlement')
  @HttpCode(200)
  settle(@CurrentPrincipal() p: Principal, @Param('eventId') eventId: string) {
    return this.programmes.settle(p, eventId);
  }
}
