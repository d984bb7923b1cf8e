import type { Principal } from '@surge/auth/principal';
import type { BillLine, BillRegister } from '@surge/billing-domain/bill.model';
import { lastDayOf } from '@surge/billing-domain/calendar';
import { formatPounds } from '@surge/billing-domain/money';
import { notFound, validationError } from '@surge/errors/app.error';
import { requireAccountAccess } from './billing-access.policy';
import type { BillRepository, BillSummary } from './bill.repository';
import type { BillKind } from './bill-row.mapper';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface BillTotalsView {
  readonly netPence: string;
  readonly vatPence: string;
  readonly totalPence: string;
  /** The total for people, e.g. '£168.18'. */
  readonly total: string;
}

export interface BillSummaryView extends Omit<BillSummary, 'totals'> {
  readonly lastDay: string;
  readonly totals: BillTotalsView;
}

/** One bill with every line: what it charges, for which days, how many kWh at which rate. */
export interface BillView extends BillSummaryView {
  readonly accountId: string;
  readonly category: string;
  readonly domestic: boolean;
  readonly supplyDays: number;
  readonly lines: readonly BillLine[];
  readonly registers: readonly BillRegister[];
  readonly readingSources: unknown;
}

const totalsView = (t: BillSummary['totals']): BillTotalsView => ({ ...t, total: formatPounds(t.totalPence) });

/** An account's bills, for its customer (bearer token) or billing staff (billing:read). */
export class BillQueryService {
  constructor(private readonly bills: BillRepository) {}

  async list(principal: Principal, accountId: string, query: { limit?: string }): Promise<{ items: BillSummaryView[] }> {
    requireAccountAccess(principal, accountId);
    const limit = query.limit === undefined ? 24 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw validationError('VALIDATION_FAILED', 'limit must be a whole number from 1 to 100.', [
        { code: 'INVALID_FIELD', field: 'limit', message: 'limit must be a whole number from 1 to 100.' },
      ]);
    }
    const rows = await this.bills.listForAccount(accountId, limit);
    return { items: rows.map((b) => ({ ...b, lastDay: lastDayOf(b.period), totals: totalsView(b.totals) })) };
  }

  async get(principal: Principal, accountId: string, billId: string): Promise<BillView> {
    requireAccountAccess(principal, accountId);
    const missing = notFound('NOT_FOUND', `No bill ${billId} on account ${accountId}.`);
    if (!UUID.test(billId)) throw missing;
    const stored = await this.bills.get(accountId, billId);
    if (!stored) throw missing;
    const { row, bill } = stored;
    return {
      billId: bill.billId,
      kind: row.kind as BillKind,
      revision: row.revision,
      correctsBillId: bill.correctsBillId,
      accountId: bill.accountId,
      category: bill.category,
      domestic: bill.domestic,
      period: bill.period,
      lastDay: lastDayOf(bill.period),
      supplyDays: bill.supplyDays,
      estimated: bill.estimated,
      issuedAt: row.issued_at,
      runId: row.run_id,
      totals: totalsView(bill.totals),
      lines: bill.lines,
      registers: bill.registers,
      readingSources: row.reading_sources,
    };
  }
}
