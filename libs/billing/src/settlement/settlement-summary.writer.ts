import type { PoolClient } from 'pg';

/**
 * Adds the settlement sums of bills just inserted in the caller's transaction
 * (migration v8: settlement_line_totals, settlement_bill_totals), computed in
 * SQL from the bill and line rows themselves, so the summary holds exactly
 * what was committed and commits or rolls back with the bills. Call it once
 * per set of new bills (each bill in exactly one call: bill counts add up
 * across summary rows only because no bill is summed twice).
 */
export async function addSettlementTotals(client: PoolClient, billIds: readonly string[]): Promise<void> {
  if (billIds.length === 0) return;
  const ids = [...billIds];
  await client.query(
    `INSERT INTO settlement_line_totals
       (period_start, period_end, tariff_id, rate_period_from, rate_period_to, fuel, category, kind, estimated, kwh, amount_pence, line_count, bill_count)
     SELECT b.period_start, b.period_end, l.tariff_id, l.rate_period_from, l.rate_period_to, l.fuel, b.category, l.kind, l.estimated,
            sum(l.kwh), sum(l.amount_pence), count(*), count(DISTINCT l.bill_id)
     FROM bills b JOIN bill_lines l ON l.bill_id = b.bill_id
     WHERE b.bill_id = ANY($1::uuid[]) AND l.bill_id = ANY($1::uuid[]) AND l.kind <> 'vat'
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
