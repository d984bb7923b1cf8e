import type { Pool, PoolClient } from 'pg';
import { type CopyValue, copyRows } from '@surge/postgres/postgres-copy.writer';
import type { Bill, BillRegister } from '@surge/billing-domain/bill.model';
import type { DateSpan } from '@surge/billing-domain/calendar.model';
import { type PreviousClosing, previousClosingKey } from '../accounts-tariffs/billing-account.model';
import { outboxRowsFor } from '../billed-mark/billed-reading.mapper';
import { addSettlementTotals } from '../settlement/settlement-summary.writer';
import { markCreditsApplied } from '../flex-credits/flexibility-credit.repository';
import { type BillKind, type BillLineRow, type BillRow, type NewBill, effectiveBill, fromBillRow, toBillRow, toLineRows } from './bill-row.mapper';

const BILL_COLUMNS = `b.bill_id, b.account_id, b.period_start::text, b.period_end::text, b.kind, b.revision, b.corrects_bill_id, b.run_id,
  b.category, b.domestic, b.supply_days, b.estimated, b.result_estimated, b.net_pence::text, b.vat_pence::text, b.total_pence::text,
  b.registers, b.reading_sources, b.recomputed`;

const LINE_COLUMNS = `l.bill_id, l.line_no, l.kind, l.description, l.period_from::text, l.period_to::text, l.supply_point_id, l.fuel, l.tariff_id,
  l.rate_period_from::text, l.rate_period_to::text, l.register_id, l.register_kind, l.kwh::text, l.days, l.rate_pence::text, l.vat_rate::text,
  l.base_pence::text, l.amount_pence::text, l.estimated`;

/** An ordinary bill of an account overlapping a period. */
export interface OverlappingBill {
  readonly billId: string;
  readonly period: DateSpan;
}

/** The bill an account was last brought to for a period (the original or its latest correction). */
export interface EffectiveBill {
  readonly billId: string;
  readonly revision: number;
  readonly bill: Bill;
}

export interface StoredBill {
  readonly row: BillRow & { readonly issued_at: string };
  readonly bill: Bill;
}

export interface BillSummary {
  readonly billId: string;
  readonly kind: BillKind;
  readonly revision: number;
  readonly correctsBillId: string | null;
  readonly period: DateSpan;
  readonly estimated: boolean;
  readonly totals: { readonly netPence: string; readonly vatPence: string; readonly totalPence: string };
  readonly issuedAt: string;
  readonly runId: string | null;
}

/**
 * Bills in PostgreSQL. Inserts go through `insertBills` inside the chunk's
 * transaction (bill-run.repository.ts); bills are never updated or deleted
 * (database triggers refuse it).
 */
export class BillRepository {
  constructor(private readonly pool: Pool) {}

  /** Ordinary bills of these accounts whose period shares a day with `period`. */
  async overlapping(accountIds: readonly string[], period: DateSpan): Promise<Map<string, OverlappingBill[]>> {
    const result = new Map<string, OverlappingBill[]>();
    if (accountIds.length === 0) return result;
    const { rows } = await this.pool.query<{ account_id: string; bill_id: string; period_start: string; period_end: string }>(
      `SELECT account_id, bill_id, period_start::text, period_end::text FROM bills
       WHERE account_id = ANY($1::text[]) AND kind = 'bill' AND period_start < $3 AND period_end > $2`,
      [[...accountIds], period.start, period.end],
    );
    for (const r of rows) {
      const list = result.get(r.account_id) ?? [];
      list.push({ billId: r.bill_id, period: { start: r.period_start, end: r.period_end } });
      result.set(r.account_id, list);
    }
    return result;
  }

