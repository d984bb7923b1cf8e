import { MAX_DAILY_WINDOW_DAYS, MAX_HOURLY_WINDOW_DAYS } from '@surge/csat/csat-report.service';
import { surveyAnswerSchema } from '@surge/csat/survey-answer.schema';
import { SCALE_LABELS, SURVEY_QUESTION } from '@surge/csat/survey.service';
import {
  bodyResponses,
  buildOpenApiDocument,
  edgeResponses,
  errorResponse,
  jsonBody,
  jsonResponse,
  operationalPaths,
  pathParameter,
  queryParameter,
  schemaOf,
  type OpenApiObject,
} from '@surge/http/openapi.builder';

const ref = (name: string): OpenApiObject => ({ $ref: `#/components/schemas/${name}` });
const surveyId = pathParameter('id', 'Survey (invitation) id', { type: 'string', format: 'uuid' });
const surveyNotFound = { notFound: 'SURVEY_NOT_FOUND: no such survey for this customer (another account\u2019s survey looks the same)' };

/**
 * The csat service's OpenAPI 3.1 document (GET /openapi.json), built with the
 * shared builder from the zod schema that validates answers and the error
 * catalogue. csat.openapi.spec.ts fails when a route of the module's
 * controllers is not here.
 */
export function buildCsatOpenApi(): OpenApiObject {
  return buildOpenApiDocument({
    title: 'Surge CSAT',
    description: `Meter-read satisfaction surveys. A customer (bearer token) sees and answers their own surveys: "${SURVEY_QUESTION}", once, before it expires. Customer service (API key with csat:read) lists an account\u2019s surveys; the programme team (csat:read) reads CSAT = answers scoring 4 or 5 / all answers x 100.`,
    paths: {
      ...operationalPaths('PostgreSQL required; Kafka and ClickHouse reported'),
      '/v1/surveys': {
        get: { summary: "The customer's open surveys (at most 20)", responses: { '200': jsonResponse('{ items }', { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Survey') } } }), ...edgeResponses() } },
      },
      '/v1/surveys/{id}': {
        get: { summary: 'One of the customer\u2019s surveys', parameters: [surveyId], responses: { '200': jsonResponse('The survey', ref('Survey')), ...edgeResponses(surveyNotFound) } },
      },
      '/v1/surveys/{id}/answer': {
        post: {
          summary: 'Answer a survey (once; the first answer stands)',
          parameters: [surveyId],
          requestBody: jsonBody(schemaOf(surveyAnswerSchema)),
          responses: {
            '201': jsonResponse('Answered: the survey with its answer', ref('Survey')),
            ...edgeResponses(surveyNotFound),
            ...bodyResponses(),
            '409': errorResponse('SURVEY_ALREADY_ANSWERED (the first answer stands) or SURVEY_EXPIRED'),
          },
        },
      },
      '/v1/accounts/{accountId}/surveys': {
        get: {
          summary: "An account's surveys, newest first (customer service, csat:read; or the account's customer)",
          parameters: [
            pathParameter('accountId', 'Account id'),
            queryParameter('limit', 'Page size', { type: 'integer', minimum: 1, maximum: 200, default: 50 }),
            queryParameter('cursor', 'nextCursor of the previous page, passed back exactly (else 400 INVALID_CURSOR)', { type: 'string' }),
          ],
          responses: {
            '200': jsonResponse('{ items, nextCursor }', {
              type: 'object',
              required: ['items', 'nextCursor'],
              properties: { items: { type: 'array', items: { allOf: [ref('Survey'), { type: 'object', properties: { category: { type: 'string', enum: ['A', 'B', 'C', 'D'] } } }] } }, nextCursor: { type: ['string', 'null'] } },
            }),
            ...edgeResponses({ notFound: 'ACCOUNT_NOT_FOUND: no such account for this caller' }),
          },
        },
      },
      '/v1/csat': {
        get: {
          summary: 'CSAT figures over a window, by hour or day, optionally broken down (API key with csat:read)',
          parameters: [
            queryParameter('from', 'Start (inclusive), ISO 8601 date or instant with a zone, on a whole hour/day (UTC) for the granularity', { type: 'string' }, true),
            queryParameter('to', `End (exclusive); at most ${MAX_HOURLY_WINDOW_DAYS} days after from by hour, ${MAX_DAILY_WINDOW_DAYS} by day`, { type: 'string' }, true),
            queryParameter('granularity', 'Bucket size (UTC)', { type: 'string', enum: ['hour', 'day'], default: 'day' }),
            queryParameter('by', 'Comma-separated breakdown: channel, category, outcome', { type: 'string' }),
          ],
          responses: { '200': jsonResponse('The report', ref('CsatReport')), ...edgeResponses() },
        },
      },
    },
    schemas: {
      Survey: {
        type: 'object',
        properties: {
          id: { type: 'string', format: 'uuid' },
          readingId: { type: 'string', format: 'uuid' },
          accountId: { type: 'string' },
          status: { type: 'string', enum: ['open', 'answered', 'expired'] },
          question: { const: SURVEY_QUESTION },
          scale: { type: 'object', properties: { min: { const: 1 }, max: { const: 5 }, labels: { type: 'array', items: { type: 'string', enum: [...SCALE_LABELS] } } } },
          channel: { type: 'string' },
          outcome: { type: 'object', description: 'The outcome of the reading the customer saw (the answer is attributed to it)', properties: { status: { type: 'string' }, reasonCode: { type: ['string', 'null'] }, message: { type: ['string', 'null'] } } },
          interactionAt: { type: 'string', format: 'date-time' },
          invitedAt: { type: 'string', format: 'date-time' },
          expiresAt: { type: 'string', format: 'date-time' },
          answer: { type: ['object', 'null'], properties: { score: { type: 'integer', minimum: 1, maximum: 5 }, satisfied: { type: 'boolean', description: 'score 4 or 5' }, comment: { type: ['string', 'null'] }, answeredAt: { type: 'string', format: 'date-time' } } },
        },
      },
      CsatReport: {
        type: 'object',
        properties: {
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
          granularity: { type: 'string', enum: ['hour', 'day'] },
          by: { type: 'array', items: { type: 'string', enum: ['channel', 'category', 'outcome'] } },
          buckets: { type: 'array', items: { type: 'object', properties: { start: { type: 'string', format: 'date-time' }, responses: { type: 'integer' }, satisfied: { type: 'integer' }, csat: { type: ['number', 'null'] } } } },
          total: { type: 'object' },
          definition: { type: 'string' },
        },
      },
    },
  });
}
