/**
 * Every stable error code the HTTP APIs can answer with, and its HTTP status.
 * The OpenAPI documents list them from here; a test keeps this list and the
 * codes thrown in code in step.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, description: 'The request body or parameters are invalid; see issues[] for each field.' },
  MALFORMED_JSON: { status: 400, description: 'The body is not valid JSON.' },
  UNKNOWN_FIELD: { status: 400, description: 'The body has a field the API does not know.' },
  PAYLOAD_TOO_LARGE: { status: 413, description: 'The body is larger than the API accepts.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'Send application/json (form and text bodies are refused).' },
  BAD_REQUEST: { status: 400, description: 'The request is malformed.' },
  INVALID_ID: { status: 400, description: 'An id in the path is not well formed (letters, digits, ".", "_", "~" and "-", at most 128).' },
  INVALID_QUERY: { status: 400, description: 'A query parameter is repeated or holds control characters.' },
  INVALID_CURSOR: { status: 400, description: 'The cursor is not one this API gave out; start again without it.' },
  FIELD_SET_BY_SERVER: { status: 400, description: 'The body sets a field the server decides from the caller (a customer\u2019s source and channel, a collector\u2019s channel).' },
  BATCH_TOO_LARGE: { status: 400, description: 'A batch holds more items than allowed.' },
  AUTHENTICATION_REQUIRED: { status: 401, description: 'No credentials were given.' },
  INVALID_TOKEN: { status: 401, description: 'The bearer token is invalid, expired, or for another issuer/audience.' },
  INVALID_API_KEY: { status: 401, description: 'The API key is unknown.' },
  AMBIGUOUS_CREDENTIALS: { status: 401, description: 'Both a bearer token and an API key were sent; send exactly one.' },
  TOKEN_TOO_OLD: { status: 401, description: 'The bearer token was issued too long ago, in the future, or for too long a lifetime; sign in again.' },
  INSUFFICIENT_SCOPE: { status: 403, description: 'The credentials lack the scope this route needs.' },
  NOT_FOUND: { status: 404, description: 'No such object for this caller.' },
  READING_NOT_FOUND: { status: 404, description: 'No reading with this id for this caller.' },
  ACCOUNT_NOT_FOUND: { status: 404, description: 'No account with this id for this caller.' },
  METER_NOT_ON_ACCOUNT: { status: 404, description: 'The supply point or meter is not on the caller\u2019s account.' },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, description: 'A request with this Idempotency-Key is still in flight; retry later.' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, description: 'This Idempotency-Key was used with a different body.' },
  INVALID_IDEMPOTENCY_KEY: { status: 400, description: 'The Idempotency-Key header is malformed.' },
  SURVEY_NOT_FOUND: { status: 404, description: 'No survey with this id for this caller (another account\u2019s survey looks the same).' },
  SURVEY_ALREADY_ANSWERED: { status: 409, description: 'This survey has been answered; the first answer stands.' },
  SURVEY_EXPIRED: { status: 409, description: 'This survey has expired and can no longer be answered (409, not 410: the taxonomy has no "gone" kind).' },
  RATE_LIMITED: { status: 429, description: 'Too many requests from this caller; retry after Retry-After seconds.' },
  INGEST_UNAVAILABLE: { status: 503, description: 'The reading was not confirmed durable in time. It may or may not have been stored: retry after Retry-After seconds with the same Idempotency-Key, and it is stored once.' },
  DEPENDENCY_UNAVAILABLE: { status: 503, description: 'A dependency is down; retry after Retry-After seconds.' },
  INTERNAL_ERROR: { status: 500, description: 'A fault on our side; it has been logged.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
