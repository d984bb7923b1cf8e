import { ERROR_CODES } from '@surge/errors/error-codes.catalog';
import { declaredRoutes, undocumentedRoutes } from '@surge/http/openapi-route.lister';
import { toView } from '@surge/reading-query/reading-query.service';
import type { ReadApiConfig } from './read-api.config';
import { ReadApiModule } from './read-api.module';
import { allErrorCodes, buildReadApiOpenApi } from './read-api.openapi';

describe('read API OpenAPI document', () => {
  const doc = buildReadApiOpenApi() as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };

  it('lists every route the app serves (the module\u2019s controllers, as Nest routes them)', () => {
    const controllers = ReadApiModule.forRoot({ KAFKA_TOPIC_PREFIX: '' } as ReadApiConfig).controllers ?? [];
    expect(declaredRoutes(controllers).length).toBeGreaterThanOrEqual(8);
    expect(undocumentedRoutes(doc, controllers)).toEqual([]);
  });

  it('lists every error code', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(allErrorCodes()).toContain(code);
    expect(allErrorCodes()).toContain('INVALID_MPAN');
    expect(allErrorCodes()).toContain('READ_AT_IN_FUTURE');
  });

  it('describes the reading view the GET routes return, billed status and bills included', () => {
    const reading = doc.components.schemas.Reading as { required: string[]; properties: Record<string, { enum?: string[] }> };
    const view = toView({
      readingId: '00000000-0000-4000-8000-000000000001', accountId: 'A', supplyPointId: '1', fuel: 'electricity', meterSerial: 'M', registerId: 'S',
      readAt: '2022-03-31T00:00:00.000Z', value: '1', unit: 'kWh', source: 'C', channel: 'web', status: 'accepted', reasonCode: '', industryCode: '',
      message: '', duplicateOf: '', backdated: false, rolledOver: false, flags: [], submittedAtMs: 0, decidedAtMs: 0, correlationId: '', version: 1,
      bills: [{ billId: '00000000-0000-7000-8000-000000000002', periodStart: '2022-03-01', periodEnd: '2022-05-01' }],
    });
    expect(Object.keys(reading.properties).sort()).toEqual(Object.keys(view).sort());
    expect([...reading.required].sort()).toEqual(Object.keys(view).sort());
    expect(reading.properties.status!.enum).toContain(view.status);
    expect(view.status).toBe('billed');
  });

  it('derives the request schema from the validating zod schema (unknown fields rejected)', () => {
    expect(doc.components.schemas.ReadingSubmission).toMatchObject({ type: 'object', additionalProperties: false });
  });

  it('documents that source and channel are the server\u2019s to decide for customers (refused with 400)', () => {
    const props = (doc.components.schemas.ReadingSubmission as { properties: Record<string, { description?: string }> }).properties;
    expect(props.source?.description).toMatch(/FIELD_SET_BY_SERVER/);
    expect(props.channel?.description).toMatch(/FIELD_SET_BY_SERVER/);
  });
});
