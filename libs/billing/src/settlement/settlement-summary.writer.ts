import type { PoolClient } from 'pg';
import type { Bill } from '@surge/billing-domain/bill.model';
import { sumPlainDecimals } from '@surge/billing-domain/money.model';

/**
 * Adds the settlement sums of bills just inserted in the caller's transaction
 * (migration v8: settlement_line_totals, settlement_bill_totals), so the
 * summary commits or rolls back with the bills. Call it once per set of new
 * bills (each bill in exactly one call: bill counts add up across summary rows
 * only because no bill is summed twice), with exactly the bills the
 * transaction inserted.
 *
 * The sums are taken here, from the very values the caller has just written
 * (the lines' kWh and amount strings go into the rows unchanged), and only the
 * sums (tens of rows a chunk) are sent: before issue 18's third round the same
 * sums were taken in SQL by reading every new line back (a join over ~3,800
 * lines a chunk, about 40 µs of PostgreSQL CPU a bill). The sums are exact:
 * amounts as BigInt, kWh as scaled BigInt with PostgreSQL's numeric rule for
 * the result's scale (the largest scale summed), so each row holds what
 * `sum()` over the lines gives, digit for digit (bill-copy.int-spec.ts and
 * settlement-summary.int-spec.ts compare the two). A kWh that is not a plain
 * decimal string takes the SQL path (`addSettlementTotalsFromRows`).
 */
export async function addSettlementTotals(client: PoolClient, bills: readonly Bill[]): Promise<void> {
  if (bills.length === 0) return;
  const totals = settlementTotalsOf(bills);
  if (totals === null) return addSettlementTotalsFromRows(client, bills.map((b) => b.billId));
  const { lines, billTotals } = totals;
  await client.query(
    `INSERT INTO settlement_line_totals
       (period_start, period_end, tariff_id, rate_period_from, rate_period_to, fuel, category, kind, estimated, kwh, amount_pence, line_count, bill_count)
     SELECT * FROM unnest($1::date[], $2::date[], $3::text[], $4::date[], $5::date[], $6::text[], $7::text[], $8::text[], $9::boolean[],
                          $10::numeric[], $11::numeric[], $12::bigint[], $13::bigint[])`,
    [
      lines.map((l) => l.periodStart),
      lines.map((l) => l.periodEnd),
      lines.map((l) => l.tariffId),
      lines.map((l) => l.ratePeriodFrom),
      lines.map((l) => l.ratePeriodTo),
      lines.map((l) => l.fuel),
      lines.map((l) => l.category),
      lines.map((l) => l.kind),
      lines.map((l) => l.estimated),
      lines.map((l) => l.kWh),
      lines.map((l) => l.amountPence),
      lines.map((l) => l.lineCount),
      lines.map((l) => l.billCount),
    ],
  );
  await client.query(
    `INSERT INTO settlement_bill_totals (period_start, period_end, kind, bills, vat_pence, total_pence)
     SELECT * FROM unnest($1::date[], $2::date[], $3::text[], $4::bigint[], $5::numeric[], $6::numeric[])`,
    [
      billTotals.map((t) => t.periodStart),
      billTotals.map((t) => t.periodEnd),
      billTotals.map((t) => t.kind),
      billTotals.map((t) => t.bills),
      billTotals.map((t) => t.vatPence),
      billTotals.map((t) => t.totalPence),
    ],
  );
}

/**
 * The same sums taken in SQL from the rows the transaction wrote (the v8 way): the fallback for values
 * `settlementTotalsOf` does not sum itself, and the reference the tests hold the in-memory sums against.
 */
export async function addSettlementTotalsFromRows(client: PoolClient, billIds: readonly string[]): Promise<void> {
  if (billIds.length === 0) return;
  const ids = [...billIds];
  await client.query(
    `INSERT INTO settlement_line_totals
       (period_start, period_end, tariff_id, rate_period_from, rate_period_to, fuel, category, kind, estimated, kwh, amount_pence, line_count, bill_count)
     SELECT b.period_start, b.period_end, l.tariff_id, l.rate_period_from, l.rate_period_to, l.fuel, b.category, l.kind, l.estimated,
            sum(l.kwh), sum(l.amount_pence), count(*), count(DISTINCT l.bill_id)
     FROM bills b JOIN bill_lines l ON l.bill_id = b.bill_id
     WHERE b.bill_id = ANY($1::uuid[]) AND l.kind <> 'vat'
     GROUP BY b.period_start, b.period_end, l.tariff_id, l.rate_period_from, l.rate_period_to, l.fuel, b.category, l.kind, l.estimated`,
    [ids],
  );
  await client.query(
    `INSERT INTO settlement_bill_totals (period_start, period_end, kind, bills, vat_pence, total_pence)
     SELECT period_start, period_end, kind, count(*), sum(vat_pence), sum(total_pence) FROM bills WHERE bill_id = ANY($1::uuid[])
     GROUP BY period_start, period_end, kind`,
    [ids],
  );
}

