import type { Pool } from 'pg';

export interface PostgresMigration {
  readonly version: number;
  readonly name: string;
  /** Runs in one transaction with the bookkeeping row: a migration applies whole or not at all. */
  readonly sql: string;
}

/**
 * Applies a component's pending migrations in version order. Each component
 * (billing, csat) owns its list and its tracking table, so they evolve
 * independently. A transaction-level advisory lock, keyed by the tracking
 * table, serialises concurrent starters: the second waits, then finds
 * nothing left to do.
 */
export async function migratePostgres(pool: Pool, migrations: readonly PostgresMigration[], trackingTable: string): Promise<number[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(trackingTable)) throw new Error(`bad tracking table name ${trackingTable}`);
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [trackingTable]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${trackingTable} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${trackingTable}`);
    const done = new Set(rows.map((r) => r.version));
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query(`INSERT INTO ${trackingTable} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Creates a database if missing (tests give each suite its own). */
export async function ensurePostgresDatabase(adminPool: Pool, database: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`bad database name ${database}`);
  const { rowCount } = await adminPool.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (!rowCount) await adminPool.query(`CREATE DATABASE ${database}`).catch((e: { code?: string }) => {
    if (e.code !== '42P04') throw e; // created concurrently
  });
}
