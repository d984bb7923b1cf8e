import type { Pool } from 'pg';
import { type BilledReadingOutboxRow, readingBillRows } from './billed-reading.mapper';
import type { ReadingBillWriter } from './reading-bill.writer';

export interface BilledReadingRelayOptions {
  /** Outbox rows (bills) per ClickHouse insert, at most; each carries a few reading ids. */
  readonly batchSize: number;
  /** With nothing pending, look again after this long (a nudge wakes it sooner). */
  readonly idleMs: number;
  /** After a nudge, wait this long so chunks completing together share one insert. */
  readonly coalesceMs: number;
  /** Backoff after a failure: doubles from min to max. */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
}

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
export class BilledReadingRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;

  constructor(
    private readonly pool: Pool,
    private readonly writer: ReadingBillWriter,
    private readonly options: BilledReadingRelayOptions,
    private readonly observer: BilledReadingRelayObserver = noop,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the batch in hand (its transaction commits or rolls back). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /** Bills were just committed: relay soon rather than at the next idle poll. Cheap: sets a flag. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Relays up to one batch; returns how many bills' marks it moved. Throws if ClickHouse or PostgreSQL failed (nothing is lost). */
  async drainOnce(): Promise<number> {
    const started = process.hrtime.bigint();
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
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
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const marks = rows.flatMap(readingBillRows);
      await this.writer.write(marks);
      await client.query('DELETE FROM billed_reading_outbox WHERE bill_id = ANY($1::uuid[])', [rows.map((r) => r.bill_id)]);
      await client.query('COMMIT');
      this.observer.relayed(rows.length, marks.length, Number(process.hrtime.bigint() - started) / 1e9);
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      // A connection that could not even roll back is discarded rather than handed to the next user.
      client.release(broken);
    }
  }

  /** Bills whose marks are not yet in ClickHouse (the outbox-depth gauge, tests). */
  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM billed_reading_outbox');
    return Number(rows[0]?.n ?? 0);
  }

  private async run(): Promise<void> {
    let delay = this.options.retryMinMs;
    let attempt = 0;
    while (this.running) {
      try {
        const moved = await this.drainOnce();
        delay = this.options.retryMinMs;
        attempt = 0;
        if (moved === this.options.batchSize) continue; // more waiting: no sleep
        await this.sleep(this.options.idleMs, true);
      } catch (error) {
        this.observer.failed(error, ++attempt);
        await this.sleep(delay, false);
        delay = Math.min(delay * 2, this.options.retryMaxMs);
      }
    }
  }

  /** Sleeps up to `ms`; stop() always cuts it short, a nudge only when allowed (not during backoff), after a coalescing pause. */
  private async sleep(ms: number, wakeOnNudge: boolean): Promise<void> {
    if (!(wakeOnNudge && this.nudged)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => {
          if (!this.running || wakeOnNudge) {
            clearTimeout(timer);
            resolve();
          }
        };
      });
      this.wake = undefined;
    }
    if (wakeOnNudge && this.nudged && this.running) {
      this.nudged = false;
      await new Promise((r) => setTimeout(r, this.options.coalesceMs));
    }
  }
}
