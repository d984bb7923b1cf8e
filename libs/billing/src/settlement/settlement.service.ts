import type { Pool } from 'pg';
import type { Principal } from '@surge/auth/principal.model';
import type { CustomerCategory } from '@surge/billing-domain/bill.model';
import type { DateSpan } from '@surge/billing-domain/calendar.model';
import { Decimal, decimalToString } from '@surge/billing-domain/money.model';
import { type SettlementKind, type SettlementRow, compareSettlementRows, toCsv } from '@surge/billing-domain/settlement.aggregator';
import type { Fuel } from '@surge/billing-domain/tariff.model';
import { requireScope } from '../accounts-tariffs/billing-access.policy';

export interface SettlementReport {
  /** Bills (and corrections) whose period lies within [from, to). */
  readonly period: DateSpan;
  readonly rows: readonly SettlementRow[];
  readonly totals: {
    readonly bills: number;
    readonly corrections: number;
    /** Sum of the rows (net of VAT). */
    readonly netPence: string;
    readonly vatPence: string;
    /** netPence + vatPence: equals the sum of the bills' totals. */
    readonly totalPence: string;
  };
}

interface Row {
  tariff_id: string;
  rate_period_from: string;
  rate_period_to: string | null;
  fuel: Fuel;
  category: CustomerCategory;
  kind: SettlementKind;
  estimated: boolean;
  kwh: string | null;
  amount: string;
  line_count: string;
  bill_count: string;
}

/**
 * Settlement: kWh and money billed per tariff rate period x fuel x customer
 * category x estimated/actual (and line kind), exactly the rows the domain's
 * settlementRows gives, but aggregated in PostgreSQL (a million bills never
 * come into memory): exact numeric sums of the stored lines, kept per chunk
 * at write time (settlement-summary.writer.ts) and summed here; VAT lines left
 * out of the rows and reported as a total; corrections net in. CSV through
 * the domain's toCsv.
 */
export class SettlementService {
  constructor(private readonly pool: Pool) {}

  async report(principal: Principal, period: DateSpan): Promise<SettlementReport> {
    requireScope(principal, 'billing:read');
    return this.aggregate(period);
  }

  async csv(principal: Principal, period: DateSpan): Promise<string> {
    requireScope(principal, 'billing:read');
    return toCsv((await this.aggregate(period)).rows);
  }

  async aggregate(period: DateSpan): Promise<SettlementReport> {
    // From the summary the chunk transactions maintain (migration v8, settlement-summary.writer.ts): exact
    // numeric sums of sums, over tens of thousands of rows however many bills there are.
    const [lines, totals] = await Promise.all([
      this.pool.query<Row>(
        `SELECT tariff_id, rate_period_from::text, rate_period_to::text, fuel, category, kind, estimated,
                sum(kwh)::text AS kwh, sum(amount_pence)::text AS amount, sum(line_count)::text AS line_count, sum(bill_count)::text AS bill_count
         FROM settlement_line_totals
         WHERE period_start >= $1 AND period_end <= $2
         GROUP BY tariff_id, rate_period_from, rate_period_to, fuel, category, kind, estimated`,
        [period.start, period.end],
      ),
      this.pool.query<{ bills: string; corrections: string; vat: string; total: string }>(
        `SELECT coalesce(sum(bills) FILTER (WHERE kind = 'bill'), 0)::text AS bills, coalesce(sum(bills) FILTER (WHERE kind = 'correction'), 0)::text AS corrections,
                coalesce(sum(vat_pence), 0)::text AS vat, coalesce(sum(total_pence), 0)::text AS total
         FROM settlement_bill_totals WHERE period_start >= $1 AND period_end <= $2`,
        [period.start, period.end],
      ),
    ]);
    const rows = lines.rows
      .map((r) => ({
        tariffId: r.tariff_id,
        ratePeriodFrom: r.rate_period_from,
        ratePeriodTo: r.rate_period_to,
        fuel: r.fuel,
        category: r.category,
        kind: r.kind,
        estimated: r.estimated,
        kWh: decimalToString(new Decimal(r.kwh ?? '0')),
        amountPence: decimalToString(new Decimal(r.amount)),
        lineCount: Number(r.line_count),
        billCount: Number(r.bill_count),
      }))
      .sort(compareSettlementRows);
    const net = rows.reduce((sum, r) => sum.plus(r.amountPence), new Decimal(0));
    const t = totals.rows[0]!;
    return {
      period,
      rows,
      totals: {
        bills: Number(t.bills),
        corrections: Number(t.corrections),
        netPence: decimalToString(net),
        vatPence: t.vat,
        totalPence: decimalToString(net.plus(t.vat)),
      },
    };
  }
}
