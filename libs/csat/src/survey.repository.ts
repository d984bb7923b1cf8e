import type { Pool } from 'pg';
import type { CustomerCategory, SurveyChannel, SurveyOutcome } from './invitation.policy';
import { ISO } from './invitation.repository';

/** An invitation with its answer, if any: what the customer was asked and what they said. */
export interface SurveyRecord {
  readonly id: string;
  readonly readingId: string;
  readonly accountId: string;
  readonly channel: SurveyChannel;
  readonly category: CustomerCategory;
  readonly outcome: SurveyOutcome;
  readonly reasonCode: string | null;
  readonly outcomeMessage: string | null;
  readonly interactionAtMs: number;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly answer: { readonly score: number; readonly comment: string | null; readonly answeredAtMs: number } | null;
}

export interface AnswerCommand {
  readonly invitationId: string;
  readonly accountId: string;
  readonly score: number;
  readonly comment: string | null;
  readonly answeredAtMs: number;
  readonly answeredBy: string;
}

export type AnswerResult =
  | { readonly kind: 'answered'; readonly survey: SurveyRecord }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'already_answered' }
  | { readonly kind: 'expired' };

export interface SurveyPageCursor {
  readonly interactionAtMs: number;
  readonly id: string;
}

export interface SurveyRepository {
  find(accountId: string, invitationId: string): Promise<SurveyRecord | null>;
  /** Unanswered, unexpired invitations, newest interaction first. */
  listOpen(accountId: string, nowMs: number, limit: number): Promise<SurveyRecord[]>;
  /** Every invitation of the account with its answer, newest interaction first. */
  listForAccount(accountId: string, page: { limit: number; before?: SurveyPageCursor }): Promise<SurveyRecord[]>;
  /** Stores the answer and its outbox row atomically, or says why not. */
  answer(command: AnswerCommand): Promise<AnswerResult>;
}

const SELECT_SURVEY = `
  SELECT i.id, i.reading_id, i.account_id, i.channel, i.category, i.outcome, i.reason_code, i.outcome_message,
         (extract(epoch FROM i.interaction_at) * 1000)::float8 AS interaction_ms,
         (extract(epoch FROM i.created_at) * 1000)::float8 AS created_ms,
         (extract(epoch FROM i.expires_at) * 1000)::float8 AS expires_ms,
         a.score, a.comment, (extract(epoch FROM a.answered_at) * 1000)::float8 AS answered_ms
  FROM csat.invitations i LEFT JOIN csat.answers a ON a.invitation_id = i.id`;

interface SurveyRow {
  id: string;
  reading_id: string;
  account_id: string;
  channel: SurveyChannel;
  category: CustomerCategory;
  outcome: SurveyOutcome;
  reason_code: string | null;
  outcome_message: string | null;
  interaction_ms: number;
  created_ms: number;
  expires_ms: number;
  score: number | null;
  comment: string | null;
  answered_ms: number | null;
}

const toRecord = (r: SurveyRow): SurveyRecord => ({
  id: r.id,
  readingId: r.reading_id,
  accountId: r.account_id,
  channel: r.channel,
  category: r.category,
  outcome: r.outcome,
  reasonCode: r.reason_code,
  outcomeMessage: r.outcome_message,
  interactionAtMs: Math.round(r.interaction_ms),
  createdAtMs: Math.round(r.created_ms),
  expiresAtMs: Math.round(r.expires_ms),
  answer: r.score === null ? null : { score: Number(r.score), comment: r.comment, answeredAtMs: Math.round(r.answered_ms ?? 0) },
});

/**
 * PostgreSQL access for the survey API. Every query is scoped by account id
 * (object-level authorization happens in SQL too: another account's
 * invitation is simply not found). Values are bound parameters only.
 */
export class PgSurveyRepository implements SurveyRepository {
  constructor(private readonly pool: Pool) {}

