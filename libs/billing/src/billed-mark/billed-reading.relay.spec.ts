import type { Pool } from 'pg';
import type { ReadingBillRow } from './billed-reading.mapper';
import { BilledReadingRelay, type BilledReadingRelayOptions } from './billed-reading.relay';

/** A stand-in for the outbox table: enough of pg's Pool to see which statements run in which order. */
class FakeOutbox {
  rows = new Map<string, { bill_id: string; account_id: string; period_start: string; period_end: string; reading_ids: string[]; created_at: string }>();
  log: string[] = [];

  add(billId: string, readingIds: string[]): void {
    this.rows.set(billId, { bill_id: billId, account_id: 'ACC', period_start: '2022-03-01', period_end: '2022-05-01', reading_ids: readingIds, created_at: '2022-05-02 09:00:00' });
  }

  pool(): Pool {
    let pending: string[] = [];
    const client = {
      query: async (sql: string, params: unknown[] = []) => {
        const verb = sql.trim().split(/\s+/)[0]!.toUpperCase();
        this.log.push(verb);
        if (verb === 'SELECT') return { rows: [...this.rows.values()].slice(0, params[0] as number) };
        if (verb === 'DELETE') pending = params[0] as string[];
        if (verb === 'COMMIT') for (const id of pending.splice(0)) this.rows.delete(id);
        if (verb === 'ROLLBACK') pending = [];
        return { rows: [] };
      },
      release: () => undefined,
    };
    return { connect: async () => client, query: async () => ({ rows: [{ n: String(this.rows.size) }] }) } as unknown as Pool;
  }
}

const options: BilledReadingRelayOptions = { batchSize: 2, idleMs: 60_000, coalesceMs: 5, retryMinMs: 10, retryMaxMs: 40 };
const until = async (probe: () => boolean, ms = 2000) => {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('billed-reading relay', () => {
  it('deletes outbox rows only after the writer confirmed, in the same transaction that read them', async () => {
    const outbox = new FakeOutbox();
    outbox.add('B1', ['r1', 'r2']);
    outbox.add('B2', ['r3']);
    const written: ReadingBillRow[] = [];
    const relay = new BilledReadingRelay(outbox.pool(), { write: async (rows) => void written.push(...rows) }, options);
    expect(await relay.drainOnce()).toBe(2);
    expect(outbox.log).toEqual(['BEGIN', 'SELECT', 'DELETE', 'COMMIT']);
    expect(written.map((r) => [r.bill_id, r.reading_id])).toEqual([
      ['B1', 'r1'],
      ['B1', 'r2'],
      ['B2', 'r3'],
    ]);
    expect(await relay.pending()).toBe(0);
  });

  it('a failed write rolls back and keeps the rows: nothing is lost', async () => {
    const outbox = new FakeOutbox();
    outbox.add('B1', ['r1']);
    const relay = new BilledReadingRelay(outbox.pool(), { write: async () => Promise.reject(new Error('ClickHouse is down')) }, options);
    await expect(relay.drainOnce()).rejects.toThrow(/down/);
    expect(outbox.log).toEqual(['BEGIN', 'SELECT', 'ROLLBACK']);
    expect(await relay.pending()).toBe(1);
  });

  it('running: a nudge wakes it from a long idle sleep; failures back off and report attempts; stop is prompt', async () => {
    const outbox = new FakeOutbox();
    let down = true;
    const attempts: number[] = [];
    const relay = new BilledReadingRelay(
      outbox.pool(),
      { write: async () => (down ? Promise.reject(new Error('down')) : undefined) },
      options,
      { relayed: () => undefined, failed: (_e, attempt) => void attempts.push(attempt) },
    );
    relay.start();
    await new Promise((r) => setTimeout(r, 20)); // first pass: nothing queued, now asleep for a minute

    outbox.add('B1', ['r1']);
    relay.nudge();
    await until(() => attempts.length >= 3);
    expect(attempts.slice(0, 3)).toEqual([1, 2, 3]);
    expect(await relay.pending()).toBe(1);

    down = false; // the next retry (backoff at most 40 ms) gets through; a full batch goes round again at once
    outbox.add('B2', ['r2']);
    outbox.add('B3', ['r3']);
    await until(() => outbox.rows.size === 0);

    const stopping = Date.now();
    await relay.stop();
    expect(Date.now() - stopping).toBeLessThan(1000);
  });
});
