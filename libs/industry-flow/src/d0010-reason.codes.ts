import type { IndustryValidationCode } from '@surge/meter-domain/reading-plausibility.checker';

/**
 * Why a D0010 file is refused whole (pass 1: structure). Nothing from a
 * refused file is ingested; the refusal names the line and the reason.
 */
export const D0010_FILE_REFUSAL_CODES = {
  EMPTY_FILE: 'The file holds no records.',
  MISSING_HEADER: 'The first record is not a ZHV header.',
  NOT_D0010: 'The header names another flow than D0010.',
  UNSUPPORTED_FLOW_VERSION: 'The header names a D0010 version other than D0010002.',
  MALFORMED_HEADER: 'The ZHV header lacks a field or holds one that is not well formed.',
  MALFORMED_RECORD: 'A record does not end with "|" (or has no record type).',
  TRUNCATED: 'The last record is cut short: the file was truncated.',
  UNKNOWN_RECORD: 'A record type the D0010 grammar does not have.',
  RECORD_OUT_OF_PLACE: 'A record where the grammar does not allow it (e.g. a 030 before any 028, a second header).',
  MISSING_TRAILER: 'The file ends without its ZPT trailer.',
  MALFORMED_TRAILER: 'The ZPT trailer lacks a field or its counts are not whole numbers.',
  FILE_ID_MISMATCH: 'The trailer names another file id than the header.',
  RECORD_COUNT_MISMATCH: 'The trailer\u2019s record count differs from the records between header and trailer.',
  FLOW_COUNT_MISMATCH: 'The trailer\u2019s flow count differs from the number of 026 groups.',
  DATA_AFTER_TRAILER: 'A record follows the ZPT trailer.',
} as const;
export type D0010FileRefusalCode = keyof typeof D0010_FILE_REFUSAL_CODES;

/**
 * Why one 026 group (one supply point) is rejected (pass 2: content). The
 * rest of the file is processed; none of the group's readings is ingested.
 */
export const D0010_GROUP_REJECTION_CODES = {
  MALFORMED_RECORD: 'A record of the group has fewer fields than the grammar requires.',
  INVALID_MPAN_CORE: 'The 026 MPAN core is not 13 digits, has an unknown distributor id or fails its check digit.',
  INVALID_BSC_VALIDATION_STATUS: 'The 026 BSC validation status is not V, U or F.',
  NO_METER: 'The group has no 028 meter.',
  INVALID_METER_ID: 'The 028 meter id is empty, longer than 10 characters or holds characters other than letters, digits and spaces.',
  INVALID_READING_TYPE: 'The 028 reading type is not one of the J0171 codes.',
  NO_REGISTER_READINGS: 'A 028 meter has no 030 register reading.',
  MISSING_REGISTER_ID: 'A 030 register reading has no register id.',
  INVALID_REGISTER_ID: 'A 030 register id is longer than 2 characters or holds characters other than letters and digits.',
  INVALID_READ_AT: 'A 030 reading date-time is not a CCYYMMDDHHMMSS UK time the platform can store.',
  INVALID_VALUE: 'A 030 register reading is empty, negative or not a number.',
  VALUE_BEYOND_FORMAT: 'A 030 register reading does not fit NUM(9,1): more than 8 digits before the point or more than 1 after.',
  INVALID_MD_RESET: 'A 030 maximum demand reset date-time or count is not well formed.',
  INVALID_READING_FLAG: 'A 030 meter reading flag is not T (valid) or F (suspect).',
  INVALID_READING_METHOD: 'A 030 reading method is not N or P.',
  INVALID_VALIDATION_RESULT: 'A 032 validation result has a reason code that is not two digits or a status other than V, U or F.',
  INVALID_SITE_VISIT: 'A 027, 029 or 033 site visit record has no check code.',
  GROUP_TOO_LARGE: 'The group holds more records than one supply point plausibly has.',
} as const;
export type D0010GroupRejectionCode = keyof typeof D0010_GROUP_REJECTION_CODES;

/**
 * Why a parsed reading is held for review instead of taken as it stands. A
 * held reading is still a reading of the file (published, then stored as held
 * by the sink), never counted as an accepted actual.
 */
export const D0010_REVIEW_CODES = {
  SUSPECT_READING: 'The sender flagged the reading suspect (030 meter reading flag F).',
  SUPPLY_POINT_VALIDATION_FAILED: 'The sender\u2019s BSC validation of the supply point failed (026 status F).',
  READING_WITHDRAWN: 'The reading type is W (withdrawn): the sender withdraws a reading, which needs a person to match it.',
  // 032 failed, by industry validation reason code; names shared with libs/meter-domain's plausibility checks.
  NEGATIVE_ADVANCE: 'The sender\u2019s validation failed: negative consumption (industry 03).',
  ADVANCE_EXCEEDS_TWICE_EXPECTED: 'The sender\u2019s validation failed: consumption exceeds twice the expected advance (industry 05).',
  VALUE_EXCEEDS_REGISTER_DIGITS: 'The sender\u2019s validation failed: register digits incorrect (industry 11).',
  METER_EXCHANGE: 'The sender\u2019s validation failed: meter change (industry 20).',
  ZERO_ADVANCE: 'The sender\u2019s validation failed: zero consumption (industry 27).',
  SENDER_VALIDATION_FAILED: 'The sender\u2019s validation failed with a reason code the platform does not mirror (kept in industryCode).',
} as const;
export type D0010ReviewCode = keyof typeof D0010_REVIEW_CODES;

/** The industry validation reason codes the platform mirrors, and the review code each becomes. */
export const MIRRORED_INDUSTRY_CODES: Readonly<Record<IndustryValidationCode, D0010ReviewCode>> = {
  '03': 'NEGATIVE_ADVANCE',
  '05': 'ADVANCE_EXCEEDS_TWICE_EXPECTED',
  '11': 'VALUE_EXCEEDS_REGISTER_DIGITS',
  '20': 'METER_EXCHANGE',
  '27': 'ZERO_ADVANCE',
};

export function isMirroredIndustryCode(code: string): code is IndustryValidationCode {
  return Object.prototype.hasOwnProperty.call(MIRRORED_INDUSTRY_CODES, code);
}