  /** Per account: the latest revision for exactly this period, as the full bill it brings the account to. */
  async effective(accountIds: readonly string[], period: DateSpan): Promise<Map<string, EffectiveBill>> {
    const result = new Map<string, EffectiveBill>();
    if (accountIds.length === 0) return result;
    const { rows } = await this.pool.query<BillRow>(
      `SELECT DISTINCT ON (b.account_id) ${BILL_COLUMNS} FROM bills b
       WHERE b.account_id = ANY($1::text[]) AND b.period_start = $2 AND b.period_end = $3
       ORDER BY b.account_id, b.revision DESC`,
      [[...accountIds], period.start, period.end],
    );
    const originals = rows.filter((r) => r.kind === 'bill').map((r) => r.bill_id);
    const lines = await this.linesOf(originals);
    for (const r of rows) result.set(r.account_id, { billId: r.bill_id, revision: r.revision, bill: effectiveBill(r, lines.get(r.bill_id) ?? []) });
    return result;
  }

  /**
   * The closing readings of each account's bill ending on `periodStart` (its
   * latest revision), keyed by account then previousClosingKey. The next bill
   * opens on them when no reading stands for its start, so bills chain with no
   * gap and no day billed twice.
   */
  async previousClosings(accountIds: readonly string[], periodStart: string): Promise<Map<string, Map<string, PreviousClosing>>> {
    const result = new Map<string, Map<string, PreviousClosing>>();
    if (accountIds.length === 0) return result;
    const { rows } = await this.pool.query<{ account_id: string; bill_id: string; registers: BillRegister[] }>(
      `SELECT DISTINCT ON (account_id) account_id, bill_id, registers FROM bills
       WHERE account_id = ANY($1::text[]) AND period_end = $2 ORDER BY account_id, revision DESC`,
      [[...accountIds], periodStart],
    );
    for (const r of rows) {
      const closings = new Map<string, PreviousClosing>();
      for (const reg of r.registers) {
        const last = reg.readings[reg.readings.length - 1];
        if (last && last.boundary === periodStart) {
          closings.set(previousClosingKey(reg.supplyPointId, reg.registerId), { billId: r.bill_id, value: last.value, estimated: last.estimated });
        }
      }
      result.set(r.account_id, closings);
    }
    return result;
  }

  /** Exactly-matching ordinary bills (for items whose insert found a bill already there). */
  async exact(accountIds: readonly string[], period: DateSpan, client: Pool | PoolClient = this.pool): Promise<Map<string, string>> {
    const { rows } = await client.query<{ account_id: string; bill_id: string }>(
      `SELECT account_id, bill_id FROM bills WHERE account_id = ANY($1::text[]) AND period_start = $2 AND period_end = $3 AND kind = 'bill'`,
      [[...accountIds], period.start, period.end],
    );
    return new Map(rows.map((r) => [r.account_id, r.bill_id]));
  }

  async listForAccount(accountId: string, limit: number): Promise<BillSummary[]> {
    const { rows } = await this.pool.query<BillRow & { issued_at: string }>(
      `SELECT ${BILL_COLUMNS}, to_char(b.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS issued_at FROM bills b
       WHERE b.account_id = $1 ORDER BY b.period_end DESC, b.period_start DESC, b.revision DESC LIMIT $2`,
      [accountId, limit],
    );
    return rows.map((r) => ({
      billId: r.bill_id,
      kind: r.kind,
      revision: r.revision,
      correctsBillId: r.corrects_bill_id,
      period: { start: r.period_start, end: r.period_end },
      // A correction is listed as estimated or not by the bill it brings the account to (GET one bill shows both sides).
      estimated: r.kind === 'correction' ? r.result_estimated : r.estimated,
      totals: { netPence: r.net_pence, vatPence: r.vat_pence, totalPence: r.total_pence },
      issuedAt: r.issued_at,
      runId: r.run_id,
    }));
  }

  async get(accountId: string, billId: string): Promise<StoredBill | null> {
    const { rows } = await this.pool.query<BillRow & { issued_at: string }>(
      `SELECT ${BILL_COLUMNS}, to_char(b.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS issued_at FROM bills b
       WHERE b.account_id = $1 AND b.bill_id = $2`,
      [accountId, billId],
    );
    const row = rows[0];
    if (!row) return null;
    const lines = await this.linesOf([row.bill_id]);
    return { row, bill: fromBillRow(row, lines.get(row.bill_id) ?? []) };
  }

