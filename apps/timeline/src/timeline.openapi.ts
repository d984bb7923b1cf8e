import { buildOpenApiDocument, edgeResponses, jsonResponse, operationalPaths, pathParameter, queryParametersOf, schemaOf, type OpenApiObject } from '@surge/http/openapi.builder';
import { lookupQuerySchema, lookupResultSchema, timelinePageSchema, timelineQuerySchema } from '@surge/timeline/timeline-query.schema';

const ref = (name: string): OpenApiObject => ({ $ref: `#/components/schemas/${name}` });

/**
 * The timeline service's OpenAPI 3.1 document (GET /openapi.json), from the zod schemas that validate the
 * queries and describe the answers, and the one error catalogue. timeline.openapi.spec.ts fails when a route
 * of the module's controllers is missing here.
 */
export function buildTimelineOpenApi(): OpenApiObject {
  return buildOpenApiDocument({
    title: 'Surge account timeline',
    description:
      "One account's story across services (readings and their outcomes, bills, surveys, registry changes), built from the platform's events. Customer service: an API key with timeline:read, any account, with staff notes. A customer (bearer token): their own account only, without staff notes; another account is 404 like an unknown one. Eventually consistent: seconds behind the services that own the facts.",
    paths: {
      ...operationalPaths('PostgreSQL required; the consumer and its lag reported'),
      '/v1/accounts/{accountId}/timeline': {
        get: {
          summary: "An account's timeline, newest first, cursor-paged (timeline:read, or the account's own customer)",
          parameters: [pathParameter('accountId', 'Account id'), ...queryParametersOf(timelineQuerySchema)],
          responses: {
            '200': jsonResponse('A page of entries; nextCursor null on the last page', ref('TimelinePage')),
            ...edgeResponses({ notFound: 'ACCOUNT_NOT_FOUND: not your account, or an account the timeline has never heard of' }),
          },
        },
      },
      '/v1/account-lookup': {
        get: {
          summary: 'Find an account by account id, MPAN / MPRN or meter serial, exactly (timeline:read)',
          parameters: queryParametersOf(lookupQuerySchema),
          responses: { '200': jsonResponse('Matches (possibly none)', ref('AccountLookup')), ...edgeResponses() },
        },
      },
    },
    schemas: { TimelinePage: schemaOf(timelinePageSchema, 'output'), AccountLookup: schemaOf(lookupResultSchema, 'output') },
  });
}
