import { Pool } from 'pg';

export interface PostgresPoolOptions {
  max?: number;
  applicationName?: string;
  /**
   * Called when a pooled connection dies while no query of its own is
   * running (server restart or immediate shutdown, failover, DROP DATABASE
   * ... WITH (FORCE), an administrator's terminate), whether it sat idle in
   * the pool or was checked out (a transaction between two queries). An idle
   * one is dropped and the next checkout opens a new one; a checked-out one
   * fails its holder's next query, whose rollback fails too, so it is
   * released as broken (`inTransaction`). Either way this is news, not a
   * failure: without a listener the 'error' event is unhandled and takes the
   * whole process down on a database restart.
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
  const onError = opts.onIdleError ?? (() => undefined);
  // Idle clients: the pool re-emits their errors.
  pool.on('error', onError);
  // Checked-out clients: the pool removes its own listener while a client is
  // lent out, so each client carries one of ours for its whole life.
  pool.on('connect', (client) => {
    client.on('error', (error: Error) => {
      if (!idle.has(client)) onError(error);
    });
  });
  // An idle client's error reaches onError through the pool already: do not report it twice.
  const idle = new WeakSet<object>();
  pool.on('acquire', (client) => idle.delete(client));
  pool.on('release', (_error, client) => idle.add(client));
  return pool;
}
