import { ERROR_CODES } from '@surge/errors/error-codes.catalog';
import { declaredRoutes, undocumentedRoutes } from '@surge/http/openapi-route.lister';
import { createMetrics } from '@surge/observability/metrics.catalog';
import type { FlexibilityConfig } from './flexibility.config';
import { FlexibilityModule } from './flexibility.module';
import { buildFlexibilityOpenApi } from './flexibility.openapi';

describe('flexibility OpenAPI document', () => {
  const doc = buildFlexibilityOpenApi() as unknown as { paths: Record<string, unknown>; 'x-error-codes': Record<string, unknown> };

  it('lists every route the app serves', () => {
    const controllers = FlexibilityModule.forRoot({ KAFKA_TOPIC_PREFIX: '' } as FlexibilityConfig, createMetrics('flexibility')).controllers ?? [];
    expect(declaredRoutes(controllers).map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['post /v1/flex/events/{eventId}/dispatch', 'post /openadr3/reports', 'get /openapi.json']));
    expect(undocumentedRoutes(doc, controllers)).toEqual([]);
  });

  it('lists every error code of the catalogue and the field codes', () => {
    for (const code of [...Object.keys(ERROR_CODES), 'INVALID_TIME', 'INVALID_REPORT']) expect(doc['x-error-codes']).toHaveProperty(code);
  });
});
