import { openApiController } from '@surge/http/openapi.controller';
import { buildFlowIntakeOpenApi } from './flow-intake.openapi';

/** GET /openapi.json: flow-intake's document, built once at start-up. */
export const OpenApiController = openApiController(buildFlowIntakeOpenApi());
