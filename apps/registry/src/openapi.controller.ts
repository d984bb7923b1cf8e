import { openApiController } from '@surge/http/openapi.controller';
import { buildRegistryOpenApi } from './registry.openapi';

/** GET /openapi.json: the registry's document, built once at start-up. */
export const OpenApiController = openApiController(buildRegistryOpenApi());
