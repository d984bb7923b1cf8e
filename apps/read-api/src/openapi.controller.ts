import { Controller, Get } from '@nestjs/common';
import { buildReadApiOpenApi } from './read-api.openapi';

const DOCUMENT = buildReadApiOpenApi();

@Controller()
export class OpenApiController {
  @Get('openapi.json')
  document() {
    return DOCUMENT;
  }
}
