import { ERROR_CODES } from '@surge/errors/error-codes.catalog';
import { declaredRoutes, undocumentedRoutes } from '@surge/http/openapi-route.lister';
import type { CsatConfig } from './csat.config';
import { CsatModule } from './csat.module';
import { buildCsatOpenApi } from './csat.openapi';

type Doc = {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>; additionalProperties?: boolean } }> } }>>;
  'x-error-codes': Record<string, unknown>;
};

describe('csat OpenAPI document', () => {
  const doc = buildCsatOpenApi() as unknown as Doc;

  it('lists every route the app serves (the module\u2019s controllers, as Nest routes them)', () => {
    const controllers = CsatModule.forRoot({ KAFKA_TOPIC_PREFIX: '' } as CsatConfig).controllers ?? [];
    expect(declaredRoutes(controllers).map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['get /v1/surveys', 'post /v1/surveys/{id}/answer', 'get /v1/accounts/{accountId}/surveys', 'get /v1/csat', 'get /openapi.json']),
    );
    expect(undocumentedRoutes(doc, controllers)).toEqual([]);
  });

  it('derives the answer body from the validating zod schema', () => {
    const body = doc.paths['/v1/surveys/{id}/answer']!.post!.requestBody!.content['application/json']!.schema;
    expect(Object.keys(body.properties).sort()).toEqual(['comment', 'score']);
    expect(body.additionalProperties).toBe(false);
  });

  it('lists every error code of the catalogue', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(doc['x-error-codes']).toHaveProperty(code);
  });
});
