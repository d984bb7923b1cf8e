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
  readAt: z.string().min(10).max(40),
  value: z.union([z.string().max(16), z.number().finite()]).transform((v) => (typeof v === 'number' ? String(v) : v.trim())),
  unit: z.enum(['kWh', 'm3', 'ft3x100']).optional(),
  source: z.enum(['C', 'R', 'X', 'D', 'A', 'Z', 'F', 'I']).default('C'),
  channel: z.enum(['web', 'app', 'collector']).optional(),
  digits: z.number().int().min(4).max(10).default(5),
});

export type ReadingSubmission = z.infer<typeof readingSubmissionSchema>;

export const MAX_BATCH_ITEMS = 1000;
