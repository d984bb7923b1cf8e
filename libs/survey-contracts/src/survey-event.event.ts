/**
 * `csat.surveys.v1`: what became of a satisfaction survey, for customer service (the account timeline).
 *
 * Two events: `survey.invited.v1` when CSAT invites a customer after a reading outcome, and
 * `survey.answered.v1` when they answer (score 1..5, optional comment, already sanitised by CSAT).
 * Key: account id (per-account order). Delivery: at least once, from CSAT's PostgreSQL outbox
 * (`csat.event_outbox`, written in the same transaction as the invitation or the answer). Consumers
 * deduplicate on (`invitationId`, `schema`): one invitation per reading, one answer per invitation.
 * Versioned by `schema`; additive changes only.
 */
export const SURVEY_INVITED_SCHEMA = 'survey.invited.v1';
export const SURVEY_ANSWERED_SCHEMA = 'survey.answered.v1';

export interface SurveyInvitedV1 {
  readonly schema: typeof SURVEY_INVITED_SCHEMA;
  readonly invitationId: string;
  readonly accountId: string;
  readonly readingId: string;
  readonly channel: string;
  readonly invitedAt: string;
  readonly expiresAt: string;
}

export interface SurveyAnsweredV1 {
  readonly schema: typeof SURVEY_ANSWERED_SCHEMA;
  readonly invitationId: string;
  readonly accountId: string;
  readonly readingId: string;
  readonly score: number;
  readonly comment: string | null;
  readonly answeredAt: string;
}

export type SurveyEventV1 = SurveyInvitedV1 | SurveyAnsweredV1;

/** Parses a record's value; null when it is neither event (a consumer skips it and says so). */
export function decodeSurveyEvent(value: Buffer | string): SurveyEventV1 | null {
  try {
    const v = JSON.parse(typeof value === 'string' ? value : value.toString('utf8')) as { schema?: unknown; invitationId?: unknown; accountId?: unknown; readingId?: unknown; invitedAt?: unknown; answeredAt?: unknown; score?: unknown } | null;
    if (typeof v?.invitationId !== 'string' || typeof v.accountId !== 'string' || typeof v.readingId !== 'string') return null;
    if (v.schema === SURVEY_INVITED_SCHEMA && typeof v.invitedAt === 'string' && !Number.isNaN(Date.parse(v.invitedAt))) return v as unknown as SurveyInvitedV1;
    if (v.schema === SURVEY_ANSWERED_SCHEMA && typeof v.answeredAt === 'string' && !Number.isNaN(Date.parse(v.answeredAt)) && Number.isInteger(v.score)) return v as unknown as SurveyAnsweredV1;
    return null;
  } catch {
    return null;
  }
}
