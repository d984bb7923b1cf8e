import { openApiController } from '@surge/http/openapi.controller';
import { buildCsatOpenApi } from './csat.openapi';

/** GET /openapi.json: the csat service's document, built once at start-up. */
export const OpenApiController = openApiController(buildCsatOpenApi());
