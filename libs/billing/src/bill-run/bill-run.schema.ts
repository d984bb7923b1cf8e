import { z } from 'zod';
import { isIsoDate } from '@surge/billing-domain/calendar.model';

/** The longest bill period a run accepts (days). */
export const MAX_PERIOD_DAYS = 400;
/** The most accounts a run can name explicitly (larger runs select every account). */
export const MAX_SELECTED_ACCOUNTS = 100_000;

export const billingDay = z.string().refine(isIsoDate, { message: "must be a real date 'YYYY-MM-DD'" });
export const accountId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores');

const dayNumber = (d: string): number => Date.parse(`${d}T00:00:00Z`) / 86_400_000;

/** POST /v1/bill-runs. A period is half-open: periodEnd is the first day NOT billed. */
export const startBillRunSchema = z
  .object({
    periodStart: billingDay.describe('First day billed, YYYY-MM-DD (a UK billing day, Europe/London).'),
    periodEnd: billingDay.describe(`The first day NOT billed, YYYY-MM-DD (the period is half-open; at most ${MAX_PERIOD_DAYS} days after periodStart).`),
    kind: z
      .enum(['bill', 'correction'])
      .default('bill')
      .describe(
        "bill: issue each account's bill for exactly this period (an account already billed for it is counted as alreadyBilled, not billed again; one with a bill overlapping it fails PERIOD_ALREADY_BILLED). correction: recompute the period's issued bill with the readings known now and issue a correction bill for the difference (unchanged accounts are counted as unchanged).",
      ),
    accountIds: z
      .array(accountId)
      .min(1)
      .max(MAX_SELECTED_ACCOUNTS)
      .optional()
      .describe(`Bill only these accounts (1 to ${MAX_SELECTED_ACCOUNTS}); omitted: every account with a supply agreement in the period.`),
  })
  .strict()
  .refine((b) => !isIsoDate(b.periodStart) || !isIsoDate(b.periodEnd) || dayNumber(b.periodEnd) > dayNumber(b.periodStart), {
    message: 'periodEnd must be after periodStart (it is the first day not billed)',
    path: ['periodEnd'],
  })
  .refine((b) => !isIsoDate(b.periodStart) || !isIsoDate(b.periodEnd) || dayNumber(b.periodEnd) - dayNumber(b.periodStart) <= MAX_PERIOD_DAYS, {
    message: `a bill period is at most ${MAX_PERIOD_DAYS} days`,
    path: ['periodEnd'],
  });

export type StartBillRunRequest = z.infer<typeof startBillRunSchema>;

/** POST /v1/bill-runs/:runId/resume. */
export const resumeBillRunSchema = z
  .object({ retryFailed: z.boolean().default(false).describe('Also return failed accounts to pending and try them again (default: only unfinished chunks are re-queued).') })
  .strict();
export type ResumeBillRunRequest = z.infer<typeof resumeBillRunSchema>;

/** GET /v1/settlement. */
export const settlementQuerySchema = z
  .object({
    from: billingDay.describe('First day, YYYY-MM-DD: bills whose period lies within [from, to) are settled.'),
    to: billingDay.describe('The first day after the window, YYYY-MM-DD.'),
    format: z.enum(['json', 'csv']).default('json').describe('json (default) or csv (text/csv attachment).'),
  })
  .strict()
  .refine((q) => !isIsoDate(q.from) || !isIsoDate(q.to) || dayNumber(q.to) > dayNumber(q.from), { message: 'to must be after from', path: ['to'] });
export type SettlementQuery = z.infer<typeof settlementQuerySchema>;
