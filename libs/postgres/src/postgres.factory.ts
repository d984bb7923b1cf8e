import { Pool } from 'pg';

/** A bounded pool: a database slowdown turns into waiting callers and timeouts, not unbounded connections. */
export function createPostgresPool(connectionString: string, opts: { max?: number; applicationName?: string } = {}): Pool {
  return new Pool({
    connectionString,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'surge',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 60_000,
  });
}