  /** Every bill and correction whose period lies within [from, to), as stored (corrections as their difference lines). */
  async allWithin(span: DateSpan): Promise<Bill[]> {
    const { rows } = await this.pool.query<BillRow>(`SELECT ${BILL_COLUMNS} FROM bills b WHERE b.period_start >= $1 AND b.period_end <= $2`, [span.start, span.end]);
    const lines = await this.linesOf(rows.map((r) => r.bill_id));
    return rows.map((r) => fromBillRow(r, lines.get(r.bill_id) ?? []));
  }

  private async linesOf(billIds: readonly string[]): Promise<Map<string, BillLineRow[]>> {
    const result = new Map<string, BillLineRow[]>();
    if (billIds.length === 0) return result;
    const { rows } = await this.pool.query<BillLineRow>(`SELECT ${LINE_COLUMNS} FROM bill_lines l WHERE l.bill_id = ANY($1::uuid[]) ORDER BY l.bill_id, l.line_no`, [
      [...billIds],
    ]);
    for (const r of rows) {
      const list = result.get(r.bill_id) ?? [];
      list.push(r);
      result.set(r.bill_id, list);
    }
    return result;
  }
}

const BILL_RECORD = `bill_id uuid, account_id text, period_start date, period_end date, kind text, revision int, corrects_bill_id uuid, run_id uuid,
  category char(1), domestic boolean, supply_days int, estimated boolean, result_estimated boolean, net_pence bigint, vat_pence bigint,
  total_pence bigint, registers json, reading_sources json, recomputed json`;

const LINE_RECORD = `bill_id uuid, line_no smallint, kind text, description text, period_from date, period_to date, supply_point_id text, fuel text,
  tariff_id text, rate_period_from date, rate_period_to date, register_id text, register_kind text, kwh numeric, days int, rate_pence numeric,
  vat_rate numeric, base_pence bigint, amount_pence bigint, estimated boolean`;

const LINE_FIELDS = `bill_id, line_no, kind, description, period_from, period_to, supply_point_id, fuel, tariff_id, rate_period_from, rate_period_to,
  register_id, register_kind, kwh, days, rate_pence, vat_rate, base_pence, amount_pence, estimated`;

const BILL_FIELDS = `bill_id, account_id, period_start, period_end, kind, revision, corrects_bill_id, run_id, category, domestic, supply_days,
  estimated, result_estimated, net_pence, vat_pence, total_pence, registers, reading_sources, recomputed`;

const OUTBOX_RECORD = `bill_id uuid, account_id text, period_start date, period_end date, reading_ids jsonb`;

/**
 * Inserts bills and their lines in the caller's transaction. A bill that would
 * be a second one for the same account, period and revision (or correct a
 * bill already corrected) is silently not inserted (ON CONFLICT DO NOTHING):
 * the constraints, not the caller, make a second bill impossible. An ordinary
 * bill overlapping another period is refused by the bills_no_overlap trigger
 * (migration v4) with exclusion_violation, which ON CONFLICT does not cover:
 * the chunk's transaction fails, and its retry records PERIOD_ALREADY_BILLED
 * for that account (BillRunProcessor checks overlaps before computing). Returns the ids actually inserted. Rows travel as
 * one JSON document per statement (json_to_recordset): one round trip per
 * chunk, decimal strings kept exact.
 *
 * Every inserted bill that used stored readings also queues one
 * billed_reading_outbox row (its reading ids), in the same transaction: the
 * marks commit exactly when the bill does, and the relay
 * (billed-reading.relay.ts) carries them to ClickHouse at least once. Every
 * inserted bill also queues its bill.issued.v1 event (bill_event_outbox, by
 * reference: the billing-events relay renders it from these rows).
 */
