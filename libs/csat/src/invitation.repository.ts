import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { CustomerCategory, Interaction, InvitationDecision, InvitationHistory } from './invitation.policy';

/** An instant as the event contracts write it (ISO 8601, UTC, milliseconds). */
export const ISO = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** An interaction with what the invitation shows besides the rules' facts. */
export interface OutcomeInteraction extends Interaction {
  readonly correlationId: string;
  readonly message: string | null;
}

export interface PlanContext {
  readonly history: InvitationHistory;
  readonly categories: ReadonlyMap<string, CustomerCategory>;
}

export interface RecordedDecision {
  readonly decision: InvitationDecision;
  /** Set when this call stored an invitation. */
  readonly invitationId?: string;
  readonly category?: CustomerCategory;
}

/**
 * Stores invitations for a batch of interactions, atomically.
 *
 * Concurrency: the throttle is a rule across rows (one invitation per
 * account per N days), which no unique key can express, and one account's
 * outcomes arrive on two topics whose partitions may be consumed by
 * different CSAT instances. So the batch's accounts are locked first
 * (transaction-scoped advisory locks, taken in one sorted order so two
 * batches never deadlock), then history is read and the plan applied.
 * The unique key on reading_id stays the last line of defence for the
 * one-per-interaction rule.
 */
export interface InvitationRepository {
  record(
    interactions: readonly OutcomeInteraction[],
    throttleRange: { fromMs: number; toMs: number } | null,
    plan: (context: PlanContext) => InvitationDecision[],
  ): Promise<RecordedDecision[]>;
}

export class PgInvitationRepository implements InvitationRepository {
  constructor(
    private readonly pool: Pool,
    private readonly defaultCategory: CustomerCategory,
  ) {}

  async record(
    interactions: readonly OutcomeInteraction[],
    throttleRange: { fromMs: number; toMs: number } | null,
    plan: (context: PlanContext) => InvitationDecision[],
  ): Promise<RecordedDecision[]> {
    if (interactions.length === 0) return [];
    const accounts = [...new Set(interactions.map((i) => i.accountId))];
    const readingIds = interactions.map((i) => i.readingId);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `SELECT pg_advisory_xact_lock(hashtext('csat.invitation-throttle'), h)
         FROM (SELECT DISTINCT hashtext(a) AS h FROM unnest($1::text[]) AS a ORDER BY 1) AS sorted`,
        [accounts],
      );
      const invited = await client.query<{ reading_id: string }>('SELECT reading_id FROM csat.invitations WHERE reading_id = ANY($1::text[])', [readingIds]);
      const times = new Map<string, number[]>();
      if (throttleRange) {
        const near = await client.query<{ account_id: string; at: string }>(
          `SELECT account_id, (extract(epoch FROM interaction_at) * 1000)::bigint::text AS at FROM csat.invitations
           WHERE account_id = ANY($1::text[]) AND interaction_at > to_timestamp($2 / 1000.0) AND interaction_at < to_timestamp($3 / 1000.0)`,
          [accounts, throttleRange.fromMs, throttleRange.toMs],
        );
        for (const row of near.rows) times.set(row.account_id, [...(times.get(row.account_id) ?? []), Number(row.at)]);
      }
      const cats = await client.query<{ account_id: string; category: CustomerCategory }>(
        'SELECT account_id, category FROM csat.account_categories WHERE account_id = ANY($1::text[])',
        [accounts],
      );
      const categories = new Map(cats.rows.map((r) => [r.account_id, r.category]));
      const decisions = plan({ history: { invitedReadingIds: new Set(invited.rows.map((r) => r.reading_id)), invitationTimesByAccount: times }, categories });

      const results: RecordedDecision[] = [];
      const rows: { id: string; decision: Extract<InvitationDecision, { invite: true }>; category: CustomerCategory; source: OutcomeInteraction }[] = [];
      const byReading = new Map(interactions.map((i) => [i.readingId, i]));
      for (const decision of decisions) {
        if (!decision.invite) {
          results.push({ decision });
          continue;
        }
        const category = categories.get(decision.interaction.accountId) ?? this.defaultCategory;
        const row = { id: randomUUID(), decision, category, source: byReading.get(decision.interaction.readingId)! };
        rows.push(row);
        results.push({ decision, invitationId: row.id, category });
      }
      if (rows.length > 0) {
        // The unique key on reading_id turns any double insert into a no-op.
        const inserted = await client.query<{ id: string }>(
          `WITH ins AS (
           INSERT INTO csat.invitations
             (id, reading_id, account_id, channel, category, outcome, reason_code, outcome_message, interaction_at, expires_at, correlation_id)
           SELECT id, reading_id, account_id, channel, category, outcome, reason_code, outcome_message,
                  to_timestamp(interaction_ms / 1000.0), to_timestamp(expires_ms / 1000.0), correlation_id
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::float8[], $11::text[])
             AS t(id, reading_id, account_id, channel, category, outcome, reason_code, outcome_message, interaction_ms, expires_ms, correlation_id)
           ON CONFLICT (reading_id) DO NOTHING
           RETURNING id, reading_id, account_id, channel, created_at, expires_at
           ), events AS (
             -- survey.invited.v1 for the timeline, in the invitation's own transaction (csat.event_outbox)
             INSERT INTO csat.event_outbox (record_key, payload)
             SELECT account_id, jsonb_build_object('schema', 'survey.invited.v1', 'invitationId', id, 'accountId', account_id, 'readingId', reading_id, 'channel', channel,
                      'invitedAt', ${ISO('created_at')}, 'expiresAt', ${ISO('expires_at')})
             FROM ins ORDER BY id
           )
           SELECT id FROM ins`,
          [
            rows.map((r) => r.id),
            rows.map((r) => r.decision.interaction.readingId),
            rows.map((r) => r.decision.interaction.accountId),
            rows.map((r) => r.decision.channel),
            rows.map((r) => r.category),
            rows.map((r) => r.decision.interaction.status),
            rows.map((r) => r.decision.interaction.reasonCode),
            rows.map((r) => r.source.message),
            rows.map((r) => r.decision.interaction.decidedAtMs),
            rows.map((r) => r.decision.expiresAtMs),
            rows.map((r) => r.source.correlationId || null),
          ],
        );
        const stored = new Set(inserted.rows.map((r) => r.id));
        for (let i = 0; i < results.length; i++) {
          const r = results[i]!;
          if (r.invitationId && !stored.has(r.invitationId)) results[i] = { decision: { invite: false, interaction: r.decision.interaction, reason: 'already_invited' } };
        }
      }
      await client.query('COMMIT');
      return results;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
