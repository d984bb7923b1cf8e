import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { seedPopulation, seedReferenceData } from '@surge-test/support/billing.seeder';
import { demoAccount } from '@surge-test/fixtures/demo-population.generator';
import { openScratchPostgres, type ScratchPostgres } from '@surge-test/support/postgres-scratch.fixture';

/**
 * The guard that no two ordinary bills of an account share a day (migration v10: once per statement over the
 * statement's new rows, instead of v4's row trigger), against real PostgreSQL: every way a bill gets in (one row,
 * many rows, COPY-sized batches, two writers racing) still cannot bill a day twice, and an exact repeat is still
 * left to the unique constraint (ON CONFLICT DO NOTHING).
 */
describe('bills overlap guard (PostgreSQL)', () => {
  let db: ScratchPostgres;
  let pool: Pool;
  const account = (n: number): string => demoAccount(n, 'O').accountId;
  const row = (accountId: string, start: string, end: string): string =>
    `('${randomUUID()}', '${accountId}', '${start}', '${end}', 'bill', 'A', true, 1, false, false, 100, 5, 105, '[]', '[]')`;
  const insert = (rows: string[], client: Pool | PoolClient = pool, onConflict = '') =>
    client.query(
      `INSERT INTO bills (bill_id, account_id, period_start, period_end, kind, category, domestic, supply_days, estimated, result_estimated,
                          net_pence, vat_pence, total_pence, registers, reading_sources) VALUES ${rows.join(', ')} ${onConflict}`,
    );
  const billsOf = async (accountId: string): Promise<number> =>
    Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM bills WHERE account_id = $1', [accountId])).rows[0]!.n);

  beforeAll(async () => {
    db = await openScratchPostgres('it_billoverlap');
    pool = db.pool;
    await seedReferenceData(pool);
    await seedPopulation(pool, { count: 20, prefix: 'O', batchSize: 20 });
  });

  afterAll(async () => {
    await db?.close();
  });

  it('runs once per INSERT or COPY statement, not once per bill (v10)', async () => {
    const { rows } = await pool.query<{ tgtype: number }>(`SELECT tgtype FROM pg_trigger WHERE tgrelid = 'bills'::regclass AND tgname = 'bills_no_overlap'`);
    expect(rows).toHaveLength(1);
    // tgtype bit 0: FOR EACH ROW; bit 1: BEFORE; bit 2: INSERT.
    expect(rows[0]!.tgtype & 1).toBe(0);
    expect(rows[0]!.tgtype & 2).toBe(0);
    expect(rows[0]!.tgtype & 4).toBe(4);
  });

  it('refuses a bill overlapping a committed one, and two overlapping bills in one statement', async () => {
    await insert([row(account(0), '2022-03-01', '2022-05-01')]);
    await expect(insert([row(account(0), '2022-04-15', '2022-04-20')])).rejects.toMatchObject({ code: '23P01', message: expect.stringMatching(/^bills_no_overlap/) });
    await expect(insert([row(account(0), '2022-02-01', '2022-03-02')])).rejects.toMatchObject({ code: '23P01' });
    // The whole statement fails: the good row beside the bad one is not written either.
    await expect(insert([row(account(1), '2022-03-01', '2022-05-01'), row(account(1), '2022-04-01', '2022-06-01')])).rejects.toMatchObject({ code: '23P01' });
    expect(await billsOf(account(1))).toBe(0);
    // Back-to-back periods share no day: both go in, in one statement, next to other accounts' bills.
    await insert([row(account(2), '2022-03-01', '2022-05-01'), row(account(2), '2022-05-01', '2022-06-01'), row(account(3), '2022-03-01', '2022-05-01')]);
    expect(await billsOf(account(2))).toBe(2);
  });

  it('leaves an exact repeat to the unique constraint: ON CONFLICT DO NOTHING skips it without an error', async () => {
    await insert([row(account(4), '2022-03-01', '2022-05-01')]);
    const again = await insert([row(account(4), '2022-03-01', '2022-05-01'), row(account(5), '2022-03-01', '2022-05-01')], pool, 'ON CONFLICT DO NOTHING');
    expect(again.rowCount).toBe(1);
    expect(await billsOf(account(4))).toBe(1);
    await expect(insert([row(account(4), '2022-03-01', '2022-05-01')])).rejects.toMatchObject({ code: '23505' });
  });

  it('two writers racing overlapping bills for one account: the second waits for the first, then fails', async () => {
    const first = await pool.connect();
    const second = await pool.connect();
    try {
      await first.query('BEGIN');
      await second.query('BEGIN');
      await insert([row(account(6), '2022-03-01', '2022-05-01'), row(account(7), '2022-03-01', '2022-05-01')], first);
      // The second writer's check needs account 6's lock, which the first holds until it ends.
      let settled = false;
      const racing = insert([row(account(6), '2022-04-01', '2022-06-01')], second).finally(() => {
        settled = true;
      });
      racing.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      await first.query('COMMIT');
      await expect(racing).rejects.toMatchObject({ code: '23P01' });
      await second.query('ROLLBACK');
    } finally {
      first.release();
      second.release();
    }
    expect(await billsOf(account(6))).toBe(1);
  });

  it('checks a chunk-sized statement against the bills already there (planned afresh, not from an empty table)', async () => {
    // Many bills first, so a plan made while the table was small would be the wrong one; then a 500-bill statement
    // with one overlap among them.
    const rows = Array.from({ length: 500 }, (_, i) => row(`BULK-${i}`, '2022-03-01', '2022-05-01'));
    await pool.query(`INSERT INTO accounts (account_id, category, domestic, vat_rate) SELECT 'BULK-' || i, 'A', true, 0.05 FROM generate_series(0, 999) AS i`);
    await insert(rows);
    const next = Array.from({ length: 500 }, (_, i) => row(`BULK-${500 + i}`, '2022-03-01', '2022-05-01'));
    next[250] = row('BULK-250', '2022-04-30', '2022-05-02');
    await expect(insert(next)).rejects.toMatchObject({ code: '23P01', message: expect.stringContaining('BULK-250') });
    next[250] = row('BULK-250', '2022-05-01', '2022-06-01');
    await insert(next);
    expect(Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM bills WHERE account_id LIKE 'BULK-%'`)).rows[0]!.n)).toBe(1000);
  });
});
