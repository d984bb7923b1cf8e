import type { Pool } from 'pg';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import { OutboxRelayLoop, type OutboxRelayLoopOptions } from '@surge/postgres/outbox-relay.loop';
import { inTransaction } from '@surge/postgres/postgres.transaction';
import type { FlexTopicKey } from './flexibility-outbox.writer';

export interface FlexRelayObserver {
  relayed(count: number, seconds: number): void;
  failed(error: unknown, attempt: number): void;
}

/**
 * Moves flexibility facts from flex_outbox to the flex.* topics. Guarantee: every committed fact is
 * published at least once, in commit order per account (one relay at a time under an advisory lock,
 * acks=all, rows deleted in the same transaction only after every record was acknowledged). Kafka down:
 * the transaction rolls back and the rows wait. A crash between ack and delete publishes them again with
 * the same ids (dispatchId, notificationId, creditId), which consumers deduplicate on.
 */
export class FlexibilityOutboxRelay extends OutboxRelayLoop {
  constructor(
    private readonly pool: Pool,
    private readonly publisher: EventPublisher,
    private readonly topics: Readonly<Record<FlexTopicKey, string>>,
    options: OutboxRelayLoopOptions,
    private readonly observer: FlexRelayObserver = { relayed: () => undefined, failed: () => undefined },
  ) {
    super(options, (error, attempt) => observer.failed(error, attempt));
  }

  async drainOnce(): Promise<number> {
    const started = process.hrtime.bigint();
    const moved = await inTransaction(this.pool, async (client) => {
      const lock = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext('flex_outbox_relay')) AS ok");
      if (!lock.rows[0]?.ok) return 0;
      const { rows } = await client.query<{ seq: string; topic: FlexTopicKey; record_key: string; payload: string }>(
        'SELECT seq::text AS seq, topic, record_key, payload::text AS payload FROM flex_outbox ORDER BY seq LIMIT $1',
        [this.options.batchSize],
      );
      if (rows.length === 0) return 0;
      await this.publisher.publish(
        rows.map((r) => ({ topic: this.topics[r.topic], key: r.record_key, value: Buffer.from(r.payload), headers: { schema: (JSON.parse(r.payload) as { schema: string }).schema } })),
      );
      await client.query('DELETE FROM flex_outbox WHERE seq = ANY($1::bigint[])', [rows.map((r) => r.seq)]);
      return rows.length;
    });
    if (moved > 0) this.observer.relayed(moved, Number(process.hrtime.bigint() - started) / 1e9);
    return moved;
  }

  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM flex_outbox');
    return Number(rows[0]?.n ?? 0);
  }
}
