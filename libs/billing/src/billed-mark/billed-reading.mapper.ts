// Bills -> "billed" marks on the readings they used. Pure: no I/O.
//
// A mark says: reading R (ClickHouse reading id) was used by bill B for
// [periodStart, periodEnd). It travels PostgreSQL outbox (one row per new
// bill, written with the bill) -> relay -> ClickHouse reading_bills (one row
// per reading and bill), where the read API finds it. Only readings a bill
// actually stands on count: each register's opening, intermediate and closing
// reads taken from ClickHouse. Readings used only as history for an estimate,
// a previous bill's closing reading and an estimated closing are not marks.
import type { RegisterReadingSources } from '../bills/bill-input.builder';
import type { NewBill } from '../bills/bill-row.mapper';

/** One outbox row, as stored (column names) and as json_to_recordset receives it. */
export interface BilledReadingOutboxRow {
  readonly bill_id: string;
  readonly account_id: string;
  readonly period_start: string;
  readonly period_end: string;
  readonly reading_ids: readonly string[];
}

/** One row of ClickHouse `reading_bills`. `billed_at` is ClickHouse DateTime text (UTC, 'YYYY-MM-DD hh:mm:ss'). */
export interface ReadingBillRow {
  readonly account_id: string;
  readonly reading_id: string;
  readonly bill_id: string;
  readonly period_start: string;
  readonly period_end: string;
  readonly billed_at: string;
}

/** The distinct ClickHouse reading ids a bill's registers stand on, in register order. */
export function billedReadingIds(sources: readonly RegisterReadingSources[]): string[] {
  const ids = new Set<string>();
  for (const register of sources) {
    for (const source of [register.opening, ...register.intermediate, register.closing]) {
      if (source.from === 'reading') ids.add(source.readingId);
    }
  }
  return [...ids];
}

/** Outbox rows for the bills actually inserted; a bill that used no stored reading queues nothing. */
export function outboxRowsFor(bills: readonly NewBill[], inserted: ReadonlySet<string>): BilledReadingOutboxRow[] {
  const rows: BilledReadingOutboxRow[] = [];
  for (const b of bills) {
    if (!inserted.has(b.bill.billId)) continue;
    const readingIds = billedReadingIds(b.readingSources);
    if (readingIds.length === 0) continue;
    rows.push({ bill_id: b.bill.billId, account_id: b.bill.accountId, period_start: b.bill.period.start, period_end: b.bill.period.end, reading_ids: readingIds });
  }
  return rows;
}

/** One ClickHouse row per (reading, bill). Deterministic: relaying the same outbox row again writes identical rows. */
export function readingBillRows(row: BilledReadingOutboxRow & { readonly created_at: string }): ReadingBillRow[] {
  return row.reading_ids.map((readingId) => ({
    account_id: row.account_id,
    reading_id: readingId,
    bill_id: row.bill_id,
    period_start: row.period_start,
    period_end: row.period_end,
    billed_at: row.created_at,
  }));
}
