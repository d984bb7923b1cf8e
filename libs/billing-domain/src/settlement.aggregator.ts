// Aggregating bills for settlement and reporting: kWh and money per tariff rate period x
// fuel x customer category x estimated/actual (and line kind, so imported and exported kWh
// are never added together and standing charges stay apart from energy). VAT lines are
// left out: they are not attributable to one rate period and are not energy.
// Corrections are ordinary bills whose lines are differences, so including them nets
// everything to what has been billed; a "reverse and re-bill" correction moves kWh from the
// estimated row to the actual row.
import { InvalidBillingInputError } from './billing.error';
import { Bill, CustomerCategory } from './bill.model';
import { Decimal, Money, decimalToString, formatQuantity } from './money.model';
import { Fuel } from './tariff.model';

/** Line kinds that appear in settlement rows. */
export type SettlementKind = 'energy' | 'export-credit' | 'standing-charge';

/** One settlement row: totals of the matching lines; kWh unrounded, money in whole pence. */
export interface SettlementRow {
  readonly tariffId: string;
  readonly ratePeriodFrom: string;
  readonly ratePeriodTo: string | null;
  readonly fuel: Fuel;
  readonly category: CustomerCategory;
  readonly kind: SettlementKind;
  readonly estimated: boolean;
  readonly kWh: string;
  readonly amountPence: string;
  readonly lineCount: number;
  readonly billCount: number;
}

interface Accumulator {
  row: Omit<SettlementRow, 'kWh' | 'amountPence' | 'lineCount' | 'billCount'>;
  kWh: Decimal;
  amount: Money;
  lines: number;
  bills: Set<string>;
}

const KIND_ORDER: Readonly<Record<SettlementKind, number>> = { energy: 0, 'export-credit': 1, 'standing-charge': 2 };

/** Aggregates the non-VAT lines of `bills` into settlement rows, sorted by tariff, rate period, fuel, category, kind, actual before estimated. */
export function settlementRows(bills: readonly Bill[]): SettlementRow[] {
  const groups = new Map<string, Accumulator>();
  for (const bill of bills) {
    for (const line of bill.lines) {
      // Flexibility credits are the programme's payments, not supply priced by a tariff: not settled here.
      if (line.kind === 'vat' || line.kind === 'flexibility-credit') continue;
      if (line.tariffId === undefined || line.fuel === undefined || line.ratePeriodFrom === undefined) {
        throw new InvalidBillingInputError(`Bill ${bill.billId} has a ${line.kind} line without tariff, fuel or rate period`, { billId: bill.billId });
      }
      const ratePeriodTo = line.ratePeriodTo ?? null;
      const key = [line.tariffId, line.ratePeriodFrom, ratePeriodTo ?? '', line.fuel, bill.category, line.kind, line.estimated].join('|');
      let group = groups.get(key);
      if (group === undefined) {
        group = {
          row: {
            tariffId: line.tariffId,
            ratePeriodFrom: line.ratePeriodFrom,
            ratePeriodTo,
            fuel: line.fuel,
            category: bill.category,
            kind: line.kind,
            estimated: line.estimated,
          },
          kWh: new Decimal(0),
          amount: Money.zero(),
          lines: 0,
          bills: new Set(),
        };
        groups.set(key, group);
      }
      group.kWh = group.kWh.plus(line.kWh ?? 0);
      group.amount = group.amount.plus(Money.ofPence(line.amountPence));
      group.lines += 1;
      group.bills.add(bill.billId);
    }
  }
  return [...groups.values()]
    .map(
      (g): SettlementRow => ({
        ...g.row,
        kWh: decimalToString(g.kWh),
        amountPence: g.amount.toPence(),
        lineCount: g.lines,
        billCount: g.bills.size,
      }),
    )
    .sort(compareSettlementRows);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The one order of settlement rows: tariff, rate period, fuel, category, kind, actual before estimated. Shared
 * by settlementRows and the SQL-aggregated report (libs/billing settlement), so the two compare equal row by row.
 */
export function compareSettlementRows(a: SettlementRow, b: SettlementRow): number {
  return (
    compare(a.tariffId, b.tariffId) ||
    compare(a.ratePeriodFrom, b.ratePeriodFrom) ||
    compare(a.fuel, b.fuel) ||
    compare(a.category, b.category) ||
    KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    Number(a.estimated) - Number(b.estimated)
  );
}

/** CSV column order of toCsv. */
export const SETTLEMENT_CSV_COLUMNS = [
  'tariff_id',
  'rate_period_from',
  'rate_period_to',
  'fuel',
  'category',
  'kind',
  'read_type',
  'kwh',
  'amount_pence',
  'line_count',
  'bill_count',
] as const;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** RFC 4180 CSV (CRLF line ends, header first) of settlement rows; kWh printed to 3 decimals (display only; rows keep exact values), open-ended rate periods as an empty rate_period_to, read_type 'estimated' or 'actual'. */
export function toCsv(rows: readonly SettlementRow[]): string {
  const lines = [SETTLEMENT_CSV_COLUMNS.join(',')];
  for (const row of rows) {
    lines.push(
      [
        row.tariffId,
        row.ratePeriodFrom,
        row.ratePeriodTo ?? '',
        row.fuel,
        row.category,
        row.kind,
        row.estimated ? 'estimated' : 'actual',
        formatQuantity(new Decimal(row.kWh), 3).replace(/,/g, ''),
        row.amountPence,
        String(row.lineCount),
        String(row.billCount),
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
