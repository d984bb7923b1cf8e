// Bills <-> PostgreSQL rows. Pure. A stored bill must come back as exactly the
// Bill the calculator produced (same strings for kWh, rates and VAT rates),
// because a later correction matches lines on those strings: `numeric`
// columns without a scale keep the text as written, money is bigint pence,
// and optional fields are omitted again when their column is NULL.
import type { Bill, BillLine, BillLineKind, BillRegister, CustomerCategory } from '@surge/billing-domain/bill.model';
import type { Fuel, RegisterKind } from '@surge/billing-domain/tariff.model';
import type { RegisterReadingSources } from './bill-input.builder';

export type BillKind = 'bill' | 'correction';

/** A bill line as stored (column names) and as json_to_recordset receives it. */
export interface BillLineRow {
  readonly bill_id: string;
  readonly line_no: number;
  readonly kind: BillLineKind;
  readonly description: string;
  readonly period_from: string;
  readonly period_to: string;
  readonly supply_point_id: string | null;
  readonly fuel: Fuel | null;
  readonly tariff_id: string | null;
  readonly rate_period_from: string | null;
  readonly rate_period_to: string | null;
  readonly register_id: string | null;
  readonly register_kind: RegisterKind | null;
  readonly kwh: string | null;
  readonly days: number | null;
  readonly rate_pence: string | null;
  readonly vat_rate: string | null;
  readonly base_pence: string | null;
  readonly amount_pence: string;
  readonly estimated: boolean;
}

/** The bills row, as stored; its json documents are objects here. */
export interface BillRow {
  readonly bill_id: string;
  readonly account_id: string;
  readonly period_start: string;
  readonly period_end: string;
  readonly kind: BillKind;
  readonly revision: number;
  readonly corrects_bill_id: string | null;
  readonly run_id: string | null;
  readonly category: CustomerCategory;
  readonly domestic: boolean;
  readonly supply_days: number;
  readonly estimated: boolean;
  readonly result_estimated: boolean;
  readonly net_pence: string;
  readonly vat_pence: string;
  readonly total_pence: string;
  readonly registers: readonly BillRegister[];
  readonly reading_sources: unknown;
  readonly recomputed: Bill | null;
}

/** A bill ready to insert: the computed Bill plus what the bills row needs besides it. */
export interface NewBill {
  readonly bill: Bill;
  readonly kind: BillKind;
  readonly revision: number;
  readonly runId: string | null;
  /** Stored as the bill's reading_sources; also what its billed-reading marks are taken from. */
  readonly readingSources: readonly RegisterReadingSources[];
  /** Corrections: the full recomputed bill the account is brought to. */
  readonly recomputed: Bill | null;
}

export function toBillRow(b: NewBill): BillRow {
  const { bill } = b;
  return {
    bill_id: bill.billId,
    account_id: bill.accountId,
    period_start: bill.period.start,
    period_end: bill.period.end,
    kind: b.kind,
    revision: b.revision,
    corrects_bill_id: bill.correctsBillId,
    run_id: b.runId,
    category: bill.category,
    domestic: bill.domestic,
    supply_days: bill.supplyDays,
    estimated: bill.estimated,
    result_estimated: (b.recomputed ?? bill).estimated,
    net_pence: bill.totals.netPence,
    vat_pence: bill.totals.vatPence,
    total_pence: bill.totals.totalPence,
    registers: bill.registers,
    reading_sources: b.readingSources,
    recomputed: b.recomputed,
  };
}

export function toLineRows(bill: Bill): BillLineRow[] {
  return bill.lines.map((l, i) => ({
    bill_id: bill.billId,
    line_no: i + 1,
    kind: l.kind,
    description: l.description,
    period_from: l.periodFrom,
    period_to: l.periodTo,
    supply_point_id: l.supplyPointId ?? null,
    fuel: l.fuel ?? null,
    tariff_id: l.tariffId ?? null,
    rate_period_from: l.ratePeriodFrom ?? null,
    rate_period_to: l.ratePeriodTo ?? null,
    register_id: l.registerId ?? null,
    register_kind: l.registerKind ?? null,
    kwh: l.kWh ?? null,
    days: l.days ?? null,
    rate_pence: l.ratePence,
    vat_rate: l.vatRate,
    base_pence: l.basePence ?? null,
    amount_pence: l.amountPence,
    estimated: l.estimated,
  }));
}

export function fromLineRow(r: BillLineRow): BillLine {
  return {
    kind: r.kind,
    description: r.description,
    periodFrom: r.period_from,
    periodTo: r.period_to,
    ...(r.supply_point_id !== null ? { supplyPointId: r.supply_point_id } : {}),
    ...(r.fuel !== null ? { fuel: r.fuel } : {}),
    ...(r.tariff_id !== null ? { tariffId: r.tariff_id } : {}),
    // ratePeriodTo is null for an open-ended rate period and absent where there is no rate period (VAT).
    ...(r.rate_period_from !== null ? { ratePeriodFrom: r.rate_period_from, ratePeriodTo: r.rate_period_to } : {}),
    ...(r.register_id !== null ? { registerId: r.register_id } : {}),
    ...(r.register_kind !== null ? { registerKind: r.register_kind } : {}),
    ...(r.kwh !== null ? { kWh: r.kwh } : {}),
    ...(r.days !== null ? { days: r.days } : {}),
    ratePence: r.rate_pence,
    vatRate: r.vat_rate,
    ...(r.base_pence !== null ? { basePence: r.base_pence } : {}),
    amountPence: r.amount_pence,
    estimated: r.estimated,
  };
}

/** The Bill a row and its lines (in line_no order) hold. For a correction this is the correction itself (differences), not the recomputed bill. */
export function fromBillRow(row: BillRow, lines: readonly BillLineRow[]): Bill {
  return {
    billId: row.bill_id,
    correctsBillId: row.corrects_bill_id,
    accountId: row.account_id,
    category: row.category,
    domestic: row.domestic,
    period: { start: row.period_start, end: row.period_end },
    supplyDays: row.supply_days,
    estimated: row.estimated,
    lines: [...lines].sort((a, b) => a.line_no - b.line_no).map(fromLineRow),
    registers: row.registers,
    totals: { netPence: row.net_pence, vatPence: row.vat_pence, totalPence: row.total_pence },
  };
}

/** The full bill a row brings the account to: the bill itself, or for a correction the recomputed bill stored with it. */
export function effectiveBill(row: BillRow, lines: readonly BillLineRow[]): Bill {
  if (row.kind === 'correction') {
    if (row.recomputed === null) throw new Error(`correction ${row.bill_id} has no recomputed bill`);
    return row.recomputed;
  }
  return fromBillRow(row, lines);
}
