import type { ClickHouseClient } from '@clickhouse/client';
import { sqlInt, sqlString as quote, sqlStringList } from '@surge/clickhouse/clickhouse.sql';
import { canonicalReadingValue } from '@surge/meter-domain/reading-value.parser';
import { parseInstant } from '@surge/meter-domain/instant.model';
import type { HistoricReading, MeterReadingRepository, ReadingBill, ReadingStatus, ReadingWithBills, RegisterKey, StoredReading } from '../meter-reading.repository';
import { registerKeyOf } from '../meter-reading.repository';
import type { ReviewRecord } from '@surge/reading-contracts/reading-review.event';

export const COLUMNS = `reading_id, any(account_id) AS c_account_id, any(supply_point_id) AS c_supply_point_id, any(fuel) AS c_fuel,
  any(meter_serial) AS c_meter_serial, any(register_id) AS c_register_id, toString(any(read_at)) AS c_read_at,
  toString(any(value)) AS c_value, any(unit) AS c_unit, any(source) AS c_source, any(channel) AS c_channel,
  argMax(status, version) AS c_status, argMax(reason_code, version) AS c_reason_code, argMax(industry_code, version) AS c_industry_code,
  argMax(message, version) AS c_message, argMax(duplicate_of, version) AS c_duplicate_of, argMax(backdated, version) AS c_backdated,
  argMax(rolled_over, version) AS c_rolled_over, argMax(flags, version) AS c_flags, any(submitted_at_ms) AS c_submitted_at_ms,
  argMax(decided_at_ms, version) AS c_decided_at_ms, any(correlation_id) AS c_correlation_id, max(version) AS c_version,
  argMax(category, version) AS c_category, argMax(review_id, version) AS c_review_id`;

/** The aggregate aliases of COLUMNS, for the outer SELECT of a join (naming them keeps reading_id once). */
const COLUMN_ALIASES = ['reading_id', ...[...COLUMNS.matchAll(/ AS (c_\w+)/g)].map((m) => m[1]!)].join(', ');

/**
 * The bills that used each reading of an account (optionally narrowed), one row per reading. A mark
 * redelivered by billing's relay is an identical row until ClickHouse merges it away, so the bills are
 * collected with groupUniqArray over (bill, period): each appears once, before and after merges.
 * Each as one 'billId|start|end' string rather than a tuple: how tuples come out in JSON differs
 * between 18.16 and current releases (named tuples); strings do not.
 */
const billsOf = (where: string): string =>
  `SELECT reading_id, groupUniqArray(concat(bill_id, '|', toString(period_start), '|', toString(period_end))) AS c_bills
   FROM reading_bills WHERE ${where} GROUP BY reading_id`;

/**
 * One query per lookup: the readings (collapsed per reading id, as everywhere) joined with their bills.
 * Written for ClickHouse 18.16 and current releases: explicit ANY LEFT JOIN ... USING (18.16 has no
 * default strictness); a reading without marks gets the column default, an empty array.
 */
const withBills = (readings: string, bills: string): string =>
  `SELECT ${COLUMN_ALIASES}, c_bills FROM (${readings}) ANY LEFT JOIN (${billsOf(bills)}) USING reading_id`;

interface HistoryRow {
  reading_id: string;
  c_account_id: string;
  c_supply_point_id: string;
  c_register_id: string;
  c_read_at: string;
  c_value: string;
  c_source: string;
}

export interface Row {
  reading_id: string;
  c_account_id: string;
  c_supply_point_id: string;
  c_fuel: StoredReading['fuel'];
  c_meter_serial: string;
  c_register_id: string;
  c_read_at: string;
  c_value: string;
  c_unit: StoredReading['unit'];
  c_source: string;
  c_channel: StoredReading['channel'];
  c_status: ReadingStatus;
  c_reason_code: string;
  c_industry_code: string;
  c_message: string;
  c_duplicate_of: string;
  c_backdated: number;
  c_rolled_over: number;
  c_flags: string[];
  c_submitted_at_ms: string | number;
  c_decided_at_ms: string | number;
  c_correlation_id: string;
  c_version: string | number;
  c_category: string;
  c_review_id: string;
}

interface RowWithBills extends Row {
  c_bills: readonly string[];
}

