import { ACCOUNT_OUTCOME_CODES } from '@surge/billing/bill-run/account-billing.error';
import { ERROR_CODES } from '@surge/errors/error-codes.catalog';
import { declaredRoutes, undocumentedRoutes } from '@surge/http/openapi-route.lister';
import type { BillingConfig } from './billing.config';
import { BillingModule } from './billing.module';
import { buildBillingOpenApi } from './billing.openapi';

type Doc = {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, { description?: string }> } }> }; parameters?: { name: string }[] }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; enum?: string[] }> };
  'x-error-codes': Record<string, unknown>;
  'x-outcome-codes': Record<string, string>;
};

describe('billing OpenAPI document', () => {
  const doc = buildBillingOpenApi() as unknown as Doc;

  it('lists every route the app serves (the module\u2019s controllers, as Nest routes them)', () => {
    const controllers = BillingModule.forRoot({} as BillingConfig).controllers ?? [];
    expect(declaredRoutes(controllers).map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['post /v1/bill-runs', 'get /v1/bill-runs/{runId}', 'post /v1/bill-runs/{runId}/resume', 'get /v1/settlement', 'get /openapi.json']),
    );
    expect(undocumentedRoutes(doc, controllers)).toEqual([]);
  });

  it('describes every field of the bill-run body, from the validating zod schema', () => {
    const body = doc.paths['/v1/bill-runs']!.post!.requestBody!.content['application/json']!.schema as unknown as { properties: Record<string, { description?: string }>; additionalProperties: boolean };
    expect(Object.keys(body.properties).sort()).toEqual(['accountIds', 'kind', 'periodEnd', 'periodStart']);
    for (const [name, p] of Object.entries(body.properties)) expect([name, typeof p.description]).toEqual([name, 'string']);
    expect(body.additionalProperties).toBe(false);
  });

  it('lists every error code of the catalogue and every per-account outcome code', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(doc['x-error-codes']).toHaveProperty(code);
    expect(Object.keys(doc['x-outcome-codes']).sort()).toEqual(Object.keys(ACCOUNT_OUTCOME_CODES).sort());
    expect(doc['x-outcome-codes']).toHaveProperty('ALREADY_BILLED');
  });

  it('takes the settlement query parameters from the schema', () => {
    expect(doc.paths['/v1/settlement']!.get!.parameters!.map((p) => p.name).sort()).toEqual(['format', 'from', 'to']);
  });
});
