import { ERROR_CODES } from '@surge/errors/error-codes.catalog';
import { declaredRoutes, undocumentedRoutes } from '@surge/http/openapi-route.lister';
import type { TimelineConfig } from './timeline.config';
import { TimelineModule } from './timeline.module';
import { buildTimelineOpenApi } from './timeline.openapi';

type Doc = { paths: Record<string, Record<string, { parameters?: { name: string }[] }>>; 'x-error-codes': Record<string, unknown> };

describe('timeline OpenAPI document', () => {
  const doc = buildTimelineOpenApi() as unknown as Doc;

  it('lists every route the app serves (the module\u2019s controllers, as Nest routes them)', () => {
    const controllers = TimelineModule.forRoot({ KAFKA_TOPIC_PREFIX: '' } as TimelineConfig).controllers ?? [];
    expect(declaredRoutes(controllers).map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['get /v1/accounts/{accountId}/timeline', 'get /v1/account-lookup', 'get /openapi.json']));
    expect(undocumentedRoutes(doc, controllers)).toEqual([]);
  });

  it('derives the query parameters from the validating zod schema', () => {
    const names = (doc.paths['/v1/accounts/{accountId}/timeline']!.get!.parameters ?? []).map((p) => p.name).sort();
    expect(names).toEqual(['accountId', 'cursor', 'from', 'kind', 'limit', 'to']);
  });

  it('lists every error code of the catalogue', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(doc['x-error-codes']).toHaveProperty(code);
  });
});
