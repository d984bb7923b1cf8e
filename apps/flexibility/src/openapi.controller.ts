import { openApiController } from '@surge/http/openapi.controller';
import { buildFlexibilityOpenApi } from './flexibility.openapi';

/** GET /openapi.json: the flexibility document, built once at start-up. */
export const OpenApiController = openApiController(buildFlexibilityOpenApi());
