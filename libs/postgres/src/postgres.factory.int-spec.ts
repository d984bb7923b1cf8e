import { createPostgresPool } from './postgres.factory';
import { eventually, testEnv } from '@surge-test/support/test-env.config';

describe('createPostgresPool (real PostgreSQL)', () => {
  // Regression: an idle connection killed by the server used to surface as an
  // unhandled 'error' event (a crash in a service, a failure in a later test).
  it('survives the server terminating an idle connection, and reconnects on the next query', async () => {
    const errors: Error[] = [];
    const pool = createPostgresPool(testEnv.DATABASE_URL, { max: 1, applicationName: 'it-idle-kill', onIdleError: (e) => errors.push(e) });
    const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
    try {
      const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await eventually(async () => (errors.length > 0 ? true : null), 5_000);
      expect(errors[0]!.message).toMatch(/terminating connection/);
      const again = await pool.query<{ one: number }>('SELECT 1 AS one');
      expect(again.rows[0]!.one).toBe(1);
    } finally {
      await pool.end();
      await admin.end();
    }
  });

  // Issue 11, item 2: billing crashed when PostgreSQL died mid bill run
  // ("Unhandled 'error' event ... write EPIPE"): a connection checked out of
  // the pool (inside a chunk's transaction, between two queries) has no
  // listener of the pool's, so its 'error' event killed the process.
  it('survives the server killing a checked-out connection between two queries; the next checkout works', async () => {
    const errors: Error[] = [];
    const pool = createPostgresPool(testEnv.DATABASE_URL, { max: 1, applicationName: 'it-busy-kill', onIdleError: (e) => errors.push(e) });
    const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
    try {
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await eventually(async () => (errors.length > 0 ? true : null), 5_000);
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(true);
      const again = await pool.query<{ one: number }>('SELECT 1 AS one');
      expect(again.rows[0]!.one).toBe(1);
    } finally {
      await pool.end();
      await admin.end();
    }
  });
});