  async find(accountId: string, invitationId: string): Promise<SurveyRecord | null> {
    const { rows } = await this.pool.query<SurveyRow>(`${SELECT_SURVEY} WHERE i.id = $1 AND i.account_id = $2`, [invitationId, accountId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async listOpen(accountId: string, nowMs: number, limit: number): Promise<SurveyRecord[]> {
    const { rows } = await this.pool.query<SurveyRow>(
      `${SELECT_SURVEY} WHERE i.account_id = $1 AND a.invitation_id IS NULL AND i.expires_at > to_timestamp($2 / 1000.0)
       ORDER BY i.interaction_at DESC, i.id DESC LIMIT $3`,
      [accountId, nowMs, limit],
    );
    return rows.map(toRecord);
  }

  async listForAccount(accountId: string, page: { limit: number; before?: SurveyPageCursor }): Promise<SurveyRecord[]> {
    const { rows } = page.before
      ? await this.pool.query<SurveyRow>(
          `${SELECT_SURVEY} WHERE i.account_id = $1 AND (i.interaction_at, i.id) < (to_timestamp($2 / 1000.0), $3::uuid)
           ORDER BY i.interaction_at DESC, i.id DESC LIMIT $4`,
          [accountId, page.before.interactionAtMs, page.before.id, page.limit],
        )
      : await this.pool.query<SurveyRow>(`${SELECT_SURVEY} WHERE i.account_id = $1 ORDER BY i.interaction_at DESC, i.id DESC LIMIT $2`, [accountId, page.limit]);
    return rows.map(toRecord);
  }

  /**
   * One statement, so one transaction and one round trip: lock the
   * invitation (scoped to the account), insert the answer unless it expired,
   * and enqueue it for ClickHouse in the same commit. The primary key on
   * answers.invitation_id makes a second answer a no-op even when two race;
   * the row lock makes the loser wait and then see the winner's answer.
   */
  async answer(c: AnswerCommand): Promise<AnswerResult> {
    const { rows } = await this.pool.query<SurveyRow & { inserted: number; previously_answered: boolean }>(
      `WITH inv AS (
         SELECT * FROM csat.invitations WHERE id = $1 AND account_id = $2 FOR UPDATE
       ), ins AS (
         INSERT INTO csat.answers (invitation_id, score, comment, answered_at, answered_by)
         SELECT id, $3, $4, to_timestamp($5 / 1000.0), $6 FROM inv WHERE expires_at > to_timestamp($5 / 1000.0)
         ON CONFLICT (invitation_id) DO NOTHING
         RETURNING invitation_id, answered_at
       ), outbox AS (
         INSERT INTO csat.analytics_outbox (invitation_id) SELECT invitation_id FROM ins RETURNING invitation_id
       ), events AS (
         -- survey.answered.v1 for the timeline, committed with the answer (csat.event_outbox)
         INSERT INTO csat.event_outbox (record_key, payload)
         SELECT inv.account_id, jsonb_build_object('schema', 'survey.answered.v1', 'invitationId', inv.id, 'accountId', inv.account_id, 'readingId', inv.reading_id,
                  'score', $3::int, 'comment', $4::text, 'answeredAt', ${ISO('ins.answered_at')})
         FROM ins JOIN inv ON inv.id = ins.invitation_id
       )
       SELECT inv.id, inv.reading_id, inv.account_id, inv.channel, inv.category, inv.outcome, inv.reason_code, inv.outcome_message,
              (extract(epoch FROM inv.interaction_at) * 1000)::float8 AS interaction_ms,
              (extract(epoch FROM inv.created_at) * 1000)::float8 AS created_ms,
              (extract(epoch FROM inv.expires_at) * 1000)::float8 AS expires_ms,
              $3::smallint AS score, $4::text AS comment,
              (SELECT (extract(epoch FROM answered_at) * 1000)::float8 FROM ins) AS answered_ms,
              (SELECT count(*) FROM outbox)::int AS inserted,
              EXISTS (SELECT 1 FROM csat.answers a WHERE a.invitation_id = inv.id) AS previously_answered
       FROM inv`,
      [c.invitationId, c.accountId, c.score, c.comment, c.answeredAtMs, c.answeredBy],
    );
    const row = rows[0];
    if (!row) return { kind: 'not_found' };
    if (row.inserted === 1) return { kind: 'answered', survey: toRecord(row) };
    if (!row.previously_answered && Math.round(row.expires_ms) <= c.answeredAtMs) return { kind: 'expired' };
    return { kind: 'already_answered' };
  }
}
