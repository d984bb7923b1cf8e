import type { Pool } from 'pg';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import { OutboxRelayLoop, type OutboxRelayLoopOptions } from '@surge/postgres/outbox-relay.loop';
import { inTransaction } from '@surge/postgres/postgres.transaction';
import { encodeRegistrySnapshot, type RegistrySnapshotV1 } from '@surge/registry-contracts/registry-change.event';

export interface RegistryRelayObserver {
  relayed(count: number, seconds: number): void;
  failed(error: unknown, attempt: number): void;
}

const noop: RegistryRelayObserver = { relayed: () => undefined, failed: () => undefined };

/**
 * Moves registry snapshots from the PostgreSQL outbox to the compacted topic registry.v1.
 *
 * Guarantee: every committed change reaches the topic, at least once, in commit order per key. Rows are
 * read in seq order under a transaction-level advisory lock, so one relay publishes at a time in the whole
 * deployment (two relays interleaving could put an older snapshot last, and compaction would keep it).
 * They are published with acks=all (the publisher keeps one key on one lane, in order) and deleted in the
 * same transaction only after every record was acknowledged. Kafka down: publish fails, the transaction
 * rolls back, the rows wait and are retried with backoff. A crash after the ack and before the delete
 * publishes the same rows again with the same revision: consumers keep the highest revision per key.
 */
export class RegistryOutboxRelay extends OutboxRelayLoop {
  constructor(
    private readonly pool: Pool,
    private readonly publisher: EventPublisher,
    private readonly topic: string,
    options: OutboxRelayLoopOptions,
    private readonly observer: RegistryRelayObserver = noop,
  ) {
    super(options, (error, attempt) => observer.failed(error, attempt));
  }

  async drainOnce(): Promise<number> {
    const started = process.hrtime.bigint();
    const moved = await inTransaction(this.pool, async (client) => {
      const lock = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext('registry_outbox_relay')) AS ok");
      if (!lock.rows[0]?.ok) return 0; // another relay holds it: it publishes, this one waits for its next turn
      const { rows } = await client.query<{ seq: string; record_key: string; payload: Omit<RegistrySnapshotV1, 'revision'> }>(
        'SELECT seq::text AS seq, record_key, payload FROM registry_outbox ORDER BY seq LIMIT $1',
        [this.options.batchSize],
      );
      if (rows.length === 0) return 0;
      await this.publisher.publish(
        rows.map((r) => ({
          topic: this.topic,
          key: r.record_key,
          value: encodeRegistrySnapshot({ ...r.payload, revision: r.seq } as RegistrySnapshotV1),
          headers: { schema: r.payload.schema, revision: r.seq },
        })),
      );
      await client.query('DELETE FROM registry_outbox WHERE seq = ANY($1::bigint[])', [rows.map((r) => r.seq)]);
      return rows.length;
    });
    if (moved > 0) this.observer.relayed(moved, Number(process.hrtime.bigint() - started) / 1e9);
    return moved;
  }

  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM registry_outbox');
    return Number(rows[0]?.n ?? 0);
  }
}
