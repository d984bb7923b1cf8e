import { Controller, Get, Headers, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { Principal } from '@surge/auth/principal.model';
import { AuthGuard, CurrentPrincipal } from '@surge/http/auth.guard';
import { FlowStatusService, flowStatusPath, toView } from '@surge/flow-intake/flow-status.service';
import { FlowUploadService } from '@surge/flow-intake/flow-upload.service';

/** Thin: the edge authenticated before the body was read; the body is the request stream, handed off unread. */
@Controller('v1/industry/flows')
@UseGuards(AuthGuard)
export class FlowsController {
  constructor(
    private readonly upload: FlowUploadService,
    private readonly status: FlowStatusService,
  ) {}

  @Post()
  @HttpCode(202)
  async submit(@CurrentPrincipal() p: Principal, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Headers('content-length') length?: string) {
    const receipt = await this.upload.submit(p, req.body as AsyncIterable<Buffer>, length ? Number(length) : undefined);
    // A resubmitted file changes nothing: 200 with the flow it already is, and says so.
    if (receipt.outcome === 'duplicate') void reply.status(200);
    void reply.header('location', flowStatusPath(receipt.flow.flowId));
    return { duplicate: receipt.outcome === 'duplicate', ...toView(receipt.flow) };
  }

  @Get(':flowId')
  get(@CurrentPrincipal() p: Principal, @Param('flowId') id: string) {
    return this.status.status(p, id);
  }

  @Get(':flowId/rejections.csv')
  async rejections(@CurrentPrincipal() p: Principal, @Param('flowId') id: string, @Res() reply: FastifyReply) {
    const csv = await this.status.rejectionsCsv(p, id);
    void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="flow-${id}-rejections.csv"`);
    return reply.send(Readable.from(csv));
  }

  @Get(':flowId/readings.csv')
  async readings(@CurrentPrincipal() p: Principal, @Param('flowId') id: string, @Res() reply: FastifyReply) {
    const csv = await this.status.readingsCsv(p, id);
    void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="flow-${id}-readings.csv"`);
    return reply.send(Readable.from(csv));
  }
}
