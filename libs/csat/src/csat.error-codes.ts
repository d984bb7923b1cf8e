/**
 * The error codes the CSAT API adds to the shared list in
 * libs/errors/src/error-codes.ts (which CSAT does not own; they are to be
 * merged there). It also answers with VALIDATION_FAILED, MALFORMED_JSON,
 * AUTHENTICATION_REQUIRED, INVALID_TOKEN, INVALID_API_KEY,
 * INSUFFICIENT_SCOPE, ACCOUNT_NOT_FOUND and INTERNAL_ERROR from that list.
 *
 * An expired survey is a 409 rather than a 410: the platform's error
 * taxonomy has no "gone" kind, and the stable code is what clients act on.
 */
export const CSAT_ERROR_CODES = {
  SURVEY_NOT_FOUND: { status: 404, description: 'No survey with this id for this caller (another account\u2019s survey looks the same).' },
  SURVEY_ALREADY_ANSWERED: { status: 409, description: 'This survey has been answered; the first answer stands.' },
  SURVEY_EXPIRED: { status: 409, description: 'This survey has expired and can no longer be answered.' },
} as const;

export type CsatErrorCode = keyof typeof CSAT_ERROR_CODES;
