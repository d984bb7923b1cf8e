import type { Pool, PoolClient } from 'pg';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase } from '@surge/postgres/postgres.migrator';
import { testEnv, uniqueName } from './test-env.config';

/** A PostgreSQL database of a test file's own, on the real server; close() drops it. */
export interface ScratchPostgres {
  readonly pool: Pool;
  close(): Promise<void>;
}

export async function openScratchPostgres(prefix: string, poolSize = 4): Promise<ScratchPostgres> {
  const name = uniqueName(prefix);
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  await ensurePostgresDatabase(admin, name);
  const url = new URL(testEnv.DATABASE_URL);
  url.pathname = `/${name}`;
  const pool = createPostgresPool(url.toString(), { max: poolSize });
  return {
    pool,
    async close() {
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * Two transactions racing for a lock: `first` runs in transaction A, then `second` in transaction B, which must
 * still be waiting 300 ms later (A holds what it needs); then A commits. Returns 'done' if B's statement then
 * succeeded (B commits) or the error it failed with (B rolls back).
 */
export async function raceTransactions(
  pool: Pool,
  first: (client: PoolClient) => Promise<unknown>,
  second: (client: PoolClient) => Promise<unknown>,
): Promise<unknown> {
  const a = await pool.connect();
  const b = await pool.connect();
  try {
    await a.query('BEGIN');
    await b.query('BEGIN');
    await first(a);
    let settled = false;
    const racing = second(b).finally(() => {
      settled = true;
    });
    racing.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (settled) throw new Error('the second transaction did not wait for the first');
    await a.query('COMMIT');
    const outcome = await racing.then(
      () => 'done',
      (error: unknown) => error,
    );
    await b.query(outcome === 'done' ? 'COMMIT' : 'ROLLBACK');
    return outcome;
  } finally {
    a.release();
    b.release();
  }
}
