import type { ClickHouseClient } from '@clickhouse/client';
import type { ReadingBillRow } from '../billed-mark/billed-reading.mapper';

/** Where billed-reading marks go: the narrow interface the relay depends on (tests inject faults). */
export interface ReadingBillWriter {
  /** Resolves only once the store has the rows; rejects otherwise (the caller keeps them and retries). */
  write(rows: readonly ReadingBillRow[]): Promise<void>;
}

/**
 * Writes marks to ClickHouse `reading_bills` (libs/billing-contracts/src/reading-bills.table.ts): one
 * synchronous JSONEachRow insert, confirmed when the server has written the part. Writing the same
 * rows again is harmless: identical rows, collapsed by ReplacingMergeTree and by every query.
 * Billing's only write to ClickHouse; it never reads this table.
 */
export class ClickHouseReadingBillWriter implements ReadingBillWriter {
  constructor(private readonly ch: ClickHouseClient) {}

  async write(rows: readonly ReadingBillRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.ch.insert({ table: 'reading_bills', format: 'JSONEachRow', values: [...rows] });
  }
}
