import {
  bodyResponses,
  buildOpenApiDocument,
  edgeResponses,
  errorResponse,
  jsonBody,
  jsonResponse,
  operationalPaths,
  pathParameter,
  schemaOf,
  type OpenApiObject,
} from '@surge/http/openapi.builder';
import { changeCategorySchema, changeEacSchema, createAccountSchema, createAgreementSchema, createTariffSchema } from '@surge/registry/registry.schema';

const accountId = pathParameter('accountId', 'Account id', { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' });
const tariffId = pathParameter('tariffId', 'Tariff id', { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' });
const registerPath = [
  accountId,
  pathParameter('supplyPointId', 'MPAN core or MPRN'),
  pathParameter('meterSerial', 'Meter serial'),
  pathParameter('registerId', 'Register id (S, EXPORT, DAY, NIGHT, GAS)'),
];
const accountView: OpenApiObject = {
  type: 'object',
  required: ['account', 'history'],
  description: 'The account as it is now (the registry.account.v1 snapshot, without revision) and its history (category and EAC versions)',
  properties: { account: { type: 'object' }, history: { type: 'object', properties: { categories: { type: 'array' }, eac: { type: 'array' } } } },
};
const conflict = (what: string): Record<string, OpenApiObject> => ({ '409': errorResponse(what) });

/** The registry's OpenAPI 3.1 document (GET /openapi.json), from the zod schemas the controllers validate with. */
export function buildRegistryOpenApi(): OpenApiObject {
  return buildOpenApiDocument({
    title: 'Surge registry',
    description:
      'Accounts, supply points, meters, registers, tariffs and agreements (staff API keys: registry:write to change, registry:read to read; customers are refused). One transaction per request; history is appended, never overwritten; every change is published on the compacted topic registry.v1.',
    extraErrorCodes: {
      INVALID_MPAN: { status: 400, description: 'An electricity supply point id is not a valid MPAN core (issue code inside VALIDATION_FAILED).' },
      INVALID_MPRN: { status: 400, description: 'A gas supply point id is not an MPRN (issue code inside VALIDATION_FAILED).' },
      INVALID_METER_SERIAL: { status: 400, description: 'A meter serial is not 1 to 10 letters and digits (issue code inside VALIDATION_FAILED).' },
      INVALID_REGISTER: { status: 400, description: 'A register does not fit its supply point or tariff fuel (issue code inside VALIDATION_FAILED).' },
      INVALID_RATE_PERIOD: { status: 400, description: 'A period ends before it starts, or two periods of one rate overlap (issue code inside VALIDATION_FAILED).' },
    },
    paths: {
      ...operationalPaths('PostgreSQL required; Kafka reported (changes commit while it is down, their events wait in the outbox)'),
      '/v1/tariffs': {
        post: {
          summary: 'Create a tariff with its unit rates and standing charges',
          requestBody: jsonBody(schemaOf(createTariffSchema)),
          responses: { '201': jsonResponse('The tariff as stored', { type: 'object' }), ...conflict('TARIFF_ALREADY_EXISTS'), ...edgeResponses(), ...bodyResponses('64 KiB') },
        },
      },
      '/v1/tariffs/{tariffId}': {
        get: { summary: 'A tariff', parameters: [tariffId], responses: { '200': jsonResponse('The tariff', { type: 'object' }), ...edgeResponses({ notFound: 'TARIFF_NOT_FOUND' }) } },
      },
      '/v1/accounts': {
        post: {
          summary: 'Create an account with its supply points, meters and registers',
          requestBody: jsonBody(schemaOf(createAccountSchema)),
          responses: { '201': jsonResponse('The account', accountView), ...conflict('ACCOUNT_ALREADY_EXISTS, SUPPLY_POINT_ALREADY_REGISTERED'), ...edgeResponses(), ...bodyResponses('64 KiB') },
        },
      },
      '/v1/accounts/{accountId}': {
        get: { summary: 'An account, now and its history', parameters: [accountId], responses: { '200': jsonResponse('The account', accountView), ...edgeResponses({ notFound: 'ACCOUNT_NOT_FOUND' }) } },
      },
      '/v1/accounts/{accountId}/agreements': {
        post: {
          summary: 'Put a supply point of the account on a tariff from a date',
          parameters: [accountId],
          requestBody: jsonBody(schemaOf(createAgreementSchema)),
          responses: {
            '201': jsonResponse('The account', accountView),
            ...conflict('AGREEMENT_OVERLAP'),
            '422': errorResponse('UNKNOWN_TARIFF, TARIFF_FUEL_MISMATCH'),
            ...edgeResponses({ notFound: 'ACCOUNT_NOT_FOUND, METER_NOT_ON_ACCOUNT' }),
            ...bodyResponses('64 KiB'),
          },
        },
      },
      '/v1/accounts/{accountId}/category-changes': {
        post: {
          summary: 'Change the account\u2019s category from a date (a new version; history kept)',
          parameters: [accountId],
          requestBody: jsonBody(schemaOf(changeCategorySchema)),
          responses: { '201': jsonResponse('The account', accountView), ...conflict('VERSION_OUT_OF_ORDER'), ...edgeResponses({ notFound: 'ACCOUNT_NOT_FOUND' }), ...bodyResponses('64 KiB') },
        },
      },
      '/v1/accounts/{accountId}/supply-points/{supplyPointId}/meters/{meterSerial}/registers/{registerId}/eac-changes': {
        post: {
          summary: 'Change a register\u2019s estimated annual consumption from a date (a new version; history kept)',
          parameters: registerPath,
          requestBody: jsonBody(schemaOf(changeEacSchema)),
          responses: { '201': jsonResponse('The account', accountView), ...conflict('VERSION_OUT_OF_ORDER'), ...edgeResponses({ notFound: 'ACCOUNT_NOT_FOUND, REGISTER_NOT_FOUND' }), ...bodyResponses('64 KiB') },
        },
      },
    },
  });
}
