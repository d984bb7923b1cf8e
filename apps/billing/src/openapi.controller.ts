import { openApiController } from '@surge/http/openapi.controller';
import { buildBillingOpenApi } from './billing.openapi';

/** GET /openapi.json: billing's document, built once at start-up. */
export const OpenApiController = openApiController(buildBillingOpenApi());
