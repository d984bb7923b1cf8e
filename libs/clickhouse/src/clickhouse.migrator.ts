import type { ClickHouseClient } from '@clickhouse/client';

/**
 * One step of a component's ClickHouse schema. Each component (feature) owns its ordered, append-only
 * list and its tracking table. Statements must be idempotent (IF NOT EXISTS) so a half-applied migration
 * can simply run again.
 */
export interface ClickHouseMigration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/**
 * Applies pending migrations in version order and records each in the
 * component's tracking table (each component owns its list and table). Every statement is idempotent, so two instances
 * starting together at worst both apply the same statement harmlessly.
 */
export async function migrateClickHouse(
  client: ClickHouseClient,
  migrations: readonly ClickHouseMigration[],
  trackingTable = 'schema_migrations',
): Promise<number[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(trackingTable)) throw new Error(`bad tracking table name ${trackingTable}`);
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${trackingTable} (version UInt32, name String, applied_at DateTime('UTC'))
            ENGINE = ReplacingMergeTree() ORDER BY version`,
  });
  const rs = await client.query({ query: `SELECT DISTINCT version FROM ${trackingTable}`, format: 'JSONEachRow' });
  const applied = new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)));
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    for (const statement of m.statements) await client.command({ query: statement });
    await client.insert({
      table: trackingTable,
      values: [{ version: m.version, name: m.name, applied_at: Math.floor(Date.now() / 1000) }],
      format: 'JSONEachRow',
    });
    done.push(m.version);
  }
  return done;
}
