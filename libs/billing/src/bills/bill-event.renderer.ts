import type { PoolClient } from 'pg';
import { BILL_ISSUED_SCHEMA, type BillIssuedV1, type BillLineV1 } from '@surge/billing-contracts/bill-issued.event';

interface IssuedBillRow {
  bill_id: string;
  account_id: string;
  kind: BillIssuedV1['kind'];
  corrects_bill_id: string | null;
  period_start: string;
  period_end: string;
  net_pence: string;
  vat_pence: string;
  total_pence: string;
  estimated: boolean;
  result_estimated: boolean;
  issued_at: string;
}

interface IssuedLineRow {
  bill_id: string;
  line_no: number;
  kind: BillLineV1['kind'];
  description: string;
  period_from: string;
  period_to: string;
  amount_pence: string;
  estimated: boolean;
}

/**
 * The bill.issued.v1 events of committed bills, rendered from their stored rows (bill_event_outbox rows
 * carry only the bill id, migration v12). Issued bills and their lines are never updated or deleted
 * (database triggers), so an event rendered when the relay publishes says exactly what the chunk's
 * transaction committed, whenever that is. Two reads by primary key per batch; bills not found are
 * absent from the answer (the relay then holds its batch back).
 */
export async function renderBillIssuedEvents(client: PoolClient, billIds: readonly string[]): Promise<Map<string, BillIssuedV1>> {
  const events = new Map<string, BillIssuedV1>();
  if (billIds.length === 0) return events;
  const ids = [...billIds];
  // One after the other: a client runs one statement at a time.
  const bills = await client.query<IssuedBillRow>(
    `SELECT bill_id, account_id, kind, corrects_bill_id, period_start::text, period_end::text, net_pence::text, vat_pence::text, total_pence::text,
            estimated, result_estimated, to_char(issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS issued_at
     FROM bills WHERE bill_id = ANY($1::uuid[])`,
    [ids],
  );
  const lines = await client.query<IssuedLineRow>(
    `SELECT bill_id, line_no, kind, description, period_from::text, period_to::text, amount_pence::text, estimated
     FROM bill_lines WHERE bill_id = ANY($1::uuid[]) ORDER BY bill_id, line_no`,
    [ids],
  );
  const linesOf = new Map<string, BillLineV1[]>();
  for (const l of lines.rows) {
    let list = linesOf.get(l.bill_id);
    if (!list) linesOf.set(l.bill_id, (list = []));
    list.push({ lineNo: l.line_no, kind: l.kind, description: l.description, periodFrom: l.period_from, periodTo: l.period_to, amountPence: l.amount_pence, estimated: l.estimated });
  }
  for (const b of bills.rows) {
    events.set(b.bill_id, {
      schema: BILL_ISSUED_SCHEMA,
      billId: b.bill_id,
      accountId: b.account_id,
      kind: b.kind,
      correctsBillId: b.corrects_bill_id,
      periodStart: b.period_start,
      periodEnd: b.period_end,
      netPence: b.net_pence,
      vatPence: b.vat_pence,
      totalPence: b.total_pence,
      // A correction is announced as estimated or not by the bill it brings the account to.
      estimated: b.kind === 'correction' ? b.result_estimated : b.estimated,
      issuedAt: b.issued_at,
      lines: linesOf.get(b.bill_id) ?? [],
    });
  }
  return events;
}
