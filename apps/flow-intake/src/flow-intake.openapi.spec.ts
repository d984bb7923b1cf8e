import { ERROR_CODES } from '@surge/errors/error-codes.catalog';
import { declaredRoutes, undocumentedRoutes } from '@surge/http/openapi-route.lister';
import { createMetrics } from '@surge/observability/metrics.catalog';
import type { FlowIntakeConfig } from './flow-intake.config';
import { FlowIntakeModule } from './flow-intake.module';
import { buildFlowIntakeOpenApi } from './flow-intake.openapi';

describe('flow-intake OpenAPI document', () => {
  const doc = buildFlowIntakeOpenApi() as unknown as { paths: Record<string, unknown>; 'x-error-codes': Record<string, unknown> };

  it('lists every route the app serves', () => {
    const controllers = FlowIntakeModule.forRoot({ KAFKA_TOPIC_PREFIX: '' } as FlowIntakeConfig, createMetrics('flow-intake')).controllers ?? [];
    expect(declaredRoutes(controllers).map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['post /v1/industry/flows', 'get /v1/industry/flows/{flowId}', 'get /v1/industry/flows/{flowId}/rejections.csv', 'get /openapi.json']),
    );
    expect(undocumentedRoutes(doc, controllers)).toEqual([]);
  });

  it('lists every error code of the catalogue and the D0010 refusal and rejection codes', () => {
    for (const code of [...Object.keys(ERROR_CODES), 'RECORD_COUNT_MISMATCH', 'INVALID_MPAN_CORE']) expect(doc['x-error-codes']).toHaveProperty(code);
  });
});
