import { z } from 'zod';
import { ERROR_CODES } from '@surge/errors/error-codes.catalog';

/**
 * The one way every Surge HTTP service builds its OpenAPI 3.1 document:
 * request schemas come from the same zod schemas that validate requests
 * (z.toJSONSchema), and the error codes from the one catalogue in
 * libs/errors, so a document cannot drift from the code. Each app adds only
 * its paths; the Error schema, security schemes, the edge's responses
 * (400/401/403/404/413/415/429/503) and the health/metrics/openapi routes are
 * the same everywhere. Each app has a test that walks its controllers' routes
 * (openapi-route.lister.ts) and fails when one is missing here.
 */

export type OpenApiObject = Record<string, unknown>;
export type OpenApiOperation = OpenApiObject & { responses: Record<string, OpenApiObject> };
export type OpenApiPaths = Record<string, Partial<Record<'get' | 'post' | 'put' | 'patch' | 'delete', OpenApiOperation>>>;

/** A JSON Schema of a zod schema: `input` for request bodies and queries (defaults optional), `output` for what is answered. */
export function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): OpenApiObject {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as OpenApiObject;
  delete json.$schema;
  return json;
}

/** Query parameters from a zod object schema (its top-level properties), each with its type and description. */
export function queryParametersOf(schema: z.ZodType): OpenApiObject[] {
  const json = schemaOf(schema) as { properties?: Record<string, OpenApiObject>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: (json.required ?? []).includes(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

export function pathParameter(name: string, description: string, schema: OpenApiObject = { type: 'string', pattern: '^[A-Za-z0-9._~-]{1,128}$' }): OpenApiObject {
  return { name, in: 'path', required: true, description, schema };
}

export function queryParameter(name: string, description: string, schema: OpenApiObject, required = false): OpenApiObject {
  return { name, in: 'query', required, description, schema };
}

/** A response whose body is the standard Error envelope. */
export function errorResponse(description: string, headers?: OpenApiObject): OpenApiObject {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } }, ...(headers ? { headers } : {}) };
}

export const RETRY_AFTER_HEADER: OpenApiObject = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };

export function jsonResponse(description: string, schema: OpenApiObject): OpenApiObject {
  return { description, content: { 'application/json': { schema } } };
}

export function jsonBody(schema: OpenApiObject, required = true): OpenApiObject {
  return { required, content: { 'application/json': { schema } } };
}

/** What the HTTP edge (http-edge.hooks.ts, auth guard) can answer on any authenticated route. */
export function edgeResponses(options: { notFound?: string } = {}): Record<string, OpenApiObject> {
  return {
    '400': errorResponse(
      'Invalid input: VALIDATION_FAILED (issues[] names each field), UNKNOWN_FIELD, MALFORMED_JSON, INVALID_ID for a malformed id in the path, INVALID_QUERY for a repeated query parameter or control characters',
    ),
    '401': errorResponse(
      'AUTHENTICATION_REQUIRED, INVALID_TOKEN, INVALID_API_KEY, AMBIGUOUS_CREDENTIALS (a bearer token and an X-API-Key together: send exactly one), TOKEN_TOO_OLD. Checked before the body is read.',
    ),
    '403': errorResponse('INSUFFICIENT_SCOPE: the API key lacks the scope this route needs'),
    '404': errorResponse(options.notFound ?? 'Not yours or not found (404 either way, so nothing leaks)'),
    '503': errorResponse('DEPENDENCY_UNAVAILABLE: a store is down; nothing was changed. Retry after Retry-After seconds.', RETRY_AFTER_HEADER),
  };
}

/** What a route with a JSON body can answer on top of edgeResponses. */
export function bodyResponses(limit = '16 KiB'): Record<string, OpenApiObject> {
  return {
    '413': errorResponse(`PAYLOAD_TOO_LARGE: at most ${limit}`),
    '415': errorResponse('UNSUPPORTED_MEDIA_TYPE: only application/json is taken (form and text bodies are refused, never parsed)'),
  };
}

/** /health/live, /health/ready, /metrics and /openapi.json: served by every app, unauthenticated. */
export function operationalPaths(readyDependencies: string): OpenApiPaths {
  return {
    '/health/live': { get: { summary: 'Liveness: the process answers', security: [], responses: { '200': jsonResponse('Alive', { type: 'object', properties: { status: { const: 'ok' } } }) } } },
    '/health/ready': {
      get: {
        summary: `Readiness: ${readyDependencies}`,
        security: [],
        responses: {
          '200': jsonResponse('Ready; each dependency up or down', { type: 'object', additionalProperties: { type: 'string', enum: ['up', 'down'] } }),
          '503': errorResponse('DEPENDENCY_UNAVAILABLE: a dependency this service cannot work without is down', RETRY_AFTER_HEADER),
        },
      },
    },
    '/metrics': { get: { summary: 'Prometheus scrape (cluster network only, not the public ingress)', security: [], responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    '/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': jsonResponse('OpenAPI 3.1 document', { type: 'object' }) } } },
  };
}

export interface OpenApiDocumentSpec {
  readonly title: string;
  readonly description: string;
  readonly version?: string;
  readonly paths: OpenApiPaths;
  readonly schemas?: Record<string, OpenApiObject>;
  /** Field-level codes beyond the catalogue (e.g. INVALID_MPAN), each answered with this status. */
  readonly extraErrorCodes?: Record<string, { status: number; description: string }>;
  /** Codes that appear only in a 2xx body (e.g. a bill run's per-account reasons), listed under x-outcome-codes. */
  readonly outcomeCodes?: Record<string, string>;
}

/** Every error code this document can name: the catalogue plus the app's field codes, sorted. */
export function errorCodesOf(spec: Pick<OpenApiDocumentSpec, 'extraErrorCodes'>): string[] {
  return [...new Set([...Object.keys(ERROR_CODES), ...Object.keys(spec.extraErrorCodes ?? {})])].sort();
}

export function buildOpenApiDocument(spec: OpenApiDocumentSpec): OpenApiObject {
  return {
    openapi: '3.1.0',
    info: { title: spec.title, version: spec.version ?? '1.0.0', description: spec.description },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths: spec.paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Customers: ES256 token naming the account, its supply points and meters' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Data collectors and staff, with scopes' },
      },
      schemas: {
        ...(spec.schemas ?? {}),
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: errorCodesOf(spec) },
                message: { type: 'string', description: 'What to do about it, for a person' },
                issues: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, field: { type: 'string' }, message: { type: 'string' } } } },
                correlationId: { type: 'string' },
              },
            },
          },
        },
      },
    },
    'x-error-codes': { ...ERROR_CODES, ...(spec.extraErrorCodes ?? {}) },
    ...(spec.outcomeCodes ? { 'x-outcome-codes': spec.outcomeCodes } : {}),
  };
}
