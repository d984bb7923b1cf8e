/**
 * `billing.bills.v1`: every bill billing issues, ordinary or correction, with its totals and lines, for
 * customer service (the account timeline) and anyone else who must know a bill exists without reading
 * billing's database.
 *
 * Key: account id, so one account's bills stay in issue order. Delivery: at least once, from billing's
 * PostgreSQL outbox (`bill_event_outbox`, written in the chunk's transaction with the bill itself, so a
 * committed bill always has its event queued and a rolled-back chunk has none). Consumers deduplicate on
 * `billId` (one event per bill; issued bills are immutable, a correction is a new bill). Money is whole
 * pence as decimal strings (exact, no floating point). Versioned by `schema`; additive changes only, an
 * incompatible one makes `billing.bills.v2`.
 */
export const BILL_ISSUED_SCHEMA = 'bill.issued.v1';

export interface BillLineV1 {
  readonly lineNo: number;
  /** 'flexibility-credit' (issue 17, additive): a flexibility programme's payment, negative, outside the scope of VAT. */
  readonly kind: 'energy' | 'export-credit' | 'standing-charge' | 'vat' | 'flexibility-credit';
  readonly description: string;
  readonly periodFrom: string;
  readonly periodTo: string;
  readonly amountPence: string;
  readonly estimated: boolean;
}

export interface BillIssuedV1 {
  readonly schema: typeof BILL_ISSUED_SCHEMA;
  readonly billId: string;
  readonly accountId: string;
  readonly kind: 'bill' | 'correction';
  /** The bill a correction corrects; null for an ordinary bill. */
  readonly correctsBillId: string | null;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly netPence: string;
  readonly vatPence: string;
  readonly totalPence: string;
  readonly estimated: boolean;
  readonly issuedAt: string;
  readonly lines: readonly BillLineV1[];
}

/** Parses a record's value; null when it is not a bill.issued.v1 event (a consumer skips it and says so). */
export function decodeBillIssued(value: Buffer | string): BillIssuedV1 | null {
  try {
    const v = JSON.parse(typeof value === 'string' ? value : value.toString('utf8')) as Partial<BillIssuedV1>;
    if (v?.schema !== BILL_ISSUED_SCHEMA || typeof v.billId !== 'string' || typeof v.accountId !== 'string' || typeof v.issuedAt !== 'string') return null;
    if (!Array.isArray(v.lines) || Number.isNaN(Date.parse(v.issuedAt))) return null;
    return v as BillIssuedV1;
  } catch {
    return null;
  }
}
