import { type BillingTestStores, openBillingTestStores } from '@surge-test/support/billing-stores.fixture';
import { randomUUID } from 'node:crypto';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { Pool } from 'pg';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import type { RegisterReadingSources } from '../bills/bill-input.builder';
import { billedReadingIds } from './billed-reading.mapper';
import { BilledReadingRelay, type BilledReadingRelayOptions } from './billed-reading.relay';
import { BILLING_MIGRATIONS } from '../billing-postgres.migrations';
import { type BillingComponents, type BillingFactoryOptions, type BillingSettings, createBilling } from '../billing.factory';
import { DEMO_PERIOD, demoAccount } from '@surge-test/fixtures/demo-population.generator';
import { ClickHouseReadingBillWriter, type ReadingBillWriter } from '../bills/reading-bill.writer';

/**
 * Billed-reading marks, PostgreSQL outbox -> ClickHouse reading_bills, against the real servers
 * (this file's own PostgreSQL database, ClickHouse database and queue prefix). Chunks are processed
 * directly (no worker): the subject is what a chunk's transaction writes and what the relay moves.
 * The tests build on each other in order.
 */
describe('billed-reading marks (PostgreSQL outbox -> ClickHouse)', () => {
  const prefix = uniqueName('it-billed-marks');
  const accountIds = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => demoAccount(from + i, 'MK').accountId);
  const fast: Partial<BilledReadingRelayOptions> = { batchSize: 500, idleMs: 60_000, coalesceMs: 10, retryMinMs: 20, retryMaxMs: 100 };
  let stores: BillingTestStores;
  let pool: Pool;
  let ch: ClickHouseClient;
  const components: BillingComponents[] = [];
  let billing: BillingComponents;

  const settings = (overrides: Partial<BillingSettings> = {}): BillingSettings => ({
    redis: { url: testEnv.REDIS_URL, maxRetriesPerRequest: null },
    queuePrefix: prefix,
    chunkSize: 20,
    jobAttempts: 1,
    jobBackoffMs: 100,
    workerConcurrency: 1,
    lockDurationMs: 5_000,
    historyDays: 400,
    marksRelay: fast,
    ...overrides,
  });
  const build = (s: BillingSettings, options: BillingFactoryOptions = {}) => {
    const b = createBilling(pool, ch, s, options);
    components.push(b);
    return b;
  };
  /** Migration v5's backfill statement: outbox rows derived in SQL from the bills' reading_sources. */
  const backfill = () => {
    const v5 = BILLING_MIGRATIONS.find((m) => m.version === 5)!.sql;
    // v5 ran while reading_sources was jsonb; from v11 it is json, so the statement reads it as jsonb here.
    return v5.slice(v5.indexOf('INSERT INTO billed_reading_outbox')).replaceAll('b.reading_sources', 'b.reading_sources::jsonb');
  };
  const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await pool.query<{ n: string }>(sql, params)).rows[0]!.n);
  const chCount = async (sql: string): Promise<number> => {
    const rs = await ch.query({ query: sql, format: 'JSONEachRow' });
    return Number((await rs.json<{ n: string }>())[0]!.n);
  };
  /** Every (reading, bill) mark the committed bills imply, from their stored reading sources. */
  const expectedMarks = async (): Promise<Set<string>> => {
    const { rows } = await pool.query<{ bill_id: string; reading_sources: RegisterReadingSources[] }>('SELECT bill_id, reading_sources FROM bills');
    return new Set(rows.flatMap((r) => billedReadingIds(r.reading_sources).map((id) => `${id}|${r.bill_id}`)));
  };
  const marksInClickHouse = async (): Promise<Set<string>> => {
    const rs = await ch.query({ query: 'SELECT DISTINCT reading_id, bill_id FROM reading_bills', format: 'JSONEachRow' });
    return new Set((await rs.json<{ reading_id: string; bill_id: string }>()).map((r) => `${r.reading_id}|${r.bill_id}`));
  };
  const billChunk = async (b: BillingComponents, accounts: readonly string[]) => {
    const created = await b.runs.create({ runId: randomUUID(), kind: 'bill', period: DEMO_PERIOD, accountIds: accounts, chunkSize: 50, requestedBy: 'test', clientRef: null });
    if (!('run' in created) || !created.created) throw new Error('run not created');
    return { runId: created.run.runId, result: () => b.processor.processChunk(created.run.runId, 0) };
  };

  beforeAll(async () => {
    stores = await openBillingTestStores('it_billed_marks', { count: 20, prefix: 'MK' }, 6);
    ({ pool, ch } = stores);
    billing = build(settings());
  });

  afterAll(async () => {
    for (const b of components) {
      await b.marksRelay.stop().catch(() => undefined);
      await b.queue.obliterate().catch(() => undefined);
      await b.queue.close().catch(() => undefined);
    }
    await stores?.drop();
  });

  it("a chunk queues each new bill's marks in the bills' own transaction (the v5 backfill derives the same rows)", async () => {
    const chunk = await billChunk(billing, accountIds(0, 8));
    expect(await chunk.result()).toMatchObject({ status: 'done', billed: 8, failed: 0 });

    const { rows } = await pool.query<{ bill_id: string; reading_sources: RegisterReadingSources[]; reading_ids: string[]; same_tx: boolean }>(
      `SELECT b.bill_id, b.reading_sources, o.reading_ids, o.created_at = b.issued_at AS same_tx
       FROM bills b LEFT JOIN billed_reading_outbox o USING (bill_id) ORDER BY b.bill_id`,
    );
    expect(rows).toHaveLength(8);
    for (const r of rows) {
      expect(r.reading_ids).toEqual(billedReadingIds(r.reading_sources));
      expect(r.reading_ids.length).toBeGreaterThanOrEqual(2); // an opening and a closing read at least
      // now() is the transaction's start time: equal stamps mean the bill and its marks committed together.
      expect(r.same_tx).toBe(true);
    }

    // Bills issued before migration v5 get their rows from its backfill: the same rows, derived in SQL.
    const snapshot = async () => (await pool.query('SELECT bill_id, account_id, period_start::text, period_end::text, reading_ids, created_at FROM billed_reading_outbox ORDER BY bill_id')).rows;
    const before = await snapshot();
    await pool.query('DELETE FROM billed_reading_outbox');
    await pool.query(backfill());
    const after = await snapshot();
    expect(after.map((r) => ({ ...r, reading_ids: [...(r.reading_ids as string[])].sort() }))).toEqual(
      before.map((r) => ({ ...r, reading_ids: [...(r.reading_ids as string[])].sort() })),
    );
  });

  it('a chunk whose transaction rolls back queues no marks; its retry queues them once', async () => {
    const accounts = accountIds(8, 12);
    const chunk = await billChunk(billing, accounts);
    // Fail the chunk's transaction at its last writes (the item updates), after the bills and marks were inserted.
    await pool.query(`CREATE FUNCTION it_fail_items() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await pool.query(`CREATE TRIGGER it_fail_items BEFORE UPDATE ON bill_run_items FOR EACH ROW WHEN (NEW.run_id = '${chunk.runId}') EXECUTE FUNCTION it_fail_items()`);
    await expect(chunk.result()).rejects.toThrow(/injected failure/);
    expect(await count('SELECT count(*) AS n FROM bills WHERE account_id = ANY($1)', [accounts])).toBe(0);
    expect(await count('SELECT count(*) AS n FROM billed_reading_outbox WHERE account_id = ANY($1)', [accounts])).toBe(0);

    await pool.query('DROP TRIGGER it_fail_items ON bill_run_items');
    expect(await chunk.result()).toMatchObject({ status: 'done', billed: 4 });
    expect(await count('SELECT count(*) AS n FROM billed_reading_outbox WHERE account_id = ANY($1)', [accounts])).toBe(4);
    expect(await count('SELECT count(*) AS n FROM billed_reading_outbox')).toBe(12);
  });

  it('the relay delivers every mark; a redelivery (crash after ClickHouse confirmed) and a second run add no new mark', async () => {
    const expected = await expectedMarks();
    const real = new ClickHouseReadingBillWriter(ch);
    // The insert lands, then the connection drops before the outbox delete commits.
    const lostAck: ReadingBillWriter = {
      write: async (rows) => {
        await real.write(rows);
        throw new Error('connection lost after insert');
      },
    };
    const opts = { batchSize: 500, idleMs: 60_000, coalesceMs: 10, retryMinMs: 20, retryMaxMs: 100 };
    await expect(new BilledReadingRelay(pool, lostAck, opts).drainOnce()).rejects.toThrow(/connection lost/);
    expect(await billing.marksRelay.pending()).toBe(12);
    expect(await marksInClickHouse()).toEqual(expected);

    // Sent again; then nothing left, and a second pass moves nothing.
    expect(await billing.marksRelay.drainOnce()).toBe(12);
    expect(await billing.marksRelay.pending()).toBe(0);
    expect(await billing.marksRelay.drainOnce()).toBe(0);
    const raw = await chCount('SELECT count() AS n FROM reading_bills');
    expect(raw).toBe(2 * expected.size); // the duplicates exist until a merge: the reader deduplicates
    expect(await marksInClickHouse()).toEqual(expected);

    // Two relays at once take disjoint rows (SKIP LOCKED): each mark once more in total, not twice.
    await pool.query('DELETE FROM billed_reading_outbox');
    await pool.query(backfill());
    const a = new BilledReadingRelay(pool, real, { ...opts, batchSize: 5 });
    const b = new BilledReadingRelay(pool, real, { ...opts, batchSize: 5 });
    const drain = async (r: BilledReadingRelay) => {
      let moved = 0;
      for (let n = await r.drainOnce(); n > 0; n = await r.drainOnce()) moved += n;
      return moved;
    };
    const moved = await Promise.all([drain(a), drain(b)]);
    expect(moved[0]! + moved[1]!).toBe(12);
    expect(await chCount('SELECT count() AS n FROM reading_bills')).toBe(3 * expected.size);
    expect(await marksInClickHouse()).toEqual(expected);
  });

  it('ClickHouse down: bills still issue, their marks wait in the outbox and are retried with backoff; delivered once it is back', async () => {
    // Nothing listens on port 1; the client's own error log is silenced (the failures are counted below).
    const dead = createClient({ url: 'http://127.0.0.1:1', database: stores.chName, log: { level: ClickHouseLogLevel.OFF } });
    let failures = 0;
    const down = build(settings({ queuePrefix: `${prefix}-down` }), {
      readingBillWriter: new ClickHouseReadingBillWriter(dead),
      marksObserver: { relayed: () => undefined, failed: () => void failures++ },
    });
    try {
      down.marksRelay.start();
      const accounts = accountIds(12, 16);
      const chunk = await billChunk(down, accounts);
      expect(await chunk.result()).toMatchObject({ status: 'done', billed: 4 });
      expect(await count('SELECT count(*) AS n FROM bills WHERE account_id = ANY($1)', [accounts])).toBe(4);
      await eventually(async () => failures >= 3, 10_000, 20);
      expect(await down.marksRelay.pending()).toBe(4);
    } finally {
      await down.marksRelay.stop();
      await dead.close();
    }
    expect(await billing.marksRelay.drainOnce()).toBe(4);
    expect(await billing.marksRelay.pending()).toBe(0);
    expect(await marksInClickHouse()).toEqual(await expectedMarks());
  });

  it('a running relay is woken by a finished chunk rather than its idle poll (60 s here)', async () => {
    billing.marksRelay.start();
    await new Promise((r) => setTimeout(r, 200)); // its first pass found nothing; it now sleeps for a minute unless nudged
    const started = Date.now();
    const chunk = await billChunk(billing, accountIds(16, 20));
    expect(await chunk.result()).toMatchObject({ status: 'done', billed: 4 });
    await eventually(async () => (await billing.marksRelay.pending()) === 0, 10_000, 20);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await marksInClickHouse()).toEqual(await expectedMarks());
    await billing.marksRelay.stop();
  });
});
