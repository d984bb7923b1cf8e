import { Pool } from 'pg';

export interface PostgresPoolOptions {
  max?: number;
  applicationName?: string;
  /**
   * Called when an idle pooled connection dies (server restart, failover,
   * DROP DATABASE ... WITH (FORCE), an administrator's terminate). pg drops that
   * client and the next checkout opens a new one, so this is news, not a
   * failure. Without a listener pg's Pool re-emits it as an unhandled 'error'
   * event, which would take the whole process down on a database restart.
   */
  onIdleError?: (err: Error) => void;
}

/** A bounded pool: a database slowdown turns into waiting callers and timeouts, not unbounded connections. */
export function createPostgresPool(connectionString: string, opts: PostgresPoolOptions = {}): Pool {
  const pool = new Pool({
    connectionString,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'surge',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 60_000,
  });
  pool.on('error', opts.onIdleError ?? (() => undefined));
  return pool;
}
