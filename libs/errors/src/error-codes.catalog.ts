/**
 * The error catalogue: the one place that decides what a refusal looks like over HTTP. Every error kind's
 * status, every stable code's status and, for the retriable ones, how long a caller should wait
 * (Retry-After). The filter, the HTTP edge, load shedding and every `unavailable(...)` read it from here
 * instead of deciding themselves.
 */

/** The kinds of error (libs/errors/src/app.error.ts) and their HTTP status. */
export type ErrorKind =
  | 'validation' // the input is wrong: 400/422, never retried
  | 'unauthenticated' // 401
  | 'forbidden' // 403 (scope missing); object-level denials use not_found
  | 'not_found' // 404, also for another account's objects so nothing leaks
  | 'conflict' // 409
  | 'payload_too_large' // 413
  | 'unsupported_media_type' // 415: only JSON (and a route's own file type) is parsed
  | 'unprocessable' // 422
  | 'rate_limited' // 429 + Retry-After
  | 'unavailable' // a dependency is down or too slow: 503 + Retry-After, retriable
  | 'internal'; // a bug: 500

const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export const httpStatusOf = (kind: ErrorKind): number => STATUS_OF_KIND[kind];

/**
 * How long a refused caller should wait before retrying (Retry-After, seconds), by why it was refused.
 * A rate limit's wait is not here: it is the end of the caller's own window, computed per request.
 */
export const RETRY_AFTER_SECONDS = {
  /** A store or the broker down, or a write not confirmed in time: long enough for a restart or failover to show. */
  dependencyDown: 5,
  /** Our own bounded buffer full: it drains within a second or two. */
  overloaded: 2,
  /** Shed at the front door, or this instance shutting down: the next moment, or another instance, serves. */
  busy: 1,
} as const;

