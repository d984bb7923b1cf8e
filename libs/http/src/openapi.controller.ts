import { Controller, Get, type Type } from '@nestjs/common';

/**
 * GET /openapi.json for an app, serving a document built once at start-up
 * (openapi.builder.ts). Unauthenticated: the document is the public contract.
 */
export function openApiController(document: Record<string, unknown>): Type<unknown> {
  @Controller()
  class OpenApiController {
    @Get('openapi.json')
    document() {
      return document;
    }
  }
  return OpenApiController;
}
