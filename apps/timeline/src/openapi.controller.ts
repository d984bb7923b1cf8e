import { openApiController } from '@surge/http/openapi.controller';
import { buildTimelineOpenApi } from './timeline.openapi';

/** GET /openapi.json: the timeline service's document, built once at start-up. */
export const OpenApiController = openApiController(buildTimelineOpenApi());
