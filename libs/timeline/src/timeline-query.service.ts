import { hasScope, type Principal } from '@surge/auth/principal.model';
import { forbidden, notFound, validationError } from '@surge/errors/app.error';
import { parseOrThrow } from '@surge/validation/schema.parser';
import type { TimelineFamily } from './timeline-entry.model';
import { lookupQuerySchema, timelineQuerySchema, type TimelinePage } from './timeline-query.schema';
import type { FlowReadingCounts, StoredEntry, TimelineRepository } from './timeline.repository';

const LATEST_CURSOR_MS = Date.UTC(9999, 11, 31);
// Every prefix the mapper derives entry ids with (a page ending on a flexibility or flow entry must page on).
const ENTRY_ID = /^(reading|bill|survey|registry|flex|flow):[A-Za-z0-9._~:-]{1,300}$/;

/**
 * An account's story for customer service (API key with `timeline:read`) and for the customer themself
 * (their token's account only). Object-level authorization: a customer asking for another account gets
 * exactly the 404 of an unknown one. Staff notes are removed for customers here, in the one place every
 * answer passes, not in the page.
 */
export class TimelineQueryService {
  constructor(private readonly repository: TimelineRepository) {}

  async timeline(principal: Principal, accountId: string, query: Record<string, unknown>): Promise<TimelinePage> {
    const staff = authorize(principal, accountId);
    const q = parseOrThrow(timelineQuerySchema, query);
    const fromMs = q.from === undefined ? undefined : Date.parse(q.from);
    const toMs = q.to === undefined ? undefined : Date.parse(q.to);
    if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
      throw validationError('VALIDATION_FAILED', 'from must be before to.', [{ code: 'INVALID_FIELD', field: 'from', message: 'from must be before to.' }]);
    }
    const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const rows = await this.repository.page({
      accountId,
      limit: q.limit,
      ...(q.kind ? { families: q.kind.split(',') as TimelineFamily[] } : {}),
      ...(fromMs !== undefined ? { fromMs } : {}),
      ...(toMs !== undefined ? { toMs } : {}),
      ...(before ? { before } : {}),
    });
    // Staff asking about an account the timeline never heard of: say so (the page shows it), rather than an empty story.
    if (rows.length === 0 && staff && before === undefined && !(await this.repository.knows(accountId))) throw accountNotFound(accountId);
    const last = rows.length === q.limit ? rows[rows.length - 1] : undefined;
    const flowIds = rows.filter((r) => r.family === 'flow').map((r) => r.link.id);
    const flowCounts = flowIds.length > 0 ? await this.repository.flowReadingCounts(accountId, flowIds) : new Map<string, FlowReadingCounts>();
    return {
      accountId,
      items: rows.map((r) => view(r.family === 'flow' ? withFlowOutcomes(r, flowCounts.get(r.link.id)) : r, staff)),
      nextCursor: last ? encodeCursor(last.occurredAtMs, last.entryId) : null,
    };
  }

  /** Customer service's search: exact account id, MPAN / MPRN or meter serial. Staff only. */
  async lookup(principal: Principal, query: Record<string, unknown>) {
    if (!hasScope(principal, 'timeline:read')) throw forbidden('INSUFFICIENT_SCOPE', 'Finding accounts is for customer service: an API key with timeline:read.');
    const { q } = parseOrThrow(lookupQuerySchema, query);
    const matches = await this.repository.find(q, 20);
    return { query: q, matches: matches.map((m) => ({ ...m, timeline: `/v1/accounts/${encodeURIComponent(m.accountId)}/timeline` })) };
  }
}

/** True for staff, false for the account's own customer; throws for anyone else. */
function authorize(principal: Principal, accountId: string): boolean {
  if (principal.kind === 'customer') {
    if (principal.accountId !== accountId) throw accountNotFound(accountId);
    return false;
  }
  if (!hasScope(principal, 'timeline:read')) throw forbidden('INSUFFICIENT_SCOPE', 'Reading account timelines needs an API key with timeline:read.');
  return true;
}

function view(r: StoredEntry, staff: boolean) {
  const base = { id: r.entryId, kind: r.kind, occurredAt: r.occurredAt, source: r.source, summary: r.summary, link: r.link, details: r.details };
  return staff ? { ...base, staffNote: r.staffNote } : base;
}

/**
 * A flow entry with what read-sink decided about its readings, counted when the page is read from the account's
 * reading entries (so a review since shows), appended to the summary and under details.outcomes.
 */
export function withFlowOutcomes(r: StoredEntry, counts: FlowReadingCounts = { accepted: 0, held: 0, rejected: 0 }): StoredEntry {
  const readings = typeof r.details.readings === 'number' ? r.details.readings : 0;
  const undecided = Math.max(0, readings - counts.accepted - counts.held - counts.rejected);
  const parts = [`${counts.accepted} accepted`, `${counts.held} held for review`, `${counts.rejected} rejected`];
  if (undecided > 0) parts.push(`${undecided} not decided yet`);
  return { ...r, summary: `${r.summary} (${parts.join(', ')})`, details: { ...r.details, outcomes: { ...counts, undecided } } };
}

const accountNotFound = (id: string) => notFound('ACCOUNT_NOT_FOUND', `No account ${id.slice(0, 64)} is known to the timeline for this caller. Check the id, or search by MPAN or meter serial.`);

export const encodeCursor = (ms: number, entryId: string): string => Buffer.from(`${ms}|${entryId}`).toString('base64url');

export function decodeCursor(cursor: string): { occurredAtMs: number; entryId: string } {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = raw.indexOf('|');
  const at = raw.slice(0, bar);
  const id = raw.slice(bar + 1);
  // Only what encodeCursor writes: whole ms in a range PostgreSQL holds, and an id of the derived shape.
  if (bar < 1 || !/^\d{1,15}$/.test(at) || Number(at) > LATEST_CURSOR_MS || !ENTRY_ID.test(id)) {
    throw validationError('INVALID_CURSOR', 'The cursor is not one this API gave out; start again without it.', [
      { code: 'INVALID_CURSOR', field: 'cursor', message: 'Unknown cursor: pass back nextCursor exactly as received.' },
    ]);
  }
  return { occurredAtMs: Number(at), entryId: id };
}