export async function insertBills(client: PoolClient, bills: readonly NewBill[]): Promise<Set<string>> {
  if (bills.length === 0) return new Set();
  const { rows } = await client.query<{ bill_id: string }>(
    `INSERT INTO bills (${BILL_FIELDS})
     SELECT ${BILL_FIELDS} FROM json_to_recordset($1::json) AS x(${BILL_RECORD})
     ON CONFLICT DO NOTHING
     RETURNING bill_id`,
    [JSON.stringify(bills.map(toBillRow))],
  );
  const inserted = new Set(rows.map((r) => r.bill_id));
  const lines = bills.filter((b) => inserted.has(b.bill.billId)).flatMap((b) => toLineRows(b.bill));
  if (lines.length > 0) {
    await client.query(`INSERT INTO bill_lines (${LINE_FIELDS}) SELECT ${LINE_FIELDS} FROM json_to_recordset($1::json) AS x(${LINE_RECORD})`, [JSON.stringify(lines)]);
  }
  await markCreditsApplied(client, creditsOf(bills, inserted));
  await addSettlementTotals(client, bills.filter((b) => inserted.has(b.bill.billId)).map((b) => b.bill));
  if (inserted.size > 0) await queueBillEvents(client, bills.filter((b) => inserted.has(b.bill.billId)).map((b) => b.bill));
  const marks = outboxRowsFor(bills, inserted);
  if (marks.length > 0) {
    await client.query(
      `INSERT INTO billed_reading_outbox (bill_id, account_id, period_start, period_end, reading_ids)
       SELECT bill_id, account_id, period_start, period_end, reading_ids FROM json_to_recordset($1::json) AS x(${OUTBOX_RECORD})`,
      [JSON.stringify(marks)],
    );
  }
  return inserted;
}

/** Flexibility credits land on ordinary bills only (a correction re-uses those its bill carried). */
function creditsOf(bills: readonly NewBill[], inserted: ReadonlySet<string>): Array<{ billId: string; period: DateSpan; creditIds: string[] }> {
  return bills
    .filter((b) => b.kind === 'bill' && inserted.has(b.bill.billId))
    .map((b) => ({ billId: b.bill.billId, period: b.bill.period, creditIds: b.bill.lines.flatMap((l) => (l.kind === 'flexibility-credit' && l.creditId ? [l.creditId] : [])) }));
}

/**
 * One bill_event_outbox row per new bill: a reference (its bill id, migration v12). The billing-events relay
 * renders the whole bill.issued.v1 event (libs/billing-contracts) from the committed, immutable bill and line
 * rows when it publishes (bill-event.renderer.ts), so the event says exactly what was committed. In bill id
 * order (UUIDv7: issue order), so one account's bills are announced in order.
 */
async function queueBillEvents(client: PoolClient, bills: ReadonlyArray<{ readonly billId: string; readonly accountId: string }>): Promise<void> {
  const ordered = [...bills].sort((a, b) => (a.billId < b.billId ? -1 : a.billId > b.billId ? 1 : 0));
  await copyRows(client, 'bill_event_outbox', ['record_key', 'bill_id'], ordered.map((b) => [b.accountId, b.billId]));
}

const COPY_BILL_COLUMNS = [
  'bill_id', 'account_id', 'period_start', 'period_end', 'kind', 'revision', 'corrects_bill_id', 'run_id', 'category', 'domestic', 'supply_days',
  'estimated', 'result_estimated', 'net_pence', 'vat_pence', 'total_pence', 'registers', 'reading_sources', 'recomputed',
] as const;

const COPY_LINE_COLUMNS = [
  'bill_id', 'line_no', 'kind', 'description', 'period_from', 'period_to', 'supply_point_id', 'fuel', 'tariff_id', 'rate_period_from', 'rate_period_to',
  'register_id', 'register_kind', 'kwh', 'days', 'rate_pence', 'vat_rate', 'base_pence', 'amount_pence', 'estimated',
] as const;

/** The PostgreSQL error codes a COPY of new bills can meet when some of them already exist (a redelivered or raced chunk). */
const UNIQUE_VIOLATION = '23505';

