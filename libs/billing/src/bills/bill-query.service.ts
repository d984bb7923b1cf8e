import type { Principal } from '@surge/auth/principal.model';
import type { Bill, BillLine, BillRegister } from '@surge/billing-domain/bill.model';
import { lastDayOf } from '@surge/billing-domain/calendar.model';
import { formatPounds } from '@surge/billing-domain/money.model';
import { notFound, validationError } from '@surge/errors/app.error';
import { requireAccountAccess } from '../accounts-tariffs/billing-access.policy';
import type { BillRepository, BillSummary, StoredBill } from './bill.repository';
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
  /** Corrections only: both sides in full and the difference this bill carries (its own lines and totals). */
  readonly correction?: CorrectionView;
}

/**
 * A correction shown whole: what had been issued for the period (the bill, or the previous correction's
 * recomputed bill), the full recomputed bill the account is now charged, each with its own estimated flag,
 * and the difference (recomputed - issued, line by line) which is what this correction bill charges.
 */
export interface CorrectionView {
  readonly corrects: { readonly billId: string; readonly kind: BillKind; readonly revision: number; readonly estimated: boolean; readonly totals: BillTotalsView };
  readonly recomputed: { readonly estimated: boolean; readonly totals: BillTotalsView; readonly lines: readonly BillLine[]; readonly registers: readonly BillRegister[] };
  readonly difference: { readonly totals: BillTotalsView; readonly lines: readonly BillLine[] };
}

const totalsView = (t: BillSummary['totals']): BillTotalsView => ({ ...t, total: formatPounds(t.totalPence) });
/** The full bill a stored bill brings the account to: itself, or a correction's recomputed bill. */
const effectiveOf = (s: StoredBill): Bill => (s.row.kind === 'correction' && s.row.recomputed ? s.row.recomputed : s.bill);

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
    const correction = row.kind === 'correction' ? await this.correctionOf(accountId, stored) : undefined;
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
      // A correction's estimated is that of the bill it brings the account to (its lines keep their own flags:
      // the reversal of an estimate is estimated, the re-bill from an actual is not).
      estimated: row.kind === 'correction' ? row.result_estimated : bill.estimated,
      issuedAt: row.issued_at,
      runId: row.run_id,
      totals: totalsView(bill.totals),
      lines: bill.lines,
      registers: bill.registers,
      readingSources: row.reading_sources,
      ...(correction ? { correction } : {}),
    };
  }

  private async correctionOf(accountId: string, stored: StoredBill): Promise<CorrectionView> {
    const { row, bill } = stored;
    const recomputed = effectiveOf(stored);
    const base = bill.correctsBillId ? await this.bills.get(accountId, bill.correctsBillId) : null;
    if (!base) throw new Error(`correction ${bill.billId} corrects ${String(bill.correctsBillId)}, which is not on account ${accountId}`);
    const issued = effectiveOf(base);
    return {
      corrects: { billId: base.row.bill_id, kind: base.row.kind as BillKind, revision: base.row.revision, estimated: issued.estimated, totals: totalsView(issued.totals) },
      recomputed: { estimated: recomputed.estimated, totals: totalsView(recomputed.totals), lines: recomputed.lines, registers: recomputed.registers },
      difference: { totals: totalsView(bill.totals), lines: bill.lines },
    };
  }
}
