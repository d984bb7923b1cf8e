import type { Pool } from 'pg';
import { OutboxRelayLoop, type OutboxRelayLoopOptions } from '@surge/postgres/outbox-relay.loop';
import { inTransaction } from '@surge/postgres/postgres.transaction';
import type { AnswerFact, CsatAnalytics } from './csat-analytics.repository';
import type { CustomerCategory, SurveyChannel, SurveyOutcome } from './invitation.policy';

/** batchSize counts answers per ClickHouse insert. */
export type RelayOptions = OutboxRelayLoopOptions;

export interface RelayObserver {
  relayed(count: number, seconds: number): void;
  failed(error: unknown, attempt: number): void;
}

const noop: RelayObserver = { relayed: () => undefined, failed: () => undefined };

/**
 * Moves answers from the PostgreSQL outbox to ClickHouse.
 *
 * Guarantee: every answer committed in PostgreSQL reaches ClickHouse
 * eventually. The answer and its outbox row commit together (one
 * statement); an outbox row is deleted only in the transaction that holds it
 * locked while ClickHouse confirmed both the raw insert and the hourly
 * recount. If ClickHouse is down or slow, the insert fails, the transaction
 * rolls back, the rows stay and are retried with backoff, for as long as it
 * takes. If the process dies after ClickHouse confirmed but before the
 * delete committed, the rows are sent again: at least once, made harmless
 * by ClickHouse reads that count distinct invitation ids.
 *
 * Several instances may relay at once: `FOR UPDATE SKIP LOCKED` gives each
 * a disjoint set of rows.
 */
export class AnswerOutboxRelay extends OutboxRelayLoop {
  constructor(
    private readonly pool: Pool,
    private readonly analytics: CsatAnalytics,
    options: RelayOptions,
    private readonly observer: RelayObserver = noop,
  ) {
    super(options, (error, attempt) => observer.failed(error, attempt));
  }

  /** Relays up to one batch; returns how many answers it moved. Throws if ClickHouse or PostgreSQL failed (nothing is lost). */
  async drainOnce(): Promise<number> {
    const started = process.hrtime.bigint();
    const moved = await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{
        invitation_id: string;
        score: number;
        answered_ms: number;
        interaction_ms: number;
        channel: SurveyChannel;
        category: CustomerCategory;
        outcome: SurveyOutcome;
        reason_code: string | null;
      }>(
        `SELECT o.invitation_id, a.score, (extract(epoch FROM a.answered_at) * 1000)::float8 AS answered_ms,
                (extract(epoch FROM i.interaction_at) * 1000)::float8 AS interaction_ms,
                i.channel, i.category, i.outcome, i.reason_code
         FROM csat.analytics_outbox o
         JOIN csat.answers a ON a.invitation_id = o.invitation_id
         JOIN csat.invitations i ON i.id = o.invitation_id
         ORDER BY o.enqueued_at
         LIMIT $1
         FOR UPDATE OF o SKIP LOCKED`,
        [this.options.batchSize],
      );
      if (rows.length === 0) return 0;
      const facts: AnswerFact[] = rows.map((r) => ({
        invitationId: r.invitation_id,
        answeredAtMs: Math.round(r.answered_ms),
        interactionAtMs: Math.round(r.interaction_ms),
        channel: r.channel,
        category: r.category,
        outcome: r.outcome,
        reasonCode: r.reason_code ?? '',
        score: Number(r.score),
      }));
      await this.analytics.record(facts);
      await client.query('DELETE FROM csat.analytics_outbox WHERE invitation_id = ANY($1::uuid[])', [rows.map((r) => r.invitation_id)]);
      return rows.length;
    });
    if (moved > 0) this.observer.relayed(moved, Number(process.hrtime.bigint() - started) / 1e9);
    return moved;
  }

  /** Answers not yet in ClickHouse (readiness detail, tests, the benchmark). */
  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM csat.analytics_outbox');
    return Number(rows[0]?.n ?? 0);
  }
}
