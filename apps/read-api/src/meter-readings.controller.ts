import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { Principal } from '@surge/auth/principal';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';
import { ReadingIntakeService } from '@surge/ingest/reading-intake.service';
import { ReadingQueryService } from '@surge/ingest/reading-query.service';
import { readingBatchSchema } from '@surge/ingest/reading-submission.schema';
import { parseOrThrow } from '@surge/http/parse';

/** Thin: authenticate (guard), then one call into the ingest library. */
@Controller()
@UseGuards(AuthGuard)
export class MeterReadingsController {
  constructor(
    private readonly intake: ReadingIntakeService,
    private readonly query: ReadingQueryService,
  ) {}

  @Post('v1/meter-readings')
  @HttpCode(202)
  submit(@CurrentPrincipal() principal: Principal, @Body() body: unknown, @Headers('x-correlation-id') correlationId: string) {
    return this.intake.submit(principal, body, { correlationId, now: new Date() });
  }

  @Post('v1/meter-readings/batch')
  @HttpCode(207)
  async submitBatch(@CurrentPrincipal() principal: Principal, @Body() body: unknown, @Headers('x-correlation-id') correlationId: string) {
    return { results: await this.intake.submitBatch(principal, parseOrThrow(readingBatchSchema, body).readings, { correlationId, now: new Date() }) };
  }

  @Get('v1/meter-readings/:id')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query('accountId') accountId?: string) {
    return this.query.getReading(principal, id, accountId);
  }

  @Get('v1/accounts/:accountId/meter-readings')
  list(@CurrentPrincipal() principal: Principal, @Param('accountId') accountId: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.query.listForAccount(principal, accountId, { limit, cursor });
  }
}
