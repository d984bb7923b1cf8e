import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { seedReferenceData } from '@surge-test/support/billing.seeder';
import { openScratchPostgres, raceTransactions, type ScratchPostgres } from '@surge-test/support/postgres-scratch.fixture';

/**
 * A run item always belongs to a chunk that exists (migration v14: checked once per statement, on FOR KEY SHARE
 * locks of the chunks it names, instead of the declared bill_run_items -> bill_run_chunks foreign key checked item
 * by item), against real PostgreSQL: an item for a missing chunk is refused with the key's SQLSTATE and nothing of
 * its statement is written; deleting a run still takes its chunks and items with it; keys never move; and a chunk
 * deleted while items are inserted for it cannot leave those items behind.
 */
describe('bill run items -> chunks reference (PostgreSQL)', () => {
  let db: ScratchPostgres;
  let pool: Pool;
  const refused = { code: '23503', message: expect.stringMatching(/^bill_run_items_chunk_exists/) };

  const newRun = async (chunks: number): Promise<string> => {
    const runId = randomUUID();
    await pool.query(
      `INSERT INTO bill_runs (run_id, kind, period_start, period_end, selection, requested_by, status, chunk_size)
       VALUES ($1, 'bill', '2022-03-01', '2022-04-01', 'all', 'test', 'running', 10)`,
      [runId],
    );
    await pool.query(`INSERT INTO bill_run_chunks (run_id, chunk_index, status, accounts) SELECT $1, i, 'pending', 10 FROM generate_series(0, $2::int - 1) AS i`, [
      runId,
      chunks,
    ]);
    return runId;
  };
  const addItems = (runId: string, items: readonly [string, number][], client: Pool | PoolClient = pool) =>
    client.query(`INSERT INTO bill_run_items (run_id, account_id, chunk_index, status) SELECT $1, a, c, 'pending' FROM unnest($2::text[], $3::int[]) AS x (a, c)`, [
      runId,
      items.map((i) => i[0]),
      items.map((i) => i[1]),
    ]);
  const itemsOf = async (runId: string): Promise<number> =>
    Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM bill_run_items WHERE run_id = $1', [runId])).rows[0]!.n);

  beforeAll(async () => {
    db = await openScratchPostgres('it_runitems');
    pool = db.pool;
    await seedReferenceData(pool);
  });

  afterAll(async () => {
    await db?.close();
  });

  it('no longer declares the item-by-item foreign key (v14)', async () => {
    const { rows } = await pool.query(`SELECT conname FROM pg_constraint WHERE conrelid = 'bill_run_items'::regclass AND contype = 'f'`);
    expect(rows).toEqual([]);
  });

  it('refuses items for a chunk that does not exist, and writes nothing of their statement', async () => {
    const runId = await newRun(2);
    await expect(addItems(runId, [['A-1', 0], ['A-2', 1], ['A-3', 2]])).rejects.toMatchObject(refused);
    await expect(addItems(randomUUID(), [['A-1', 0]])).rejects.toMatchObject(refused);
    expect(await itemsOf(runId)).toBe(0);
    // Many items of one chunk are one chunk named, not many.
    await addItems(runId, [['A-1', 0], ['A-2', 0], ['A-3', 1]]);
    expect(await itemsOf(runId)).toBe(3);
  });

  it('an item never moves to another chunk and a chunk never changes its key; the status update still works', async () => {
    const runId = await newRun(2);
    await addItems(runId, [['B-1', 0]]);
    await expect(pool.query(`UPDATE bill_run_items SET chunk_index = 7 WHERE run_id = $1`, [runId])).rejects.toMatchObject(refused);
    await expect(pool.query(`UPDATE bill_run_chunks SET chunk_index = chunk_index + 10 WHERE run_id = $1`, [runId])).rejects.toMatchObject(refused);
    await pool.query(`UPDATE bill_run_items SET status = 'billed', updated_at = now() WHERE run_id = $1`, [runId]);
    await expect(pool.query('TRUNCATE bill_run_chunks CASCADE')).rejects.toMatchObject(refused);
  });

  it('deleting a run still deletes its chunks and their items (the cascade the key gave)', async () => {
    const runId = await newRun(3);
    const other = await newRun(1);
    await addItems(runId, [['C-1', 0], ['C-2', 1], ['C-3', 2]]);
    await addItems(other, [['C-1', 0]]);
    await pool.query('DELETE FROM bill_runs WHERE run_id = $1', [runId]);
    expect(await itemsOf(runId)).toBe(0);
    expect(await itemsOf(other)).toBe(1);
  });

  it('a chunk deleted while items are inserted for it: the delete waits, then takes the items with it', async () => {
    const runId = await newRun(1);
    const outcome = await raceTransactions(
      pool,
      (c) => addItems(runId, [['D-1', 0], ['D-2', 0]], c),
      (c) => c.query('DELETE FROM bill_run_chunks WHERE run_id = $1', [runId]),
    );
    expect(outcome).toBe('done');
    expect(await itemsOf(runId)).toBe(0);
  });

  it('items inserted while their chunk is deleted: the insert waits, then is refused', async () => {
    const runId = await newRun(1);
    const outcome = await raceTransactions(
      pool,
      (c) => c.query('DELETE FROM bill_run_chunks WHERE run_id = $1', [runId]),
      (c) => addItems(runId, [['E-1', 0]], c),
    );
    expect(outcome).toMatchObject(refused);
    expect(await itemsOf(runId)).toBe(0);
  });
});