/**
 * The fast path of `insertBills`: the same rows, written with COPY (text
 * format) instead of JSON batches, in the caller's transaction. Measured in
 * docs/decisions/0003-billing.md: COPY skips the server-side JSON decoding of
 * every row (and, before v12, the per-bill SQL that built each event).
 *
 * COPY has no ON CONFLICT, so it runs under a SAVEPOINT: if any bill already
 * exists (unique_violation: a redelivered chunk, two runs of one period racing)
 * the savepoint is rolled back and the chunk takes the ON CONFLICT DO NOTHING
 * path of `insertBills` instead. Every guarantee of that path holds on this
 * one: the constraints and the overlap trigger run on every row COPY writes
 * (an overlap still raises exclusion_violation and fails the chunk, to be
 * retried), lines, marks and events are written only with their bill, in one
 * transaction. issued_at takes its default, the transaction's now(), as on the
 * JSON path.
 */
export async function copyBills(client: PoolClient, bills: readonly NewBill[]): Promise<Set<string>> {
  if (bills.length === 0) return new Set();
  await client.query('SAVEPOINT copy_bills');
  try {
    await copyRows(client, 'bills', COPY_BILL_COLUMNS, billCopyRows(bills));
    await copyRows(client, 'bill_lines', COPY_LINE_COLUMNS, lineCopyRows(bills));
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    await client.query('ROLLBACK TO SAVEPOINT copy_bills');
    return insertBills(client, bills);
  }
  await client.query('RELEASE SAVEPOINT copy_bills');
  const inserted = new Set(bills.map((b) => b.bill.billId));
  await markCreditsApplied(client, creditsOf(bills, inserted));
  await addSettlementTotals(client, bills.map((b) => b.bill));
  await queueBillEvents(client, bills.map((b) => b.bill));
  const marks = outboxRowsFor(bills, inserted);
  if (marks.length > 0) {
    await copyRows(
      client,
      'billed_reading_outbox',
      ['bill_id', 'account_id', 'period_start', 'period_end', 'reading_ids'],
      marks.map((m) => [m.bill_id, m.account_id, m.period_start, m.period_end, JSON.stringify(m.reading_ids)]),
    );
  }
  return inserted;
}

/** The bills rows of `bills` in COPY_BILL_COLUMNS order (exported for the compute benchmark). */
export function* billCopyRows(bills: readonly NewBill[]): Iterable<CopyValue[]> {
  for (const b of bills) {
    const { bill } = b;
    yield [
      bill.billId,
      bill.accountId,
      bill.period.start,
      bill.period.end,
      b.kind,
      b.revision,
      bill.correctsBillId,
      b.runId,
      bill.category,
      bill.domestic,
      bill.supplyDays,
      bill.estimated,
      (b.recomputed ?? bill).estimated,
      bill.totals.netPence,
      bill.totals.vatPence,
      bill.totals.totalPence,
      JSON.stringify(bill.registers),
      JSON.stringify(b.readingSources),
      b.recomputed === null ? null : JSON.stringify(b.recomputed),
    ];
  }
}

/** The bill_lines rows of `bills` in COPY_LINE_COLUMNS order (exported for the compute benchmark). */
export function* lineCopyRows(bills: readonly NewBill[]): Iterable<CopyValue[]> {
  for (const { bill } of bills) {
    let lineNo = 0;
    for (const l of bill.lines) {
      lineNo += 1;
      yield [
        bill.billId,
        lineNo,
        l.kind,
        l.description,
        l.periodFrom,
        l.periodTo,
        l.supplyPointId ?? null,
        l.fuel ?? null,
        l.tariffId ?? null,
        l.ratePeriodFrom ?? null,
        l.ratePeriodTo ?? null,
        l.registerId ?? null,
        l.registerKind ?? null,
        l.kWh ?? null,
        l.days ?? null,
        l.ratePence,
        l.vatRate,
        l.basePence ?? null,
        l.amountPence,
        l.estimated,
      ];
    }
  }
}
