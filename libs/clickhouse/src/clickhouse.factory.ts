import { createClient, type ClickHouseClient } from '@clickhouse/client';

export interface ClickHouseSettings {
  url: string;
  database: string;
  username: string;
  password: string;

  /**
   * How long one request may take before the client gives up (a frozen or
   * unreachable server). Batch writers and bill runs keep the 30 s default;
   * interactive reads set CLICKHOUSE_QUERY_TIMEOUT_MS (a few seconds) so a
   * caller gets 503 + Retry-After promptly instead of waiting 30 s.
   */
  requestTimeoutMs?: number;
}

/** The CLICKHOUSE_* fields every app parses once at start-up (libs/config/src/config.fields.ts infraFields). */
export interface ClickHouseConfig {
  readonly CLICKHOUSE_URL: string;
  readonly CLICKHOUSE_DATABASE: string;
  readonly CLICKHOUSE_USER: string;
  readonly CLICKHOUSE_PASSWORD: string;
}

/**
 * Client settings from an app's parsed config, the one way every app and script builds them. Interactive
 * readers pass CLICKHOUSE_QUERY_TIMEOUT_MS and probes their own short timeout; batch writers and migrations
 * pass nothing and keep the 30 s default.
 */
export function clickHouseSettingsFrom(config: ClickHouseConfig, requestTimeoutMs?: number): ClickHouseSettings {
  return {
    url: config.CLICKHOUSE_URL,
    database: config.CLICKHOUSE_DATABASE,
    username: config.CLICKHOUSE_USER,
    password: config.CLICKHOUSE_PASSWORD,
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
  };
}

/** A client bound to the platform's database. `request_timeout` keeps a stuck server from stalling a caller forever. */
export function createClickHouse(settings: ClickHouseSettings, database: string | null = settings.database): ClickHouseClient {
  return createClient({
    url: settings.url,
    username: settings.username,
    password: settings.password,
    ...(database ? { database } : {}),
    request_timeout: settings.requestTimeoutMs ?? 30_000,
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
