/** The ClickHouse client for reading lookups (short request timeout: interactive). */
export const CLICKHOUSE = Symbol('CLICKHOUSE');
