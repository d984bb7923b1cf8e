import type { Pool, PoolClient } from 'pg';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import { OutboxRelayLoop, type OutboxRelayLoopOptions } from './outbox-relay.loop';
import { inTransaction } from './postgres.transaction';

export interface EventOutboxRelayObserver {
  relayed(count: number, seconds: number): void;
  failed(error: unknown, attempt: number): void;
}

export interface EventOutboxSpec {
  /** A table `(seq bigserial PRIMARY KEY, record_key text, payload json[b], ...)`, written in the transactions whose facts it announces. */
  readonly table: string;
  readonly topic: string;
  /** Names the advisory lock: one relay of this outbox publishes at a time in the whole deployment. */
  readonly lockName: string;
  /**
   * Rows that carry a reference instead of a payload (column `column`, payload NULL): the outbox's owner renders
   * their events from its own committed rows, inside the relay's transaction. For facts that are immutable once
   * committed (an issued bill), the event rendered at publish time says exactly what the writing transaction
   * committed, and the writer is spared building, escaping and storing a second copy of it.
   */
  readonly references?: OutboxReferences;
}

export interface OutboxReferences {
  /** A column of the outbox holding the reference (cast to text when read). */
  readonly column: string;
  /** Events by reference. A reference missing from the answer fails the batch: nothing is published or deleted. */
  render(client: PoolClient, refs: readonly string[]): Promise<ReadonlyMap<string, { readonly schema?: string }>>;
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
 * publishes the same rows again: consumers deduplicate on the event's own id. A row may carry a reference
 * instead of its payload (`EventOutboxSpec.references`): its event is rendered in the same transaction, just
 * before the publish, from the owner's committed rows.
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
    if (spec.references && !/^[a-z_][a-z0-9_]*$/.test(spec.references.column)) throw new Error(`bad outbox reference column ${spec.references.column}`);
  }

  async drainOnce(): Promise<number> {
    const started = process.hrtime.bigint();
    const moved = await inTransaction(this.pool, async (client) => {
      const lock = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok', [this.spec.lockName]);
      if (!lock.rows[0]?.ok) return 0; // another relay holds it: it publishes, this one waits for its next turn
      const refColumn = this.spec.references ? `, ${this.spec.references.column}::text AS ref` : '';
      const { rows } = await client.query<{ seq: string; record_key: string; payload: { schema?: string } | null; ref?: string | null }>(
        `SELECT seq::text AS seq, record_key, payload${refColumn} FROM ${this.spec.table} ORDER BY seq LIMIT $1`,
        [this.options.batchSize],
      );
      if (rows.length === 0) return 0;
      const rendered = await this.render(client, rows);
      await this.publisher.publish(
        rows.map((r) => {
          const payload = r.payload ?? rendered.get(r.ref ?? '')!;
          return { topic: this.spec.topic, key: r.record_key, value: JSON.stringify(payload), headers: { schema: String(payload.schema ?? '') } };
        }),
      );
      await client.query(`DELETE FROM ${this.spec.table} WHERE seq = ANY($1::bigint[])`, [rows.map((r) => r.seq)]);
      return rows.length;
    });
    if (moved > 0) this.observer.relayed(moved, Number(process.hrtime.bigint() - started) / 1e9);
    return moved;
  }

  /** The events of the batch's reference rows, every one of them (else the batch fails and is retried). */
  private async render(
    client: PoolClient,
    rows: ReadonlyArray<{ seq: string; payload: object | null; ref?: string | null }>,
  ): Promise<ReadonlyMap<string, { readonly schema?: string }>> {
    const byRef = rows.filter((r) => r.payload === null);
    if (byRef.length === 0) return new Map();
    const missing = (seq: string, what: string) => new Error(`${this.spec.table} row ${seq}: ${what}; nothing is published until it is fixed`);
    if (!this.spec.references) throw missing(byRef[0]!.seq, 'no payload, and this relay renders no references');
    const rendered = await this.spec.references.render(client, byRef.flatMap((r) => (r.ref == null ? [] : [r.ref])));
    const unrendered = byRef.find((r) => r.ref == null || !rendered.has(r.ref));
    if (unrendered) throw missing(unrendered.seq, `no payload, and reference ${unrendered.ref ?? 'NULL'} rendered no event`);
    return rendered;
  }

  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.spec.table}`);
    return Number(rows[0]?.n ?? 0);
  }
}
