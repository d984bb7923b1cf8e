import { buildOpenApiDocument, errorCodesOf, errorResponse, operationalPaths, RETRY_AFTER_HEADER, schemaOf } from '@surge/http/openapi.builder';
import { MAX_BATCH_ITEMS, readingSubmissionSchema } from '@surge/reading-intake/reading-submission.schema';
import { READING_FIELD_CODES } from '@surge/meter-domain/reading-submission.validator';
import { PLAUSIBILITY_REASON_CODES } from '@surge/meter-domain/reading-plausibility.checker';
import { REVIEW_REASON_CODES } from '@surge/reading-contracts/reading-review.event';
import { heldQuerySchema, reviewDecisionSchema } from '@surge/reading-review/reading-review.schema';

const FIELD_CODES = Object.fromEntries(Object.values(READING_FIELD_CODES).map((c) => [c, { status: 400, description: 'Field check failed; see the message' }]));

/**
 * The read API's OpenAPI 3.1 document, built with the shared builder
 * (libs/http/src/openapi.builder.ts) from the same zod schema the API
 * validates with and from the error-code catalogue, so it cannot drift from
 * the code. Served at GET /openapi.json; a test checks that every route of
 * the app's controllers and every error code is in it.
 */
export function buildReadApiOpenApi(): Record<string, unknown> {
  const error = errorResponse;
  const retryAfter = RETRY_AFTER_HEADER;
  const common = {
    '400': error(
      'Invalid input (VALIDATION_FAILED, UNKNOWN_FIELD, MALFORMED_JSON, a field code such as INVALID_MPAN or READ_AT_OUT_OF_RANGE, INVALID_ID for a malformed id in the path, INVALID_QUERY for a repeated query parameter or control characters, INVALID_CURSOR, FIELD_SET_BY_SERVER)',
    ),
    '401': error(
      'AUTHENTICATION_REQUIRED, INVALID_TOKEN, INVALID_API_KEY, AMBIGUOUS_CREDENTIALS (a bearer token and an X-API-Key together: send exactly one), TOKEN_TOO_OLD (issued more than 12 h ago, in the future, or with a lifetime over 12 h). Checked before the body is read.',
    ),
    '403': error('INSUFFICIENT_SCOPE'),
    '404': error('Not yours or not found (404 either way, so nothing leaks)'),
    '429': { ...error('RATE_LIMITED'), headers: retryAfter },
  };
  const body = {
    '413': error('PAYLOAD_TOO_LARGE: 16 KiB for one reading, 1 MiB for a batch'),
    '415': error('UNSUPPORTED_MEDIA_TYPE: only application/json is taken (form and text bodies are refused, never parsed)'),
  };
  const budget = {
    '429': {
      ...error(
        'RATE_LIMITED: the budget counts readings, not requests, over the single and batch routes together (a batch of N costs N; customers 120 a minute by default). A batch that does not fit in what is left is refused whole and takes nothing.',
      ),
      headers: retryAfter,
    },
  };
  const idempotencyKey = {
    name: 'Idempotency-Key', in: 'header', required: false,
    description: 'Scoped to the caller and route, kept 24 h. Same key and body replays the first response; another body is 422 IDEMPOTENCY_KEY_REUSED; a retry while the first is in flight is 409 IDEMPOTENCY_KEY_IN_USE. The reading id is derived from it, so retries never double count.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{8,128}$' },
  };
  const durable = {
    '409': error('IDEMPOTENCY_KEY_IN_USE'),
    '422': error('IDEMPOTENCY_KEY_REUSED'),
    '503': {
      ...error(
        'INGEST_UNAVAILABLE: not confirmed durable in time. The reading may or may not have been stored: retry after Retry-After seconds with the same Idempotency-Key and it is stored once.',
      ),
      headers: retryAfter,
    },
  };
  return buildOpenApiDocument({
    title: 'Surge read API',
    description: 'Submit meter readings and see what became of them. A 202 means the reading is durable in Kafka (acknowledged by all in-sync replicas).',
    extraErrorCodes: FIELD_CODES,
    paths: {
      ...operationalPaths('Kafka (required to accept readings); ClickHouse and Redis are reported but fail open'),
      '/v1/meter-readings': {
        post: {
          summary: 'Submit one reading',
          parameters: [idempotencyKey],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ReadingSubmission' } } } },
          responses: { '202': { description: 'Durable in Kafka; decided shortly', content: { 'application/json': { schema: { $ref: '#/components/schemas/Receipt' } } } }, ...common, ...body, ...budget, ...durable },
        },
      },
      '/v1/meter-readings/batch': {
        post: {
          summary: `Submit up to ${MAX_BATCH_ITEMS} readings (data collectors), answered per item`,
          parameters: [idempotencyKey],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object', additionalProperties: false, required: ['readings'], properties: { readings: { type: 'array', minItems: 1, maxItems: MAX_BATCH_ITEMS, items: { $ref: '#/components/schemas/ReadingSubmission' } } } } } },
          },
          responses: { '207': { description: 'Per-item results; valid items are durable, invalid ones changed nothing' }, ...common, ...body, ...budget, ...durable },
        },
      },
      '/v1/meter-readings/{id}': {
        get: {
          summary: 'What became of a reading: received, accepted, rejected (with reason), held, billed (with the bills that used it)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }, { name: 'accountId', in: 'query', required: false, description: 'Staff API keys (readings:read) only, optional: names the account (the cheap lookup); without it the reading is found by id alone. A customer always sees only their own account (another account\u2019s reading is 404).', schema: { type: 'string' } }],
          responses: { '200': { description: 'The reading and its outcome', content: { 'application/json': { schema: { $ref: '#/components/schemas/Reading' } } } }, ...common },
        },
      },
      '/v1/held-readings': {
        get: {
          summary: 'The review queue (staff, readings:review): readings held for review, oldest held first, paged',
          parameters: Object.entries((schemaOf(heldQuerySchema) as { properties: Record<string, { description?: string }> }).properties).map(([name, schema]) => ({
            name, in: 'query', required: false, description: schema.description, schema,
          })),
          responses: {
            '200': {
              description: '{ items, nextCursor }',
              content: { 'application/json': { schema: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/HeldReading' } }, nextCursor: { type: ['string', 'null'] } } } } },
            },
            ...common,
    '403': error('INSUFFICIENT_SCOPE: needs an API key with readings:review (customers and other keys are refused)'),
          },
        },
      },
      '/v1/held-readings/{id}/decision': {
        post: {
          summary: 'Accept or reject a held reading with a note (staff, readings:review). Published (acks=all) for read-sink, which applies it in order: GET /v1/meter-readings/{id} shows the decision within seconds, and billing uses an accepted one.',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }, idempotencyKey],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ReviewDecision' } } } },
          responses: {
            '202': {
              description: 'Durable; applied by read-sink shortly. A second decision racing this one is recorded in the audit trail but not applied.',
              content: { 'application/json': { schema: { type: 'object', required: ['reviewId', 'readingId', 'decision', 'state'], properties: { reviewId: { type: 'string', format: 'uuid' }, readingId: { type: 'string', format: 'uuid' }, decision: { enum: ['accept', 'reject'] }, state: { const: 'queued' } } } } },
            },
            ...common,
    '403': error('INSUFFICIENT_SCOPE: needs an API key with readings:review (customers and other keys are refused)'),
            ...body,
            '409': error('READING_NOT_HELD (the checks accepted or rejected it: nothing to decide), REVIEW_ALREADY_DECIDED (a review decided it; the first decision stands), IDEMPOTENCY_KEY_IN_USE'),
            '422': error('IDEMPOTENCY_KEY_REUSED'),
            '503': { ...error('INGEST_UNAVAILABLE (Kafka did not confirm the decision: retry with the same Idempotency-Key) or DEPENDENCY_UNAVAILABLE (ClickHouse)'), headers: retryAfter },
          },
        },
      },
      '/v1/meter-readings/{id}/reviews': {
        get: {
          summary: 'The audit trail of a reading\u2019s review (staff, readings:review): every decision sent, who, when, the note, and whether it was applied; never overwritten',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: {
            '200': {
              description: '{ readingId, accountId, status, reviews[] }',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['readingId', 'accountId', 'status', 'reviews'],
                    properties: {
                      readingId: { type: 'string' }, accountId: { type: 'string' }, status: { enum: ['accepted', 'rejected', 'held'] },
                      reviews: { type: 'array', items: { type: 'object', required: ['reviewId', 'decision', 'note', 'reviewedBy', 'requestedAt', 'applied', 'result', 'heldReasonCode'], properties: {
                        reviewId: { type: 'string' }, decision: { enum: ['accept', 'reject'] }, note: { type: 'string' }, reviewedBy: { type: 'string' }, requestedAt: { type: 'string', format: 'date-time' },
                        applied: { type: 'boolean' }, result: { type: 'string' }, heldReasonCode: { type: ['string', 'null'] },
                      } } },
                    },
                  },
                },
              },
            },
            ...common,
    '403': error('INSUFFICIENT_SCOPE: needs an API key with readings:review (customers and other keys are refused)'),
          },
        },
      },
      '/v1/accounts/{accountId}/meter-readings': {
        get: {
          summary: "An account's readings, newest first, paged",
          parameters: [
            { name: 'accountId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: '{ items, nextCursor }',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['items', 'nextCursor'],
                    properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Reading' } }, nextCursor: { type: ['string', 'null'] } },
                  },
                },
              },
            },
            ...common,
          },
        },
      },
    },
    schemas: {
        ReadingSubmission: schemaOf(readingSubmissionSchema),
        Receipt: { type: 'object', properties: { readingId: { type: 'string', format: 'uuid' }, status: { const: 'received' }, submittedAt: { type: 'string', format: 'date-time' } } },
        Reading: {
          type: 'object',
          description: 'A reading and what became of it (libs/ingest/src/reading-query.service.ts ReadingView).',
          required: ['readingId', 'accountId', 'supplyPointId', 'meterSerial', 'registerId', 'readAt', 'value', 'unit', 'source', 'channel', 'status', 'reason', 'duplicateOf', 'backdated', 'flags', 'submittedAt', 'decidedAt', 'bills'],
          properties: {
            readingId: { type: 'string', format: 'uuid' },
            accountId: { type: 'string' },
            supplyPointId: { type: 'string' },
            meterSerial: { type: 'string' },
            registerId: { type: 'string' },
            readAt: { type: 'string', description: 'UTC instant, second precision (empty while received)' },
            value: { type: 'string', description: 'The exact decimal submitted, in canonical form: "10600" stays "10600", "10600.5" stays "10600.5"; leading zeros and a zero tenth are dropped ("01234" and "1234.0" are 1234). Never a binary float.' },
            unit: { type: 'string' },
            source: { type: 'string' },
            channel: { type: 'string' },
            status: {
              type: 'string',
              enum: ['received', 'accepted', 'rejected', 'held', 'billed'],
              description: 'received: durable, not decided yet; billed: accepted and used by at least one bill (see bills)',
            },
            reason: {
              type: ['object', 'null'],
              properties: { code: { $ref: '#/components/schemas/ReadingOutcomeReason' }, industryCode: { type: ['string', 'null'] }, message: { type: 'string' } },
            },
            duplicateOf: { type: ['string', 'null'], description: 'The accepted reading this one repeats (kept, counted once)' },
            backdated: { type: 'boolean' },
            flags: { type: 'array', items: { type: 'string' } },
            submittedAt: { type: 'string', format: 'date-time' },
            decidedAt: { type: ['string', 'null'], format: 'date-time' },
            bills: {
              type: 'array',
              description: 'Bills (originals and corrections) that used this reading, oldest period first; empty until billing has reported them, usually seconds after the bill is issued',
              items: {
                type: 'object',
                required: ['billId', 'periodStart', 'periodEnd'],
                properties: { billId: { type: 'string', format: 'uuid' }, periodStart: { type: 'string', format: 'date' }, periodEnd: { type: 'string', format: 'date', description: 'Exclusive' } },
              },
            },
          },
        },
        ReadingOutcomeReason: {
          type: 'string',
          enum: [...Object.values(PLAUSIBILITY_REASON_CODES), ...Object.values(REVIEW_REASON_CODES)],
          description: 'Why a reading was rejected or held; ACCEPTED_ON_REVIEW / REJECTED_ON_REVIEW once staff decided a held one',
        },
        ReviewDecision: schemaOf(reviewDecisionSchema),
        HeldReading: {
          allOf: [{ $ref: '#/components/schemas/Reading' }, { type: 'object', required: ['category'], properties: { category: { type: ['string', 'null'], enum: ['A', 'B', 'C', 'D', null], description: 'The account\u2019s category as the registry said when the reading was held (null: the register was not in the registry)' } } }],
        },
    },
  });
}

export function allErrorCodes(): string[] {
  return errorCodesOf({ extraErrorCodes: FIELD_CODES });
}
