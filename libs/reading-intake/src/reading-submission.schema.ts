import { z } from 'zod';

/**
 * The JSON body of a reading submission. Strict: unknown fields are an error
 * (a typo such as `vaule` must not be silently dropped). Domain checks (MPAN
 * check digit, digits, dates) run after this, in libs/meter-domain.
 */
export const readingSubmissionSchema = z.strictObject({
  accountId: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only').optional(),
  supplyPointId: z.string().regex(/^\d{6,13}$/, 'an MPAN core (13 digits) or an MPRN (6 to 11 digits)'),
  meterSerial: z.string().min(1).max(10),
  registerId: z.string().min(1).max(8),
  readAt: z.string().min(10).max(40).describe("ISO 8601 with an offset, e.g. 2022-03-31T18:30:00Z, or a date alone, e.g. 2022-03-31, meaning 00:00 Europe/London that day (a reading dated D; stored as the instant, 2022-03-30T23:00:00Z here); from 2000-01-01 (READ_AT_OUT_OF_RANGE before) to now plus 5 minutes (READ_AT_IN_FUTURE after)."),
  value: z.union([z.string().max(16), z.number().finite()]).transform((v) => (typeof v === 'number' ? String(v) : v.trim())),
  unit: z.enum(['kWh', 'm3', 'ft3x100']).optional(),
  /** Data collectors only (API key); a customer's reading is always 'C' (see ReadingIntakeService). */
  source: z
    .enum(['C', 'R', 'X', 'D', 'A', 'Z', 'F', 'I'])
    .optional()
    .describe('Data collectors (X-API-Key) only, default C. A customer (bearer token) must not send it: their reading is always C, and sending it is 400 FIELD_SET_BY_SERVER.'),
  /** Never the caller's to set: the server derives it from the credentials. Parsed only to refuse it with a clear code. */
  channel: z
    .enum(['web', 'app', 'collector'])
    .optional()
    .describe('Set by the server, never by the caller: a customer\'s from their sign-in (web, or app when their token says so), collector for an API key. Sending it is 400 FIELD_SET_BY_SERVER.'),
  digits: z.number().int().min(4).max(10).default(5),
});

export type ReadingSubmission = z.infer<typeof readingSubmissionSchema>;

export const MAX_BATCH_ITEMS = 1000;

/**
 * What a submission costs against the caller's reading budget (RateLimitGuard): one per reading, whichever
 * route. A batch over MAX_BATCH_ITEMS costs nothing because it is refused whole (400 BATCH_TOO_LARGE).
 */
export function readingsIn(body: unknown): number {
  const readings = (body as { readings?: unknown } | null | undefined)?.readings;
  if (!Array.isArray(readings)) return 1;
  return readings.length > MAX_BATCH_ITEMS ? 0 : Math.max(1, readings.length);
}
