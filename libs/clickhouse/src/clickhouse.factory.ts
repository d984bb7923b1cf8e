import { createClient, type ClickHouseClient } from '@clickhouse/client';

export interface ClickHouseSettings {
  url: string;
  database: string;
  username: string;
  password: string;
}

/** A client bound to the platform's database. `request_timeout` keeps a stuck server from stalling a batch forever. */
export function createClickHouse(settings: ClickHouseSettings, database: string | null = settings.database): ClickHouseClient {
  return createClient({
    url: settings.url,
    username: settings.username,
    password: settings.password,
    ...(database ? { database } : {}),
    request_timeout: 30_000,
    max_open_connections: 10,
    compression: { request: false, response: false },
    clickhouse_settings: {},
  });
}

export async function ensureDatabase(settings: ClickHouseSettings): Promise<void> {
  const admin = createClickHouse(settings, null);
  try {
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${settings.database}` });
  } finally {
    await admin.close();
  }
}