/** ClickHouse's 'billId|periodStart|periodEnd' strings -> bills, oldest period first (then bill id): a stable order. */
export function toReadingBills(raw: readonly string[] | undefined): ReadingBill[] {
  return (raw ?? [])
    .map((s) => {
      const [billId = '', periodStart = '', periodEnd = ''] = s.split('|');
      return { billId, periodStart, periodEnd };
    })
    .sort((a, b) => (a.periodStart < b.periodStart ? -1 : a.periodStart > b.periodStart ? 1 : a.billId < b.billId ? -1 : a.billId > b.billId ? 1 : 0));
}

/** ClickHouse DateTime text ('YYYY-MM-DD hh:mm:ss', UTC column) ↔ ISO instant. */
export const toClickHouseDateTime = (iso: string): string =>
  // An instant already in stored form (every reading the sink writes): its characters, without a Date and two copies.
  iso.length === 24 && iso.endsWith('.000Z') && parseInstant(iso) !== null
    ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
    : new Date(iso).toISOString().slice(0, 19).replace('T', ' ');
/**
 * Items per IN list: a whole sink batch (SINK_MAX_BATCH_RECORDS, 5,000) in one query. One 5,000-id query
 * costs ClickHouse about half of five 1,000-id ones (findDecided 116 against 209 ms of server CPU, the
 * history query 260 against 486 ms; `benchmarks/clickhouse-lookups.bench.ts --batch 5000` on a private
 * 18.16, docs/benchmarks.md): each query reads the granules of its accounts, and the batch's accounts
 * share granules. A reading id quoted is 39 bytes, a register tuple up to ~90, an account ~25: 5,000 of
 * them are up to ~600 KB of query text, past ClickHouse's default max_query_size (262,144 bytes), so the
 * lookups raise it for themselves (LOOKUP_SETTINGS, a per-query setting on 18.16 and current releases).
 */
const LOOKUP_CHUNK = 5_000;
const LOOKUP_SETTINGS = { max_query_size: String(2 * 1024 * 1024) };

export const fromClickHouseDateTime = (s: string): string => `${s.replace(' ', 'T')}.000Z`;


/**
 * MeterReadingRepository on ClickHouse `meter_readings` (schema: ./reading-clickhouse.migrations.ts), joined
 * with billing's `reading_bills` for the "billed" status. SQL written for ClickHouse 18.16 and current releases.
 */
export class ClickHouseMeterReadingRepository implements MeterReadingRepository {
  constructor(private readonly ch: ClickHouseClient) {}

  async insert(rows: readonly StoredReading[]): Promise<void> {
    if (rows.length === 0) return;
    await this.ch.insert({
      table: 'meter_readings',
      format: 'JSONEachRow',
      values: rows.map((r) => ({
        reading_id: r.readingId,
        account_id: r.accountId,
        supply_point_id: r.supplyPointId,
        fuel: r.fuel,
        meter_serial: r.meterSerial,
        register_id: r.registerId,
        read_at: toClickHouseDateTime(r.readAt),
        // ClickHouse 18.16 parses Decimal in JSONEachRow only from a JSON
        // number. Values have at most 13 significant digits, so the double's
        // shortest decimal form is exactly the original text: nothing is lost.
        value: Number(r.value),
        unit: r.unit,
        source: r.source,
        channel: r.channel,
        status: r.status,
        reason_code: r.reasonCode,
        industry_code: r.industryCode,
        message: r.message,
        duplicate_of: r.duplicateOf,
        backdated: r.backdated ? 1 : 0,
        rolled_over: r.rolledOver ? 1 : 0,
        flags: r.flags,
        submitted_at_ms: r.submittedAtMs,
        decided_at_ms: r.decidedAtMs,
        correlation_id: r.correlationId,
        version: r.version,
        category: r.category ?? '',
        review_id: r.reviewId ?? '',
      })),
    });
  }

  async insertReviews(rows: readonly ReviewRecord[]): Promise<void> {
    if (rows.length === 0) return;
    await this.ch.insert({
      table: 'reading_reviews',
      format: 'JSONEachRow',
      values: rows.map((r) => ({
        account_id: r.accountId,
        reading_id: r.readingId,
        review_id: r.reviewId,
        decision: r.decision,
        note: r.note,
        reviewed_by: r.reviewedBy,
        requested_at_ms: r.requestedAtMs,
        applied: r.applied ? 1 : 0,
        result: r.result,
        held_reason_code: r.heldReasonCode,
        correlation_id: r.correlationId,
      })),
    });
  }

