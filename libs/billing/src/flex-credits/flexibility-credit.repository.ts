import type { Pool, PoolClient } from 'pg';
import type { FlexibilityCreditInput } from '@surge/billing-domain/bill.model';
import type { DateSpan } from '@surge/billing-domain/calendar.model';
import type { EarnedValueV1 } from '@surge/flexibility-contracts/flexibility.events';

interface CreditRow {
  credit_id: string;
  account_id: string;
  programme_name: string;
  window_start: Date;
  window_end: Date;
  delivered_kwh: string;
  price_pence_per_kwh: string;
  earned_pence: string;
}

const LONDON = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const LONDON_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** The bill line's words: "Flexibility credit: Evening peak, 1 Dec 2026 18:00-19:00, 4.2 kWh at 57.15p/kWh". */
export function creditDescription(r: Pick<CreditRow, 'programme_name' | 'window_start' | 'window_end' | 'delivered_kwh' | 'price_pence_per_kwh'>): string {
  return `Flexibility credit: ${r.programme_name}, ${LONDON.format(r.window_start).replace(',', '')}-${LONDON_TIME.format(r.window_end)}, ${r.delivered_kwh} kWh at ${r.price_pence_per_kwh}p/kWh`;
}

const toInput = (r: CreditRow): FlexibilityCreditInput => ({ creditId: r.credit_id, description: creditDescription(r), earnedPence: r.earned_pence, deliveredKwh: r.delivered_kwh });

function group(rows: readonly CreditRow[]): Map<string, FlexibilityCreditInput[]> {
  const out = new Map<string, FlexibilityCreditInput[]>();
  for (const r of rows) {
    const list = out.get(r.account_id) ?? [];
    list.push(toInput(r));
    out.set(r.account_id, list);
  }
  return out;
}

const COLUMNS = 'credit_id, account_id, programme_name, window_start, window_end, delivered_kwh::text AS delivered_kwh, price_pence_per_kwh::text AS price_pence_per_kwh, earned_pence::text AS earned_pence';

/**
 * Billing's flexibility credits: its own table, fed from flex.earned-value.v1 by the credit intake (run by billing-events). A bill
 * takes every credit of its account not yet on a bill whose event ended before the bill period's end
 * (London): the member's NEXT bill. A correction re-uses the credits its period's bill carried, so a
 * recomputation never reverses a credit.
 */
export class FlexibilityCreditRepository {
  constructor(private readonly pool: Pool) {}

  async pendingFor(accountIds: readonly string[], period: DateSpan): Promise<Map<string, FlexibilityCreditInput[]>> {
    if (accountIds.length === 0) return new Map();
    const { rows } = await this.pool.query<CreditRow>(
      `SELECT ${COLUMNS} FROM flexibility_credits
        WHERE account_id = ANY($1) AND bill_id IS NULL AND window_end <= ($2::date)::timestamp AT TIME ZONE 'Europe/London'
        ORDER BY account_id, window_start, credit_id`,
      [accountIds, period.end],
    );
    return group(rows);
  }

  async appliedFor(accountIds: readonly string[], period: DateSpan): Promise<Map<string, FlexibilityCreditInput[]>> {
    if (accountIds.length === 0) return new Map();
    const { rows } = await this.pool.query<CreditRow>(
      `SELECT ${COLUMNS} FROM flexibility_credits WHERE account_id = ANY($1) AND applied_period_start = $2 AND applied_period_end = $3 ORDER BY account_id, window_start, credit_id`,
      [accountIds, period.start, period.end],
    );
    return group(rows);
  }

  /** Idempotent: a redelivered event (same creditId) inserts nothing. Returns how many were new. */
  async store(credits: readonly EarnedValueV1[]): Promise<number> {
    if (credits.length === 0) return 0;
    const r = await this.pool.query(
      `INSERT INTO flexibility_credits (credit_id, account_id, event_id, programme_name, window_start, window_end, delivered_kwh, price_pence_per_kwh, earned_pence)
       SELECT x.* FROM json_to_recordset($1::json) AS x(credit_id text, account_id text, event_id text, programme_name text, window_start timestamptz, window_end timestamptz, delivered_kwh numeric, price_pence_per_kwh numeric, earned_pence bigint)
       ON CONFLICT (credit_id) DO NOTHING`,
      [
        JSON.stringify(
          credits.map((c) => ({
            credit_id: c.creditId,
            account_id: c.accountId,
            event_id: c.eventId,
            programme_name: c.programmeName,
            window_start: c.windowStart,
            window_end: c.windowEnd,
            delivered_kwh: c.deliveredKwh,
            price_pence_per_kwh: c.pricePencePerKwh,
            earned_pence: c.earnedPence,
          })),
        ),
      ],
    );
    return r.rowCount ?? 0;
  }
}

/**
 * In the chunk's transaction: the credits on newly inserted ordinary bills are marked with their bill, once.
 * A credit already on another bill (it cannot be, the chunk lock and pendingFor see to that) fails the
 * chunk rather than crediting twice.
 */
export async function markCreditsApplied(client: PoolClient, applied: ReadonlyArray<{ billId: string; period: DateSpan; creditIds: readonly string[] }>): Promise<void> {
  const rows = applied.flatMap((a) => a.creditIds.map((creditId) => ({ credit_id: creditId, bill_id: a.billId, start: a.period.start, end: a.period.end })));
  if (rows.length === 0) return;
  const r = await client.query(
    `UPDATE flexibility_credits c SET bill_id = x.bill_id, applied_period_start = x.start, applied_period_end = x."end"
       FROM json_to_recordset($1::json) AS x(credit_id text, bill_id uuid, start date, "end" date)
      WHERE c.credit_id = x.credit_id AND c.bill_id IS NULL`,
    [JSON.stringify(rows)],
  );
  if (r.rowCount !== rows.length) throw new Error(`flexibility credits already on a bill: ${rows.length - (r.rowCount ?? 0)} of ${rows.length}; the chunk is retried`);
}
