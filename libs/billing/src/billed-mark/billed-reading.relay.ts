import type { Pool } from 'pg';
import { OutboxRelayLoop, type OutboxRelayLoopOptions } from '@surge/postgres/outbox-relay.loop';
import { inTransaction } from '@surge/postgres/postgres.transaction';
import { type BilledReadingOutboxRow, readingBillRows } from './billed-reading.mapper';
import type { ReadingBillWriter } from '../bills/reading-bill.writer';

/** batchSize counts outbox rows (bills) per ClickHouse insert; each carries a few reading ids. */
export type BilledReadingRelayOptions = OutboxRelayLoopOptions;

export interface BilledReadingRelayObserver {
  relayed(bills: number, marks: number, seconds: number): void;
  failed(error: unknown, attempt: number): void;
}

const noop: BilledReadingRelayObserver = { relayed: () => undefined, failed: () => undefined };

interface OutboxRow extends BilledReadingOutboxRow {
  readonly created_at: string;
}

/**
 * Moves billed-reading marks from the PostgreSQL outbox (billed_reading_outbox,
 * billing migration v5) to ClickHouse `reading_bills`, where the read API
 * reports a reading as billed.
 *
 * Guarantee: every bill committed in PostgreSQL gets its marks into ClickHouse
 * eventually. A bill and its outbox row commit in one transaction
 * (insertBills). An outbox row is deleted only in the transaction that holds
 * it locked while ClickHouse confirmed the insert. If ClickHouse is down or
 * slow the insert fails, the transaction rolls back, the rows stay and are
 * retried with backoff for as long as it takes; bill runs are not held up
 * (they never wait on this). If the process dies after ClickHouse confirmed
 * but before the delete committed, the rows are sent again: at least once,
 * made harmless because a redelivered mark is an identical row that every
 * read deduplicates. Marks of one bill travel together; there is no ordering
 * between bills (none is needed: a mark only adds a fact).
 *
 * Several instances may relay at once: `FOR UPDATE SKIP LOCKED` gives each a
 * disjoint set of rows.
 */
export class BilledReadingRelay extends OutboxRelayLoop {
  constructor(
    private readonly pool: Pool,
    private readonly writer: ReadingBillWriter,
    options: BilledReadingRelayOptions,
    private readonly observer: BilledReadingRelayObserver = noop,
  ) {
    super(options, (error, attempt) => observer.failed(error, attempt));
  }

  /** Relays up to one batch; returns how many bills' marks it moved. Throws if ClickHouse or PostgreSQL failed (nothing is lost). */
  async drainOnce(): Promise<number> {
    const started = process.hrtime.bigint();
    const moved = await inTransaction(this.pool, async (client) => {
      // Oldest first by bill id (UUIDv7 is time-ordered), through the primary key: no other index to maintain.
      const { rows } = await client.query<OutboxRow>(
        `SELECT bill_id, account_id, period_start::text, period_end::text, reading_ids,
                to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS created_at
         FROM billed_reading_outbox
         ORDER BY bill_id
         LIMIT $1
         FOR UPDATE SKIP LOCKED`,
        [this.options.batchSize],
      );
      if (rows.length === 0) return { bills: 0, marks: 0 };
      const marks = rows.flatMap(readingBillRows);
      await this.writer.write(marks);
      await client.query('DELETE FROM billed_reading_outbox WHERE bill_id = ANY($1::uuid[])', [rows.map((r) => r.bill_id)]);
      return { bills: rows.length, marks: marks.length };
    });
    if (moved.bills > 0) this.observer.relayed(moved.bills, moved.marks, Number(process.hrtime.bigint() - started) / 1e9);
    return moved.bills;
  }

  /** Bills whose marks are not yet in ClickHouse (the outbox-depth gauge, tests). */
  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM billed_reading_outbox');
    return Number(rows[0]?.n ?? 0);
  }
}
