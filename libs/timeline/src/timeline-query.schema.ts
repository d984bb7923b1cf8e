import { z } from 'zod';
import { TIMELINE_FAMILIES } from './timeline-entry.model';

export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

const instant = z
  .string()
  .max(40)
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(s) && !Number.isNaN(Date.parse(s)), 'an ISO 8601 date or instant with a zone, e.g. 2026-03-31 or 2026-03-31T08:00:00Z');

/** GET /v1/accounts/{id}/timeline query: the one schema that validates requests and documents them (OpenAPI). */
export const timelineQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE).describe(`Entries per page, 1 to ${MAX_PAGE}`),
    // A cursor is base64url of "<ms>|<entry id>"; a flow or flexibility entry's id holds a 36-character id and an
    // account id of up to 128: up to ~250 characters encoded.
    cursor: z.string().max(400).optional().describe('nextCursor of the previous page, exactly as received'),
    kind: z
      .string()
      .max(100)
      .refine((s) => s.split(',').every((k) => (TIMELINE_FAMILIES as readonly string[]).includes(k)), `a comma-separated list of ${TIMELINE_FAMILIES.join(', ')}`)
      .optional()
      .describe(`Only these kinds of entry, comma-separated: ${TIMELINE_FAMILIES.join(', ')}`),
    from: instant.optional().describe('Entries at or after this instant (ISO 8601; a date means 00:00 UTC)'),
    to: instant.optional().describe('Entries before this instant (exclusive)'),
  })
  .strict();

export const lookupQuerySchema = z
  .object({
    q: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._~-]+$/, 'an account id, an MPAN (13 digits) or a meter serial').describe('An account id, an MPAN / MPRN or a meter serial, exactly'),
  })
  .strict();

const linkSchema = z.object({ type: z.enum(['reading', 'bill', 'survey', 'account', 'flex-event', 'industry-flow']), id: z.string(), href: z.string() });

export const timelineEntrySchema = z.object({
  id: z.string().describe('Stable: derived from the source event, the same after a rebuild'),
  kind: z.enum([
    'reading.accepted',
    'reading.rejected',
    'reading.held',
    'bill.issued',
    'bill.corrected',
    'survey.invited',
    'survey.answered',
    'registry.changed',
    'flexibility.enrolled',
    'flexibility.dispatched',
    'flexibility.notified',
    'flexibility.earned',
    'flow.ingested',
  ]),
  occurredAt: z.string().describe('When it happened in the owning service (ISO 8601 UTC)'),
  source: z.enum(['read-sink', 'billing', 'csat', 'registry', 'flexibility', 'flow-intake']),
  summary: z.string(),
  link: linkSchema,
  details: z
    .record(z.string(), z.unknown())
    .describe('reading: outcome, reason, value, channel (and flowId when it came in an industry flow); bill: totals and lines (pence); survey: score, comment; flow: file id, sender, readings and outcomes (accepted, held, rejected, undecided)'),
  staffNote: z.string().nullable().optional().describe('Staff only: absent for a customer token'),
});

export const timelinePageSchema = z.object({
  accountId: z.string(),
  items: z.array(timelineEntrySchema),
  nextCursor: z.string().nullable(),
});

export const lookupResultSchema = z.object({
  query: z.string(),
  matches: z.array(z.object({ accountId: z.string(), matchedOn: z.enum(['account_id', 'mpan', 'meter_serial']), timeline: z.string() })),
});

export type TimelineQuery = z.infer<typeof timelineQuerySchema>;
export type TimelinePage = z.infer<typeof timelinePageSchema>;