/**
 * Every stable error code the HTTP APIs can answer with, its HTTP status and, where retrying helps, its
 * default Retry-After. The OpenAPI documents list them from here; a test keeps this list and the codes
 * thrown in code in step.
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
  READING_NOT_HELD: { status: 409, description: 'The reading was not held for review (it was accepted or rejected by the checks): there is nothing to decide.' },
  REVIEW_ALREADY_DECIDED: { status: 409, description: 'A review has already decided this held reading; the first decision stands (see its reviews).' },
  ACCOUNT_NOT_FOUND: { status: 404, description: 'No account with this id for this caller.' },
  METER_NOT_ON_ACCOUNT: { status: 404, description: 'The supply point or meter is not on the caller\u2019s account.' },
  EFFECTIVE_DATE_IN_FUTURE: { status: 400, description: 'A change may be dated today or earlier; future-dated changes are not taken yet.' },
  TARIFF_NOT_FOUND: { status: 404, description: 'No tariff with this id.' },
  REGISTER_NOT_FOUND: { status: 404, description: 'No such register on this account.' },
  UNKNOWN_TARIFF: { status: 422, description: 'The agreement names a tariff that does not exist; create the tariff first.' },
  TARIFF_FUEL_MISMATCH: { status: 422, description: 'The tariff is for another fuel than the supply point.' },
  ACCOUNT_ALREADY_EXISTS: { status: 409, description: 'An account with this id exists; change it through its change routes.' },
  SUPPLY_POINT_ALREADY_REGISTERED: { status: 409, description: 'A supply point in the body is already registered (on this or another account).' },
  TARIFF_ALREADY_EXISTS: { status: 409, description: 'A tariff with this id exists; tariffs are never overwritten.' },
  AGREEMENT_OVERLAP: { status: 409, description: 'The supply point already has an agreement on some of these days.' },
  VERSION_OUT_OF_ORDER: { status: 409, description: 'The change is dated before the latest one already recorded; history is kept in date order.' },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, description: 'A request with this Idempotency-Key is still in flight; retry later.' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, description: 'This Idempotency-Key was used with a different body.' },
  INVALID_IDEMPOTENCY_KEY: { status: 400, description: 'The Idempotency-Key header is malformed.' },
  SURVEY_NOT_FOUND: { status: 404, description: 'No survey with this id for this caller (another account\u2019s survey looks the same).' },
  SURVEY_ALREADY_ANSWERED: { status: 409, description: 'This survey has been answered; the first answer stands.' },
  SURVEY_EXPIRED: { status: 409, description: 'This survey has expired and can no longer be answered (409, not 410: the taxonomy has no "gone" kind).' },
  FLOW_REFUSED: { status: 400, description: 'The industry flow file is refused whole (not a D0010, truncated, no trailer, counts disagree...): issues[0] names the line and the reason code; nothing of it was taken.' },
  FLOW_TOO_LARGE: { status: 413, description: 'The industry flow file is larger than the intake takes; split it into several files.' },
  FLOW_ID_REUSED: { status: 409, description: 'A different file with this sender and file id was already received; a file id names one file.' },
  FLOW_NOT_FOUND: { status: 404, description: 'No industry flow with this id for this caller (another collector\u2019s flow looks the same).' },
  FLOW_INTAKE_BUSY: { status: 503, retryAfterSeconds: RETRY_AFTER_SECONDS.dependencyDown, description: 'As many industry flow files are being received as the intake takes at once; nothing was taken: send the file again after Retry-After seconds.' },
  DEVICE_NOT_FOUND: { status: 404, description: 'No enrolled device with this id on this account.' },
  DEVICE_ALREADY_ENROLLED: { status: 409, description: 'This device id is already enrolled (on this or another account); set its preferences instead.' },
  PROGRAMME_NOT_FOUND: { status: 404, description: 'No flexibility programme with this id.' },
  PROGRAMME_ALREADY_EXISTS: { status: 409, description: 'A programme with this id exists.' },
  FLEX_EVENT_NOT_FOUND: { status: 404, description: 'No flexibility event with this id for this caller.' },
  FLEX_EVENT_ALREADY_EXISTS: { status: 409, description: 'An event with this id exists; events are not overwritten.' },
  FLEX_EVENT_NOT_DISPATCHED: { status: 409, description: 'The event has not been dispatched yet; dispatch it first.' },
  FLEX_EVENT_NOT_ENDED: { status: 409, description: 'The event window has not ended yet; settle it after its end.' },
  REPORT_OUTSIDE_WINDOW: { status: 400, description: 'A report interval lies outside what the event takes: its window, and the 42 days before it (usage history for the baseline).' },
  REPORT_INTERVAL_NOT_HALF_HOUR: { status: 400, description: 'A report interval is not a half-hour starting on the hour or half past (usage is settled per half-hour).' },
  USAGE_ALREADY_REPORTED: { status: 409, description: 'A half-hour in this report was already reported with another value; reported usage is not rewritten. Nothing of the report was stored.' },
  REPORT_ALREADY_RECEIVED: { status: 409, description: 'A report with this id was received with different content.' },
  RATE_LIMITED: { status: 429, description: 'Too many requests from this caller; retry after Retry-After seconds.' },
  INGEST_UNAVAILABLE: { status: 503, retryAfterSeconds: RETRY_AFTER_SECONDS.dependencyDown, description: 'The reading was not confirmed durable in time. It may or may not have been stored: retry after Retry-After seconds with the same Idempotency-Key, and it is stored once.' },
  DEPENDENCY_UNAVAILABLE: { status: 503, retryAfterSeconds: RETRY_AFTER_SECONDS.dependencyDown, description: 'A dependency is down; retry after Retry-After seconds.' },
  INTERNAL_ERROR: { status: 500, description: 'A fault on our side; it has been logged.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The catalogue's default Retry-After for a code; a code without one waits as for a dependency down. */
export function retryAfterOf(code: string): number {
  const entry = (ERROR_CODES as Readonly<Record<string, { retryAfterSeconds?: number }>>)[code];
  return entry?.retryAfterSeconds ?? RETRY_AFTER_SECONDS.dependencyDown;
}