/** One settlement_line_totals row. */
export interface SettlementLineTotal {
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly tariffId: string | null;
  readonly ratePeriodFrom: string | null;
  readonly ratePeriodTo: string | null;
  readonly fuel: string | null;
  readonly category: string;
  readonly kind: string;
  readonly estimated: boolean;
  /** null when no line of the group has a kWh (SQL's sum of nulls). */
  readonly kWh: string | null;
  readonly amountPence: string;
  readonly lineCount: number;
  readonly billCount: number;
}

/** One settlement_bill_totals row. */
export interface SettlementBillTotal {
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly kind: 'bill' | 'correction';
  readonly bills: number;
  readonly vatPence: string;
  readonly totalPence: string;
}

/** Whole pence as canonical strings (what every line and total carries). */
const PENCE = /^-?\d{1,30}$/;

/**
 * The summary rows of these bills, grouped as the v8 SQL groups them (period, tariff, rate period, fuel,
 * category, line kind, estimated; VAT lines left out); null when a value is not one this function sums
 * exactly (the caller then sums in SQL). `kind` of a bill row: 'bill' unless it corrects another.
 */
export function settlementTotalsOf(bills: readonly Bill[]): { lines: SettlementLineTotal[]; billTotals: SettlementBillTotal[] } | null {
  // Per bill one group key for its period and category, per line one for the rest; amounts summed as safe integers
  // while every partial sum is one (then exactly, as BigInt), bills counted once per group by the last bill seen.
  const lineGroups = new Map<string, LineGroup>();
  const billGroups = new Map<string, BillGroup>();
  let billNo = 0;
  for (const bill of bills) {
    billNo += 1;
    const { start, end } = bill.period;
    const kind = bill.correctsBillId === null ? 'bill' : 'correction';
    const { vatPence, totalPence } = bill.totals;
    if (!PENCE.test(vatPence) || !PENCE.test(totalPence)) return null;
    const bk = `${start}|${end}|${kind}`;
    let bg = billGroups.get(bk);
    if (bg === undefined) billGroups.set(bk, (bg = { periodStart: start, periodEnd: end, kind, bills: 0, vat: new ExactSum(), total: new ExactSum() }));
    bg.bills += 1;
    bg.vat.add(vatPence);
    bg.total.add(totalPence);
    // NUL cannot occur in a PostgreSQL text value, so it separates the parts unambiguously.
    const billKey = `${start}\0${end}\0${bill.category}`;
    for (const l of bill.lines) {
      if (l.kind === 'vat') continue;
      if (!PENCE.test(l.amountPence)) return null;
      const tariffId = l.tariffId ?? null;
      const ratePeriodFrom = l.ratePeriodFrom ?? null;
      const ratePeriodTo = l.ratePeriodTo ?? null;
      const fuel = l.fuel ?? null;
      const k = `${billKey}\0${tariffId}\0${ratePeriodFrom}\0${ratePeriodTo}\0${fuel}\0${l.kind}\0${l.estimated}`;
      let g = lineGroups.get(k);
      if (g === undefined) {
        g = {
          key: { periodStart: start, periodEnd: end, tariffId, ratePeriodFrom, ratePeriodTo, fuel, category: bill.category, kind: l.kind, estimated: l.estimated },
          kWh: [],
          amount: new ExactSum(),
          lines: 0,
          bills: 0,
          lastBill: 0,
        };
        lineGroups.set(k, g);
      }
      if (l.kWh !== undefined && l.kWh !== null) g.kWh.push(l.kWh);
      g.amount.add(l.amountPence);
      g.lines += 1;
      if (g.lastBill !== billNo) {
        g.lastBill = billNo;
        g.bills += 1;
      }
    }
  }
  const lines: SettlementLineTotal[] = [];
  for (const g of lineGroups.values()) {
    const kWh = g.kWh.length === 0 ? null : sumPlainDecimals(g.kWh);
    if (kWh === undefined) return null;
    lines.push({ ...g.key, kWh, amountPence: g.amount.toString(), lineCount: g.lines, billCount: g.bills });
  }
  const billTotals = [...billGroups.values()].map((g) => ({
    periodStart: g.periodStart,
    periodEnd: g.periodEnd,
    kind: g.kind,
    bills: g.bills,
    vatPence: g.vat.toString(),
    totalPence: g.total.toString(),
  }));
  return { lines, billTotals };
}

interface LineGroup {
  readonly key: Omit<SettlementLineTotal, 'kWh' | 'amountPence' | 'lineCount' | 'billCount'>;
  readonly kWh: string[];
  readonly amount: ExactSum;
  lines: number;
  bills: number;
  lastBill: number;
}

interface BillGroup {
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly kind: 'bill' | 'correction';
  bills: number;
  readonly vat: ExactSum;
  readonly total: ExactSum;
}

/** An exact sum of whole-pence strings: a Number while every term and partial sum is a safe integer, BigInt from then on. */
class ExactSum {
  private small = 0;
  private big: bigint | null = null;

  add(pence: string): void {
    if (this.big === null) {
      const n = Number(pence);
      const next = this.small + n;
      if (Number.isSafeInteger(n) && Number.isSafeInteger(next)) {
        this.small = next;
        return;
      }
      this.big = BigInt(this.small);
    }
    this.big += BigInt(pence);
  }

  toString(): string {
    return this.big === null ? String(this.small) : this.big.toString();
  }
}
