import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { seedPopulation, seedReferenceData } from '@surge-test/support/billing.seeder';
import { demoAccount } from '@surge-test/fixtures/demo-population.generator';
import { openScratchPostgres, raceTransactions, type ScratchPostgres } from '@surge-test/support/postgres-scratch.fixture';

/**
 * A bill always names an account that exists (migration v13: checked once per statement on the locks the overlap
 * guard takes, instead of the declared bills -> accounts foreign key checked row by row), against real PostgreSQL:
 * a bill for a missing account is refused with the foreign key's SQLSTATE and nothing of its statement is written;
 * an account with bills cannot be deleted, renumbered or truncated; and a delete racing an insert for one account
 * cannot leave a bill pointing at nothing, whichever of the two commits first.
 */
describe('bills -> accounts reference (PostgreSQL)', () => {
  let db: ScratchPostgres;
  let pool: Pool;
  const account = (n: number): string => demoAccount(n, 'R').accountId;
  const bill = (accountId: string, start = '2022-03-01', end = '2022-05-01', id: string = randomUUID()): string =>
    `('${id}', '${accountId}', '${start}', '${end}', 'bill', 0, NULL, NULL, 'A', true, 1, false, false, 100, 5, 105, '[]', '[]')`;
  const correction = (accountId: string, corrects: string): string =>
    `('${randomUUID()}', '${accountId}', '2022-03-01', '2022-05-01', 'correction', 1, '${corrects}', '{}', 'A', true, 1, false, false, 10, 1, 11, '[]', '[]')`;
  const insert = (rows: string[], client: Pool | PoolClient = pool) =>
    client.query(
      `INSERT INTO bills (bill_id, account_id, period_start, period_end, kind, revision, corrects_bill_id, recomputed, category, domestic,
                          supply_days, estimated, result_estimated, net_pence, vat_pence, total_pence, registers, reading_sources)
       VALUES ${rows.join(', ')}`,
    );
  const billsOf = async (accountId: string): Promise<number> =>
    Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM bills WHERE account_id = $1', [accountId])).rows[0]!.n);
  // An account with nothing else pointing at it (no supply points), so only the bills decide whether it can go.
  const bareAccount = async (id: string): Promise<string> => {
    await pool.query(`INSERT INTO accounts (account_id, category, domestic, vat_rate) VALUES ($1, 'A', true, 0.05)`, [id]);
    return id;
  };
  const refused = { code: '23503', message: expect.stringMatching(/^bills_account_exists/) };

  beforeAll(async () => {
    db = await openScratchPostgres('it_billaccount');
    pool = db.pool;
    await seedReferenceData(pool);
    await seedPopulation(pool, { count: 10, prefix: 'R', batchSize: 10 });
  });

  afterAll(async () => {
    await db?.close();
  });

  it('no longer declares the row-by-row foreign key (v13)', async () => {
    const { rows } = await pool.query(`SELECT conname FROM pg_constraint WHERE conrelid = 'bills'::regclass AND contype = 'f' AND confrelid = 'accounts'::regclass`);
    expect(rows).toEqual([]);
  });

  it('refuses a bill for an account that does not exist, and writes nothing of its statement', async () => {
    await expect(insert([bill(account(0)), bill('NO-SUCH-ACCOUNT')])).rejects.toMatchObject({
      ...refused,
      message: expect.stringContaining('NO-SUCH-ACCOUNT'),
    });
    expect(await billsOf(account(0))).toBe(0);
    expect(await billsOf('NO-SUCH-ACCOUNT')).toBe(0);
    // The same account twice in one statement is one account, not a missing one.
    await insert([bill(account(0), '2022-03-01', '2022-04-01'), bill(account(0), '2022-04-01', '2022-05-01')]);
    expect(await billsOf(account(0))).toBe(2);
  });

  it('refuses a correction for an account that does not exist (corrections are checked too, not only ordinary bills)', async () => {
    const original = randomUUID();
    await insert([bill(account(1), '2022-03-01', '2022-05-01', original)]);
    await expect(insert([correction('NO-SUCH-ACCOUNT', original)])).rejects.toMatchObject(refused);
    await insert([correction(account(1), original)]);
    expect(await billsOf(account(1))).toBe(2);
  });

  it('an account with bills cannot be deleted, renumbered or truncated; its other columns still change', async () => {
    await insert([bill(account(2))]);
    await expect(pool.query('DELETE FROM accounts WHERE account_id = $1', [account(2)])).rejects.toMatchObject(refused);
    await expect(pool.query(`UPDATE accounts SET account_id = 'RENUMBERED' WHERE account_id = $1`, [account(2)])).rejects.toMatchObject(refused);
    // CASCADE, so the other tables' declared keys do not refuse first: the guard is what stops it.
    await expect(pool.query('TRUNCATE accounts CASCADE')).rejects.toMatchObject(refused);
    await pool.query(`UPDATE accounts SET category = 'B' WHERE account_id = $1`, [account(2)]);
    expect(await billsOf(account(2))).toBe(1);
    // Without bills an account still goes.
    const unbilled = await bareAccount('UNBILLED-1');
    expect((await pool.query('DELETE FROM accounts WHERE account_id = $1', [unbilled])).rowCount).toBe(1);
  });

  it('a delete racing an insert: the delete waits for the bill, then is refused', async () => {
    const id = await bareAccount('RACE-BILL-FIRST');
    const outcome = await raceTransactions(
      pool,
      (c) => insert([bill(id)], c),
      (c) => c.query('DELETE FROM accounts WHERE account_id = $1', [id]),
    );
    expect(outcome).toMatchObject(refused);
    expect(await billsOf(id)).toBe(1);
  });

  it('an insert racing a delete: the bill waits for the delete, then is refused', async () => {
    const id = await bareAccount('RACE-DELETE-FIRST');
    const outcome = await raceTransactions(
      pool,
      (c) => c.query('DELETE FROM accounts WHERE account_id = $1', [id]),
      (c) => insert([bill(id)], c),
    );
    expect(outcome).toMatchObject(refused);
    expect(await billsOf(id)).toBe(0);
  });
});
