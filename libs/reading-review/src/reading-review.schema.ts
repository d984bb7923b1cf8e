import { z } from 'zod';

/** A staff decision on a held reading (POST /v1/held-readings/{readingId}/decision). Unknown fields are refused. */
export const reviewDecisionSchema = z
  .object({
    decision: z.enum(['accept', 'reject']).describe('accept: the reading counts (billing uses it); reject: it never counts.'),
    note: z.string().trim().min(1).max(2000).describe('Why, in the reviewer\u2019s words: kept in the audit trail, never overwritten (1 to 2,000 characters).'),
  })
  .strict();

export type ReviewDecisionRequest = z.infer<typeof reviewDecisionSchema>;

/** The review queue's filters (GET /v1/held-readings), all optional. */
export const heldQuerySchema = z
  .object({
    reason: z.string().regex(/^[A-Z0-9_]{2,64}$/).optional().describe('Only readings held for this reason code, e.g. HIGH_ADVANCE.'),
    category: z.enum(['A', 'B', 'C', 'D']).optional().describe('Only accounts of this category (as the registry said when the reading was held).'),
    minAgeHours: z.coerce.number().min(0).max(24 * 3650).optional().describe('Held at least this many hours ago.'),
    maxAgeHours: z.coerce.number().min(0).max(24 * 3650).optional().describe('Held at most this many hours ago.'),
    limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size, 1 to 500 (50).'),
    cursor: z.string().max(200).optional().describe('nextCursor from the previous page, passed back exactly.'),
  })
  .strict();

export type HeldQuery = z.infer<typeof heldQuerySchema>;
