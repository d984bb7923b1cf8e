import { ERROR_CODES } from '@surge/errors/error-codes.catalog';
import { declaredRoutes, undocumentedRoutes } from '@surge/http/openapi-route.lister';
import type { RegistryConfig } from './registry.config';
import { RegistryModule } from './registry.module';
import { buildRegistryOpenApi } from './registry.openapi';
import { createMetrics } from '@surge/observability/metrics.catalog';

describe('registry OpenAPI document', () => {
  const doc = buildRegistryOpenApi() as unknown as { paths: Record<string, unknown>; 'x-error-codes': Record<string, unknown> };

  it('lists every route the app serves', () => {
    const controllers = RegistryModule.forRoot({ KAFKA_TOPIC_PREFIX: '' } as RegistryConfig, createMetrics('registry')).controllers ?? [];
    expect(declaredRoutes(controllers).map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['post /v1/accounts', 'get /v1/accounts/{accountId}', 'post /v1/tariffs', 'get /openapi.json']));
    expect(undocumentedRoutes(doc, controllers)).toEqual([]);
  });

  it('lists every error code of the catalogue and the field codes', () => {
    for (const code of [...Object.keys(ERROR_CODES), 'INVALID_MPAN', 'INVALID_RATE_PERIOD']) expect(doc['x-error-codes']).toHaveProperty(code);
  });
});
