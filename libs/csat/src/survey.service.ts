import { hasScope, type CustomerPrincipal, type Principal } from '@surge/auth/principal.model';
import { conflict, forbidden, notFound, validationError } from '@surge/errors/app.error';
import { decodePageCursor, encodePageCursor } from '@surge/validation/page-cursor.codec';
import { parseOrThrow } from '@surge/validation/schema.parser';
import { isSatisfied, MAX_SCORE, MIN_SCORE } from './csat.calculator';
import type { CustomerCategory, SurveyChannel, SurveyOutcome } from './invitation.policy';
import { surveyAnswerSchema } from './survey-answer.schema';
import type { SurveyPageCursor, SurveyRecord, SurveyRepository } from './survey.repository';

export const SURVEY_QUESTION = 'How satisfied are you with submitting your meter reading?';
export const SCALE_LABELS = ['Very dissatisfied', 'Dissatisfied', 'Neither satisfied nor dissatisfied', 'Satisfied', 'Very satisfied'] as const;

export interface SurveyView {
  id: string;
  readingId: string;
  accountId: string;
  status: 'open' | 'answered' | 'expired';
  question: string;
  scale: { min: number; max: number; labels: readonly string[] };
  channel: SurveyChannel;
  outcome: { status: SurveyOutcome; reasonCode: string | null; message: string | null };
  interactionAt: string;
  invitedAt: string;
  expiresAt: string;
  answer: { score: number; satisfied: boolean; comment: string | null; answeredAt: string } | null;
}

/** The customer-service view adds the category the answer is reported under. */
export type AccountSurveyView = SurveyView & { category: CustomerCategory };

export interface AnsweredEvent {
  readonly survey: SurveyRecord;
  readonly score: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Surveys for customers (their own) and customer service (any account, with
 * `csat:read`). Authorization is object-level: another account's survey or
 * account answers 404 exactly like a missing one, so ids leak nothing.
 */
export class SurveyService {
  constructor(
    private readonly repository: SurveyRepository,
    private readonly clock: () => number = Date.now,
    /** Called after an answer committed (metrics, nudging the ClickHouse relay). Must not throw. */
    private readonly onAnswered: (event: AnsweredEvent) => void = () => undefined,
  ) {}

  async listOpen(principal: Principal): Promise<{ items: SurveyView[] }> {
    const customer = asCustomer(principal);
    const now = this.clock();
    const rows = await this.repository.listOpen(customer.accountId, now, 20);
    return { items: rows.map((r) => toView(r, now)) };
  }

  async get(principal: Principal, invitationId: string): Promise<SurveyView> {
    const customer = asCustomer(principal);
    const record = UUID.test(invitationId) ? await this.repository.find(customer.accountId, invitationId) : null;
    if (!record) throw surveyNotFound(invitationId);
    return toView(record, this.clock());
  }

  async answer(principal: Principal, invitationId: string, body: unknown): Promise<SurveyView> {
    const customer = asCustomer(principal);
    if (!UUID.test(invitationId)) throw surveyNotFound(invitationId);
    const input = parseOrThrow(surveyAnswerSchema, body);
    const now = this.clock();
    const result = await this.repository.answer({
      invitationId: invitationId.toLowerCase(),
      accountId: customer.accountId,
      score: input.score,
      comment: input.comment,
      answeredAtMs: now,
      answeredBy: customer.id,
    });
    switch (result.kind) {
      case 'not_found':
        throw surveyNotFound(invitationId);
      case 'already_answered':
        throw conflict('SURVEY_ALREADY_ANSWERED', 'You have already answered this survey; your first answer stands. Thank you.');
      case 'expired':
        throw conflict('SURVEY_EXPIRED', 'This survey has expired and can no longer be answered.');
      case 'answered':
        try {
          this.onAnswered({ survey: result.survey, score: input.score });
        } catch {
          /* observers never fail an answer that is already committed */
        }
        return toView(result.survey, now);
    }
  }

  async listForAccount(principal: Principal, accountId: string, page: { limit?: string; cursor?: string }): Promise<{ items: AccountSurveyView[]; nextCursor: string | null }> {
    const allowed = principal.kind === 'customer' ? principal.accountId === accountId : hasScope(principal, 'csat:read');
    if (!allowed) throw notFound('ACCOUNT_NOT_FOUND', `No account ${accountId} is yours.`);
    const limit = page.limit === undefined ? 50 : Number(page.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw invalidField('limit', 'limit must be a whole number from 1 to 200.');
    const before = page.cursor ? decodeCursor(page.cursor) : undefined;
    const rows = await this.repository.listForAccount(accountId, { limit, ...(before ? { before } : {}) });
    const now = this.clock();
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return {
      items: rows.map((r) => ({ ...toView(r, now), category: r.category })),
      nextCursor: last ? encodeCursor({ interactionAtMs: last.interactionAtMs, id: last.id }) : null,
    };
  }
}

function asCustomer(principal: Principal): CustomerPrincipal {
  if (principal.kind !== 'customer') {
    throw forbidden('INSUFFICIENT_SCOPE', 'Surveys are answered by the customer; customer service uses GET /v1/accounts/{accountId}/surveys.');
  }
  return principal;
}

const surveyNotFound = (id: string) => notFound('SURVEY_NOT_FOUND', `No survey ${id.slice(0, 64)} on your account.`);

const invalidField = (field: string, message: string) => validationError('VALIDATION_FAILED', message, [{ code: 'INVALID_FIELD', field, message }]);

export function toView(r: SurveyRecord, nowMs: number): SurveyView {
  return {
    id: r.id,
    readingId: r.readingId,
    accountId: r.accountId,
    status: r.answer ? 'answered' : r.expiresAtMs <= nowMs ? 'expired' : 'open',
    question: SURVEY_QUESTION,
    scale: { min: MIN_SCORE, max: MAX_SCORE, labels: SCALE_LABELS },
    channel: r.channel,
    outcome: { status: r.outcome, reasonCode: r.reasonCode, message: r.outcomeMessage },
    interactionAt: new Date(r.interactionAtMs).toISOString(),
    invitedAt: new Date(r.createdAtMs).toISOString(),
    expiresAt: new Date(r.expiresAtMs).toISOString(),
    answer: r.answer
      ? { score: r.answer.score, satisfied: isSatisfied(r.answer.score), comment: r.answer.comment, answeredAt: new Date(r.answer.answeredAtMs).toISOString() }
      : null,
  };
}

const LATEST_CURSOR_MS = Date.UTC(9999, 11, 31);

const encodeCursor = (c: SurveyPageCursor): string => encodePageCursor(String(c.interactionAtMs), c.id);

// Only what encodeCursor writes: whole milliseconds in a range PostgreSQL holds (1e300 was a 500 from to_timestamp).
const decodeCursor = (cursor: string): SurveyPageCursor =>
  decodePageCursor(cursor, (at, id) => {
    const ms = Number(at);
    return !/^\d{1,15}$/.test(at) || ms > LATEST_CURSOR_MS || !UUID.test(id) ? null : { interactionAtMs: ms, id };
  });
