import type { Pool } from 'pg';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import { OutboxRelayLoop, type OutboxRelayLoopOptions } from './outbox-relay.loop';
import { inTransaction } from './postgres.transaction';

export interface EventOutboxRelayObserver {
  relayed(count: number, seconds: number): void;
  failed(error: unknown, attempt: number): void;
}

export interface EventOutboxSpec {
  /** A table `(seq bigserial PRIMARY KEY, record_key text, payload jsonb, ...)`, written in the transactions whose facts it announces. */
  readonly table: string;
  readonly topic: string;
  /** Names the advisory lock: one relay of this outbox publishes at a time in the whole deployment. */
  readonly lockName: string;
}

const noop: EventOutboxRelayObserver = { relayed: () => undefined, failed: () => undefined };

/**
 * Moves domain events from a PostgreSQL outbox to a Kafka topic (billing's bills, CSAT's surveys): the one
 * path from a service's committed facts to the backbone, never a dual write.
 *
 * Guarantee: at least once, in commit order per key. Rows are read in seq order under a transaction-level
 * advisory lock (one relay at a time, so two relays cannot interleave one key's events), published with
 * acks=all, and deleted in the same transaction only after every record was acknowledged. Kafka down: the
 * publish fails, the transaction rolls back, the rows wait and are retried with backoff while the service
 * goes on committing (the outbox grows; it is reported). A crash after the ack and before the delete
 * publishes the same rows again: consumers deduplicate on the event's own id.
 */
export class EventOutboxRelay extends OutboxRelayLoop {
  constructor(
    private readonly pool: Pool,
    private readonly publisher: EventPublisher,
    private readonly spec: EventOutboxSpec,
    options: OutboxRelayLoopOptions,
    private readonly observer: EventOutboxRelayObserver = noop,
  ) {
    super(options, (error, attempt) => observer.failed(error, attempt));
    if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(spec.table)) throw new Error(`bad outbox table name ${spec.table}`);
  }

  async drainOnce(): Promise<number> {
    const started = process.hrtime.bigint();
    const moved = await inTransaction(this.pool, async (client) => {
      const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [this.spec.lockName]);
      if (!lock.rows[0]?.ok) return 0; // another relay holds it: it publishes, this one waits for its next turn
      const { rows } = await client.query<{ seq: string; record_key: string; payload: { schema?: string } }>(
        `SELECT seq::text AS seq, record_key, payload FROM ${this.spec.table} ORDER BY seq LIMIT $1`,
        [this.options.batchSize],
      );
      if (rows.length === 0) return 0;
      await this.publisher.publish(
        rows.map((r) => ({ topic: this.spec.topic, key: r.record_key, value: JSON.stringify(r.payload), headers: { schema: String(r.payload.schema ?? '') } })),
      );
      await client.query(`DELETE FROM ${this.spec.table} WHERE seq = ANY($1::bigint[])`, [rows.map((r) => r.seq)]);
      return rows.length;
    });
    if (moved > 0) this.observer.relayed(moved, Number(process.hrtime.bigint() - started) / 1e9);
    return moved;
  }

  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.spec.table}`);
    return Number(rows[0]?.n ?? 0);
  }
}
