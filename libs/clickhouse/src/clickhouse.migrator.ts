import type { ClickHouseClient } from '@clickhouse/client';
import { sqlString } from './clickhouse.sql';

/**
 * One step of a component's ClickHouse schema. Each component (feature) owns its ordered, append-only
 * list and its tracking table. Statements must be idempotent (IF NOT EXISTS) so a half-applied migration
 * can simply run again.
 */
export interface ClickHouseMigration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly (string | AddColumn)[];
}

/**
 * A column added to an existing table. ClickHouse 18.16 has no `ADD COLUMN IF NOT EXISTS`, so the
 * migrator looks in system.columns first: a half-applied migration (or two instances starting together)
 * runs it again harmlessly, like every other statement.
 */
export interface AddColumn {
  readonly addColumn: { readonly table: string; readonly column: string; readonly definition: string };
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
    for (const statement of m.statements) {
      if (typeof statement === 'string') await client.command({ query: statement });
      else await addColumnOnce(client, statement.addColumn);
    }
    await client.insert({
      table: trackingTable,
      values: [{ version: m.version, name: m.name, applied_at: Math.floor(Date.now() / 1000) }],
      format: 'JSONEachRow',
    });
    done.push(m.version);
  }
  return done;
}

const NAME = /^[a-z_][a-z0-9_]*$/;

async function addColumnOnce(client: ClickHouseClient, { table, column, definition }: AddColumn['addColumn']): Promise<void> {
  if (!NAME.test(table) || !NAME.test(column)) throw new Error(`bad table or column name ${table}.${column}`);
  const rs = await client.query({
    query: `SELECT count() AS n FROM system.columns WHERE database = currentDatabase() AND table = ${sqlString(table)} AND name = ${sqlString(column)}`,
    format: 'JSONEachRow',
  });
  if (Number((await rs.json<{ n: string }>())[0]?.n ?? 0) > 0) return;
  try {
    await client.command({ query: `ALTER TABLE ${table} ADD COLUMN ${column} ${definition}` });
  } catch (error) {
    // Another instance added it between the look and the ALTER.
    if (!/already exists/i.test(String((error as Error)?.message))) throw error;
  }
}
