import { openApiController } from '@surge/http/openapi.controller';
import { buildReadApiOpenApi } from './read-api.openapi';

/** GET /openapi.json: the read API's document, built once at start-up. */
export const OpenApiController = openApiController(buildReadApiOpenApi());