  async findDecided(accountIds: readonly string[], readingIds: readonly string[]): Promise<Map<string, StoredReading>> {
    const found = new Map<string, StoredReading>();
    // Lists are cut into chunks: the query text must stay under ClickHouse's max_query_size (256 KiB), or a
    // large batch (a sink catching up) fails every retry and the sink stalls.
    for (let from = 0; from < readingIds.length; from += LOOKUP_CHUNK) {
      // account_id leads the sorting key, so naming the accounts keeps this a
      // primary-key range read rather than a scan of every reading. Two steps:
      // which ids exist at all reads two columns of every row in those ranges;
      // the whole decision (two dozen columns aggregated) is read only for the
      // few found, which are redeliveries (none at all in a healthy sink).
      // PREWHERE: the account column (the key's range read) is filtered before reading_id is read at all:
      // 32-42 ms of ClickHouse CPU against 51-55 ms for 1,000 ids on a 400k-row table (docs/benchmarks.md).
      const rs = await this.ch.query({
        query: `SELECT DISTINCT reading_id, account_id FROM meter_readings
           PREWHERE account_id IN (${sqlStringList(new Set(accountIds.slice(from, from + LOOKUP_CHUNK)))})
           WHERE reading_id IN (${sqlStringList(readingIds.slice(from, from + LOOKUP_CHUNK))})`,
        format: 'JSONEachRow',
        clickhouse_settings: LOOKUP_SETTINGS,
      });
      const existing = await rs.json<{ reading_id: string; account_id: string }>();
      if (existing.length === 0) continue;
      const rows = await this.select(
        `SELECT ${COLUMNS} FROM meter_readings
         WHERE account_id IN (${sqlStringList(new Set(existing.map((r) => r.account_id)))})
           AND reading_id IN (${sqlStringList(existing.map((r) => r.reading_id))})
         GROUP BY reading_id`,
        LOOKUP_SETTINGS,
      );
      for (const r of rows) found.set(r.readingId, r);
    }
    return found;
  }

  async acceptedHistory(keys: readonly RegisterKey[]): Promise<Map<string, HistoricReading[]>> {
    const result = new Map<string, HistoricReading[]>();
    const unique = [...new Map(keys.map((k) => [registerKeyOf(k), k])).values()];
    for (const k of unique) result.set(registerKeyOf(k), []);
    // In chunks, for max_query_size (see findDecided). A register is in one chunk only, so its history
    // comes back whole and in order from that chunk's query.
    for (let from = 0; from < unique.length; from += LOOKUP_CHUNK) {
      const chunk = unique.slice(from, from + LOOKUP_CHUNK);
      const wanted = new Set(chunk.map(registerKeyOf));
      const accounts = new Set(chunk.map((k) => k.accountId));
      // Naming the registers as tuples costs ClickHouse 18.16 more than reading them: 127-149 ms of CPU for
      // 1,000 tuples against 50-62 ms when only their accounts are named and the rows of registers not asked
      // for are dropped here (400k-row table, docs/benchmarks.md). An account has a few registers, so that is a
      // few rows more; an account with many registers in one chunk (a business with hundreds of supply points)
      // still names its tuples, or one chunk would read them all.
      const byAccountOnly = chunk.length <= 2 * accounts.size;
      const tuples = byAccountOnly
        ? ''
        : `WHERE (account_id, supply_point_id, register_id) IN (${chunk.map((k) => `(${quote(k.accountId)},${quote(k.supplyPointId)},${quote(k.registerId)})`).join(',')})`;
      // Only what the plausibility checks read (and the two columns that decide whether a row counts):
      // the sink runs this for every batch, and the full column set cost ClickHouse about 40% more CPU
      // and the sink 2.3x the bytes to parse (measured on a 110k-reading table: 90 vs 64 ms for 300 registers).
      const rs = await this.ch.query({
        query: `SELECT reading_id, any(account_id) AS c_account_id, any(supply_point_id) AS c_supply_point_id,
           any(register_id) AS c_register_id, toString(any(read_at)) AS c_read_at, toString(any(value)) AS c_value,
           any(source) AS c_source, argMax(status, version) AS c_status, argMax(duplicate_of, version) AS c_duplicate_of
         FROM meter_readings
         PREWHERE account_id IN (${sqlStringList(accounts)})
         ${tuples}
         GROUP BY reading_id
         HAVING c_status = 'accepted' AND c_duplicate_of = ''
         ORDER BY c_read_at, reading_id`,
        format: 'JSONEachRow',
        clickhouse_settings: LOOKUP_SETTINGS,
      });
      for (const r of await rs.json<HistoryRow>()) {
        const key = registerKeyOf({ accountId: r.c_account_id, supplyPointId: r.c_supply_point_id, registerId: r.c_register_id });
        // Only this chunk's registers: another register of the same account may be asked for in another chunk.
        if (wanted.has(key)) result.get(key)?.push({ readingId: r.reading_id, readAt: fromClickHouseDateTime(r.c_read_at), value: r.c_value, source: r.c_source });
      }
    }
    return result;
  }

