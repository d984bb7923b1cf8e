import { createPostgresPool } from './postgres.factory';
import { eventually, testEnv } from '@surge/testing/test-env';

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
});
