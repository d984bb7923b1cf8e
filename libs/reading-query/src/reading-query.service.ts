import type { Principal } from '@surge/auth/principal.model';
import { hasScope } from '@surge/auth/principal.model';
import { AppError, notFound, unavailable, validationError } from '@surge/errors/app.error';
import { parseInstant } from '@surge/meter-domain/instant.model';
import { LATEST_STORABLE_READ_AT_MS } from '@surge/meter-domain/reading-submission.validator';
import { decodePageCursor, encodePageCursor } from '@surge/validation/page-cursor.codec';
import type { MeterReadingRepository, ReadingBill, ReadingWithBills, StoredReading } from '@surge/reading-store/meter-reading.repository';

export interface ReadingView {
  readingId: string;
  accountId: string;
  supplyPointId: string;
  meterSerial: string;
  registerId: string;
  readAt: string;
  value: string;
  unit: string;
  source: string;
  channel: string;
  /** 'billed': accepted, and at least one bill has used it (see `bills`). */
  status: 'received' | 'accepted' | 'rejected' | 'held' | 'billed';
  reason: { code: string; industryCode: string | null; message: string } | null;
  duplicateOf: string | null;
  backdated: boolean;
  flags: readonly string[];
  submittedAt: string;
  decidedAt: string | null;
  /**
   * The bills that used this reading, oldest period first; empty until billing's marks reach
   * ClickHouse (seconds after the bill run's chunk commits; longer while ClickHouse is away).
   */
  bills: readonly ReadingBill[];
}

/** Looks up "received" receipts for readings the sink has not decided yet. */
export interface ReceiptLookup {
  find(readingId: string): Promise<{ accountId: string; submittedAt: string } | null>;
}

const noReceipts: ReceiptLookup = { find: async () => null };

/**
 * What became of a customer's readings. Authorization is object-level: a
 * customer sees only their own account; another account's reading or
 * account answers 404, exactly like one that does not exist.
 */
export class ReadingQueryService {
  constructor(
    private readonly repository: MeterReadingRepository,
    private readonly receipts: ReceiptLookup = noReceipts,
  ) {}

  /**
   * A customer sees only readings on their own account (another's is 404). Staff (API key with readings:read)
   * may name the account (?accountId=, the cheap lookup) or give the id alone.
   */
  async getReading(principal: Principal, readingId: string, accountIdParam?: string): Promise<ReadingView> {
    const staff = principal.kind !== 'customer' && hasScope(principal, 'readings:read');
    const accountId = principal.kind === 'customer' ? principal.accountId : staff ? accountIdParam : undefined;
    const missing = notFound(
      'READING_NOT_FOUND',
      staff ? `No reading ${readingId}${accountId ? ` on account ${accountId}` : ''}.` : `No reading ${readingId} on your account.`,
    );
    if ((!accountId && !staff) || !/^[0-9a-f-]{36}$/i.test(readingId)) throw missing;
    const stored = await storage(accountId ? this.repository.findForAccount(accountId, readingId) : this.repository.findById(readingId));
    if (stored) return toView(stored);
    const receipt = await this.receipts.find(readingId);
    if (receipt && (accountId === undefined || receipt.accountId === accountId)) {
      return { ...RECEIVED_TEMPLATE, readingId, accountId: receipt.accountId, submittedAt: receipt.submittedAt };
    }
    throw missing;
  }

  async listForAccount(principal: Principal, accountId: string, page: { limit?: string; cursor?: string }) {
    const allowed = principal.kind === 'customer' ? principal.accountId === accountId : hasScope(principal, 'readings:read');
    if (!allowed) throw notFound('ACCOUNT_NOT_FOUND', `No account ${accountId} is yours.`);
    const limit = page.limit === undefined ? 50 : Number(page.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw validationError('VALIDATION_FAILED', 'limit must be a whole number from 1 to 500.', [
        { code: 'INVALID_FIELD', field: 'limit', message: 'limit must be a whole number from 1 to 500.' },
      ]);
    }
    const before = page.cursor ? decodeCursor(page.cursor) : undefined;
    const rows = await storage(this.repository.listForAccount(accountId, { limit, ...(before ? { before } : {}) }));
    const last = rows.length === limit ? rows[rows.length - 1] : undefined;
    return { items: rows.map(toView), nextCursor: last ? encodeCursor(last) : null };
  }
}

/**
 * The store being down (or not yet migrated) is the platform's problem, not the caller's: say so with
 * 503 + Retry-After rather than a 500. Submissions do not go through here and are unaffected.
 */
async function storage<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unavailable('DEPENDENCY_UNAVAILABLE', 'Readings cannot be looked up right now; try again after Retry-After seconds.', { cause: error });
  }
}

const RECEIVED_TEMPLATE: Omit<ReadingView, 'readingId' | 'accountId' | 'submittedAt'> = {
  supplyPointId: '',
  meterSerial: '',
  registerId: '',
  readAt: '',
  value: '',
  unit: '',
  source: '',
  channel: '',
  status: 'received',
  reason: null,
  duplicateOf: null,
  backdated: false,
  flags: [],
  decidedAt: null,
  bills: [],
};

/**
 * The customer's status: the sink's decision, except that an accepted reading a bill has used is
 * 'billed'. Marks on a reading that is not accepted (e.g. rejected on review after billing) are still
 * listed in `bills`, but do not turn it into 'billed': the decision stands, and the list tells the rest.
 */
export function viewStatus(r: StoredReading, bills: readonly ReadingBill[]): ReadingView['status'] {
  return r.status === 'accepted' && bills.length > 0 ? 'billed' : r.status;
}

export function toView(r: StoredReading | ReadingWithBills): ReadingView {
  const bills = 'bills' in r ? r.bills : [];
  return {
    readingId: r.readingId,
    accountId: r.accountId,
    supplyPointId: r.supplyPointId,
    meterSerial: r.meterSerial,
    registerId: r.registerId,
    readAt: r.readAt,
    value: r.value,
    unit: r.unit,
    source: r.source,
    channel: r.channel,
    status: viewStatus(r, bills),
    reason: r.reasonCode ? { code: r.reasonCode, industryCode: r.industryCode || null, message: r.message } : null,
    duplicateOf: r.duplicateOf || null,
    backdated: r.backdated,
    flags: r.flags,
    submittedAt: new Date(r.submittedAtMs).toISOString(),
    decidedAt: new Date(r.decidedAtMs).toISOString(),
    bills,
  };
}

const encodeCursor = (r: StoredReading): string => encodePageCursor(r.readAt, r.readingId);

/**
 * Only a cursor this API could have given out passes (an instant the store can hold, in the grammar we
 * write, and a reading id). Date.parse took years such as +275760 and -000001, which the store then
 * failed on, reported as an outage (503) instead of the caller's mistake.
 */
const decodeCursor = (cursor: string): { readAt: string; readingId: string } =>
  decodePageCursor(cursor, (readAt, readingId) => {
    const at = parseInstant(readAt);
    return at === null || at < 0 || at > LATEST_STORABLE_READ_AT_MS || !/^[0-9a-f-]{36}$/i.test(readingId) ? null : { readAt, readingId };
  });