  async findForAccount(accountId: string, readingId: string): Promise<ReadingWithBills | null> {
    const where = `account_id = ${quote(accountId)} AND reading_id = ${quote(readingId)}`;
    const rows = await this.selectWithBills(withBills(`SELECT ${COLUMNS} FROM meter_readings WHERE ${where} GROUP BY reading_id`, where));
    return rows[0] ?? null;
  }

  /**
   * A reading by id alone, for staff who have no account id to hand. The table is sorted by account first, so
   * finding the account reads the reading_id column of every part (a scan: fine for a person's lookup, never on
   * the customer path, which always names the account). The reading and its bills then come from
   * findForAccount, so another account's marks naming the same id never show.
   */
  async findById(readingId: string): Promise<ReadingWithBills | null> {
    const rs = await this.ch.query({ query: `SELECT account_id FROM meter_readings WHERE reading_id = ${quote(readingId)} LIMIT 1`, format: 'JSONEachRow' });
    const account = (await rs.json<{ account_id: string }>())[0]?.account_id;
    return account === undefined ? null : this.findForAccount(account, readingId);
  }

  async listForAccount(accountId: string, page: { limit: number; before?: { readAt: string; readingId: string } }): Promise<ReadingWithBills[]> {
    const cursor = page.before
      ? `AND (read_at < toDateTime(${quote(toClickHouseDateTime(page.before.readAt))}, 'UTC')
           OR (read_at = toDateTime(${quote(toClickHouseDateTime(page.before.readAt))}, 'UTC') AND reading_id < ${quote(page.before.readingId)}))`
      : '';
    // The page is cut first (inner ORDER BY ... LIMIT), then joined with the account's marks (a few per
    // bill, found by the sorting key's prefix) and put back in page order.
    const pageQuery = `SELECT ${COLUMNS} FROM meter_readings WHERE account_id = ${quote(accountId)} ${cursor}
       GROUP BY reading_id ORDER BY c_read_at DESC, reading_id DESC LIMIT ${sqlInt(page.limit)}`;
    return this.selectWithBills(`${withBills(pageQuery, `account_id = ${quote(accountId)}`)} ORDER BY c_read_at DESC, reading_id DESC`);
  }

  private async select(query: string, settings?: typeof LOOKUP_SETTINGS): Promise<StoredReading[]> {
    const rs = await this.ch.query({ query, format: 'JSONEachRow', ...(settings ? { clickhouse_settings: settings } : {}) });
    return (await rs.json<Row>()).map(fromRow);
  }

  private async selectWithBills(query: string): Promise<ReadingWithBills[]> {
    const rs = await this.ch.query({ query, format: 'JSONEachRow' });
    return (await rs.json<RowWithBills>()).map((r) => ({ ...fromRow(r), bills: toReadingBills(r.c_bills) }));
  }
}

export const fromRow = (r: Row): StoredReading => ({
  readingId: r.reading_id,
  accountId: r.c_account_id,
  supplyPointId: r.c_supply_point_id,
  fuel: r.c_fuel,
  meterSerial: r.c_meter_serial,
  registerId: r.c_register_id,
  readAt: fromClickHouseDateTime(r.c_read_at),
  // Decimal64(1) prints "10600.0"; served as the decimal that was submitted ("10600").
  value: canonicalReadingValue(r.c_value),
  unit: r.c_unit,
  source: r.c_source,
  channel: r.c_channel,
  status: r.c_status,
  reasonCode: r.c_reason_code,
  industryCode: r.c_industry_code,
  message: r.c_message,
  duplicateOf: r.c_duplicate_of,
  backdated: Number(r.c_backdated) === 1,
  rolledOver: Number(r.c_rolled_over) === 1,
  flags: r.c_flags,
  submittedAtMs: Number(r.c_submitted_at_ms),
  decidedAtMs: Number(r.c_decided_at_ms),
  correlationId: r.c_correlation_id,
  version: Number(r.c_version),
  category: r.c_category ?? '',
  reviewId: r.c_review_id ?? '',
});
