import type { Pool, PoolClient } from 'pg';
import type { DateSpan } from '@surge/billing-domain/calendar.model';
import { inTransaction } from '@surge/postgres/postgres.transaction';
import { copyBills, insertBills } from '../bills/bill.repository';
import type { NewBill } from '../bills/bill-row.mapper';
import { type BillRunKind, type BillRunState, type BillRunStatus, progressOf } from './bill-run.progress';

export interface BillRun {
  readonly runId: string;
  readonly kind: BillRunKind;
  readonly period: DateSpan;
  readonly status: BillRunState;
  readonly totalChunks: number;
}

export interface CreateBillRun {
  readonly runId: string;
  readonly kind: BillRunKind;
  readonly period: DateSpan;
  /** null = every account (bill runs) or every account whose latest bill for the period is estimated (correction runs). */
  readonly accountIds: readonly string[] | null;
  readonly chunkSize: number;
  readonly requestedBy: string;
  readonly clientRef: string | null;
}

export type CreateBillRunResult =
  | { readonly created: true; readonly run: BillRun }
  | { readonly created: false; readonly run: BillRun; readonly sameRequest: boolean }
  | { readonly created: false; readonly unknownAccountIds: readonly string[] };

/** What became of one account in a chunk. */
export type AccountOutcome =
  | { readonly accountId: string; readonly status: 'billed'; readonly newBill: NewBill }
  | { readonly accountId: string; readonly status: 'billed'; readonly existingBillId: string }
  | { readonly accountId: string; readonly status: 'skipped'; readonly billId: string | null; readonly reasonCode: string; readonly reason: string }
  | { readonly accountId: string; readonly status: 'failed'; readonly reasonCode: string; readonly reason: string };

export interface ChunkCounts {
  readonly billed: number;
  readonly skipped: number;
  readonly failed: number;
}

export type ChunkWriteResult = ({ readonly written: true } & ChunkCounts) | { readonly written: false };

export interface RunFailure {
  readonly accountId: string;
  readonly reasonCode: string;
  readonly reason: string;
  readonly chunkIndex: number;
  readonly at: string | null;
}

interface RunRow {
  run_id: string;
  kind: BillRunKind;
  period_start: string;
  period_end: string;
  selection: 'all' | 'accounts';
  status: BillRunState;
  requested_by: string;
  chunk_size: number;
  total_accounts: number;
  total_chunks: number;
  created_at: Date;
  finished_at: Date | null;
}

const RUN_COLUMNS = `r.run_id, r.kind, r.period_start::text, r.period_end::text, r.selection, r.status, r.requested_by, r.chunk_size,
  r.total_accounts, r.total_chunks, r.created_at, r.finished_at`;

const toRun = (r: RunRow): BillRun => ({
  runId: r.run_id,
  kind: r.kind,
  period: { start: r.period_start, end: r.period_end },
  status: r.status,
  totalChunks: r.total_chunks,
});

/** Seconds over which the running rate is measured. */
export const RATE_WINDOW_SECONDS = 60;

/**
 * Bill runs, their chunks and per-account items in PostgreSQL: the durable
 * state a run resumes from. Redis only holds the queue of chunk jobs, which
 * can always be rebuilt from here (`unfinishedChunks`).
 *
 * Concurrency: a chunk's results are written in ONE transaction that first
 * locks the chunk row and does nothing if the chunk is no longer pending, so
 * a redelivered or duplicated job writes nothing twice; run completion is
 * decided under a lock on the run row taken last, so two chunks finishing
 * together cannot both miss that the run is complete.
 */
export class BillRunRepository {
  constructor(
    private readonly pool: Pool,
    private readonly writePath: 'copy' | 'json' = 'copy',
  ) {}

  async create(req: CreateBillRun): Promise<CreateBillRunResult> {
    return inTransaction(this.pool, async (client) => {
      if (req.clientRef !== null) {
        const { rows } = await client.query<RunRow>(
          `SELECT ${RUN_COLUMNS} FROM bill_runs r WHERE r.client_ref = $1`,
          [req.clientRef],
        );
        const existing = rows[0];
        if (existing) {
          const same =
            existing.kind === req.kind &&
            existing.period_start === req.period.start &&
            existing.period_end === req.period.end &&
            existing.selection === (req.accountIds === null ? 'all' : 'accounts');
          return { created: false, run: toRun(existing), sameRequest: same };
        }
      }
      if (req.accountIds !== null) {
        const { rows } = await client.query<{ id: string }>(
          `SELECT id FROM unnest($1::text[]) AS id WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.account_id = id) LIMIT 20`,
          [[...req.accountIds]],
        );
        if (rows.length > 0) return { created: false, unknownAccountIds: rows.map((r) => r.id) };
      }
      // A concurrent creation with the same idempotency key makes this insert a no-op: report it, the caller retries.
      const inserted = await client.query(
        `INSERT INTO bill_runs (run_id, kind, period_start, period_end, selection, client_ref, requested_by, status, chunk_size)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8) ON CONFLICT (client_ref) DO NOTHING`,
        [req.runId, req.kind, req.period.start, req.period.end, req.accountIds === null ? 'all' : 'accounts', req.clientRef, req.requestedBy, req.chunkSize],
      );
      if (inserted.rowCount === 0) throw new Error(`a bill run with client reference ${req.clientRef} was created concurrently; retry`);
      // Chunks first (items reference them), sized from the selection's count; then the items,
      // numbered in account id order so a chunk's accounts are one key range in ClickHouse.
      const counting = selectionSql(req, 1);
      const { rows: counted } = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM (${counting.sql}) s`, counting.params);
      const total = Number(counted[0]?.n ?? 0);
      const chunks = Math.ceil(total / req.chunkSize);
      if (chunks > 0) {
        await client.query(
          `INSERT INTO bill_run_chunks (run_id, chunk_index, status, accounts)
           SELECT $1, i, 'pending', LEAST($2::int, $3::int - i * $2::int) FROM generate_series(0, $4::int - 1) AS i`,
          [req.runId, req.chunkSize, total, chunks],
        );
        const numbering = selectionSql(req, 3);
        await client.query(
          `INSERT INTO bill_run_items (run_id, account_id, chunk_index, status)
           SELECT $1, account_id, ((row_number() OVER (ORDER BY account_id)) - 1) / $2::int, 'pending' FROM (${numbering.sql}) s`,
          [req.runId, req.chunkSize, ...numbering.params],
        );
      }
      await client.query(
        `UPDATE bill_runs SET total_accounts = $2, total_chunks = $3,
           status = CASE WHEN $3::int = 0 THEN 'completed' ELSE status END, finished_at = CASE WHEN $3::int = 0 THEN now() ELSE NULL END
         WHERE run_id = $1`,
        [req.runId, total, chunks],
      );
      const run = await this.get(req.runId, client);
      return { created: true, run: run as BillRun };
    });
  }

  async get(runId: string, client: Pool | PoolClient = this.pool): Promise<BillRun | null> {
    const { rows } = await client.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM bill_runs r WHERE r.run_id = $1`, [runId]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** The chunk's state and its accounts still pending (none when the chunk is finished). */
  async pendingItems(runId: string, chunkIndex: number): Promise<{ chunkStatus: string | null; accountIds: string[] }> {
    const { rows } = await this.pool.query<{ chunk_status: string; account_id: string | null }>(
      `SELECT c.status AS chunk_status, i.account_id FROM bill_run_chunks c
       LEFT JOIN bill_run_items i ON i.run_id = c.run_id AND i.chunk_index = c.chunk_index AND i.status = 'pending'
       WHERE c.run_id = $1 AND c.chunk_index = $2 ORDER BY i.account_id`,
      [runId, chunkIndex],
    );
    if (rows.length === 0) return { chunkStatus: null, accountIds: [] };
    return { chunkStatus: rows[0]!.chunk_status, accountIds: rows.flatMap((r) => (r.account_id === null ? [] : [r.account_id])) };
  }

  /**
   * Writes a chunk's bills and outcomes in one transaction (see the class
   * comment). Accounts whose bill insert found an existing bill are recorded
   * against that bill (an exact one) or failed (an overlapping one).
   */
  async completeChunk(runId: string, chunkIndex: number, outcomes: readonly AccountOutcome[]): Promise<ChunkWriteResult> {
    return inTransaction(this.pool, async (client) => {
      const lock = await client.query<{ status: string }>('SELECT status FROM bill_run_chunks WHERE run_id = $1 AND chunk_index = $2 FOR NO KEY UPDATE', [runId, chunkIndex]);
      const locked = lock.rows[0];
      if (locked?.status !== 'pending') return { written: false };

      const newBills = outcomes.flatMap((o) => (o.status === 'billed' && 'newBill' in o ? [o.newBill] : []));
      const inserted = this.writePath === 'copy' ? await copyBills(client, newBills) : await insertBills(client, newBills);
      const lost = newBills.filter((b) => !inserted.has(b.bill.billId));
      const exact = lost.length > 0 ? await existingFor(client, lost) : new Map<string, string>();

      // Outcomes as columns (unnest of arrays): no JSON document to build and decode per chunk.
      const ids: string[] = [];
      const statuses: string[] = [];
      const billIds: (string | null)[] = [];
      const codes: (string | null)[] = [];
      const reasons: (string | null)[] = [];
      const push = (accountId: string, status: string, billId: string | null, code: string | null, reason: string | null) => {
        ids.push(accountId);
        statuses.push(status);
        billIds.push(billId);
        codes.push(code);
        reasons.push(reason);
      };
      for (const o of outcomes) {
        if (o.status === 'billed' && 'newBill' in o) {
          if (inserted.has(o.newBill.bill.billId)) push(o.accountId, 'billed', o.newBill.bill.billId, null, null);
          else {
            const existing = exact.get(o.accountId);
            if (existing) push(o.accountId, 'skipped', existing, 'ALREADY_BILLED', 'Billed by an earlier run; no bill issued');
            else push(o.accountId, 'failed', null, 'PERIOD_ALREADY_BILLED', 'A bill already covers part of this period');
          }
        } else if (o.status === 'billed') {
          // Already billed for exactly this period (an earlier run, or a race lost above): finished, but no bill was
          // issued, so it counts as skipped (alreadyBilled), never as billed.
          push(o.accountId, 'skipped', o.existingBillId, 'ALREADY_BILLED', 'Billed by an earlier run; no bill issued');
        } else if (o.status === 'skipped') push(o.accountId, 'skipped', o.billId, o.reasonCode, o.reason);
        else push(o.accountId, 'failed', null, o.reasonCode, o.reason);
      }
      await client.query(
        `UPDATE bill_run_items i SET status = x.status, bill_id = x.bill_id, reason_code = x.reason_code, reason = x.reason, updated_at = now()
         FROM unnest($3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[]) AS x(account_id, status, bill_id, reason_code, reason)
         WHERE i.run_id = $1 AND i.chunk_index = $2 AND i.account_id = x.account_id AND i.status = 'pending'`,
        [runId, chunkIndex, ids, statuses, billIds, codes, reasons],
      );
      const counts = await finishChunk(client, runId, chunkIndex, 'done', null);
      await finishRunIfComplete(client, runId);
      return { written: true, ...counts };
    });
  }

  /** After the last retry: the chunk's pending accounts fail with CHUNK_FAILED and the error, so they are listed (resume with retryFailed to try again). */
  async failChunk(runId: string, chunkIndex: number, error: string): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const lock = await client.query<{ status: string }>('SELECT status FROM bill_run_chunks WHERE run_id = $1 AND chunk_index = $2 FOR NO KEY UPDATE', [runId, chunkIndex]);
      if (lock.rows[0]?.status !== 'pending') return 0;
      const { rowCount } = await client.query(
        `UPDATE bill_run_items SET status = 'failed', reason_code = 'CHUNK_FAILED', reason = $3, updated_at = now()
         WHERE run_id = $1 AND chunk_index = $2 AND status = 'pending'`,
        [runId, chunkIndex, `Chunk failed after every retry: ${error}`.slice(0, 2000)],
      );
      await finishChunk(client, runId, chunkIndex, 'failed', error.slice(0, 2000));
      await finishRunIfComplete(client, runId);
      return rowCount ?? 0;
    });
  }

  /**
   * Makes a run resumable: optionally returns failed accounts to pending (and
   * their chunks), marks the run running again if anything is left, and
   * returns the chunks that still have work.
   */
  async prepareResume(runId: string, retryFailed: boolean): Promise<number[] | null> {
    return inTransaction(this.pool, async (client) => {
      const run = await client.query('SELECT 1 FROM bill_runs WHERE run_id = $1 FOR NO KEY UPDATE', [runId]);
      if (run.rowCount === 0) return null;
      if (retryFailed) {
        const { rows } = await client.query<{ chunk_index: number }>(
          `UPDATE bill_run_items SET status = 'pending', reason_code = NULL, reason = NULL, updated_at = now()
           WHERE run_id = $1 AND status = 'failed'
             AND chunk_index IN (SELECT chunk_index FROM bill_run_chunks WHERE run_id = $1 AND failed > 0)
           RETURNING chunk_index`,
          [runId],
        );
        const chunks = [...new Set(rows.map((r) => r.chunk_index))];
        if (chunks.length > 0) {
          await client.query(
            `UPDATE bill_run_chunks c SET status = 'pending', failed = 0, finished_at = NULL, last_error = NULL
             WHERE c.run_id = $1 AND c.chunk_index = ANY($2::int[])`,
            [runId, chunks],
          );
        }
      }
      const { rows } = await client.query<{ chunk_index: number }>(
        `SELECT chunk_index FROM bill_run_chunks WHERE run_id = $1 AND status = 'pending' ORDER BY chunk_index`,
        [runId],
      );
      if (rows.length > 0) await client.query(`UPDATE bill_runs SET status = 'running', finished_at = NULL WHERE run_id = $1`, [runId]);
      return rows.map((r) => r.chunk_index);
    });
  }

  async status(runId: string, now = new Date()): Promise<BillRunStatus | null> {
    const { rows } = await this.pool.query<
      RunRow & { billed: string; skipped: string; failed: string; pending_chunks: string; failed_chunks: string; recent: string }
    >(
      `SELECT ${RUN_COLUMNS},
         coalesce(sum(c.billed), 0)::text AS billed, coalesce(sum(c.skipped), 0)::text AS skipped, coalesce(sum(c.failed), 0)::text AS failed,
         count(c.chunk_index) FILTER (WHERE c.status = 'pending')::text AS pending_chunks,
         count(c.chunk_index) FILTER (WHERE c.status = 'failed')::text AS failed_chunks,
         coalesce(sum(c.billed + c.skipped + c.failed) FILTER (WHERE c.finished_at > $2::timestamptz - make_interval(secs => $3)), 0)::text AS recent
       FROM bill_runs r LEFT JOIN bill_run_chunks c ON c.run_id = r.run_id
       WHERE r.run_id = $1 GROUP BY r.run_id`,
      [runId, now.toISOString(), RATE_WINDOW_SECONDS],
    );
    const r = rows[0];
    if (!r) return null;
    const billed = Number(r.billed);
    const skipped = Number(r.skipped);
    const failed = Number(r.failed);
    const progress = progressOf({
      total: r.total_accounts,
      billed,
      skipped,
      failed,
      recentAccounts: Number(r.recent),
      windowSeconds: RATE_WINDOW_SECONDS,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
      now,
    });
    return {
      runId: r.run_id,
      kind: r.kind,
      period: { start: r.period_start, end: r.period_end },
      selection: r.selection,
      status: r.status,
      requestedBy: r.requested_by,
      totalAccounts: r.total_accounts,
      totalChunks: r.total_chunks,
      chunkSize: r.chunk_size,
      done: progress.done,
      billed,
      skipped,
      // A bill run skips only accounts already billed for the period; a correction run only unchanged ones.
      alreadyBilled: r.kind === 'bill' ? skipped : 0,
      unchanged: r.kind === 'correction' ? skipped : 0,
      failed,
      remaining: progress.remaining,
      pendingChunks: Number(r.pending_chunks),
      failedChunks: Number(r.failed_chunks),
      ratePerSecond: progress.ratePerSecond,
      etaSeconds: progress.etaSeconds,
      createdAt: r.created_at.toISOString(),
      finishedAt: r.finished_at?.toISOString() ?? null,
    };
  }

  /** Failed accounts in account id order, after `afterAccountId` (keyset pagination). */
  async failures(runId: string, limit: number, afterAccountId?: string): Promise<RunFailure[]> {
    // Through the chunks that have failures: run items carry no status index (their updates stay HOT).
    const { rows } = await this.pool.query<{ account_id: string; reason_code: string; reason: string; chunk_index: number; updated_at: Date | null }>(
      `SELECT i.account_id, i.reason_code, i.reason, i.chunk_index, i.updated_at
       FROM bill_run_chunks c JOIN bill_run_items i ON i.run_id = c.run_id AND i.chunk_index = c.chunk_index
       WHERE c.run_id = $1 AND c.failed > 0 AND i.status = 'failed' AND ($3::text IS NULL OR i.account_id > $3)
       ORDER BY i.account_id LIMIT $2`,
      [runId, limit, afterAccountId ?? null],
    );
    return rows.map((r) => ({ accountId: r.account_id, reasonCode: r.reason_code, reason: r.reason, chunkIndex: r.chunk_index, at: r.updated_at?.toISOString() ?? null }));
  }

  async list(limit: number): Promise<BillRun[]> {
    const { rows } = await this.pool.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM bill_runs r ORDER BY r.created_at DESC LIMIT $1`, [limit]);
    return rows.map(toRun);
  }

  /** The most recent run still running, if any (the gauges report it). */
  async latestRunning(): Promise<string | null> {
    const { rows } = await this.pool.query<{ run_id: string }>(`SELECT run_id FROM bill_runs WHERE status = 'running' ORDER BY created_at DESC LIMIT 1`);
    return rows[0]?.run_id ?? null;
  }
}

/** The accounts a run covers, as SQL whose parameters are numbered from `first`. */
function selectionSql(req: Pick<CreateBillRun, 'kind' | 'accountIds' | 'period'>, first: number): { sql: string; params: unknown[] } {
  const ids = req.accountIds === null ? null : [...new Set(req.accountIds)];
  if (req.kind === 'bill' || ids !== null) {
    return ids === null
      ? { sql: 'SELECT account_id FROM accounts', params: [] }
      : { sql: `SELECT account_id FROM accounts WHERE account_id = ANY($${first}::text[])`, params: [ids] };
  }
  // Corrections by default: every account whose latest bill for exactly this period is estimated.
  // With a selection: those accounts (each is recomputed, and corrected if anything changed).
  return {
    sql: `SELECT account_id FROM (SELECT DISTINCT ON (account_id) account_id, result_estimated FROM bills
            WHERE period_start = $${first}::date AND period_end = $${first + 1}::date ORDER BY account_id, revision DESC) latest
          WHERE result_estimated`,
    params: [req.period.start, req.period.end],
  };
}

async function existingFor(client: PoolClient, bills: readonly NewBill[]): Promise<Map<string, string>> {
  // For corrections "existing" means this revision was written by someone else: record that one.
  const { rows } = await client.query<{ account_id: string; bill_id: string }>(
    `SELECT b.account_id, b.bill_id FROM bills b
     JOIN json_to_recordset($1::json) AS x(account_id text, period_start date, period_end date, kind text, revision int)
       ON b.account_id = x.account_id AND b.period_start = x.period_start AND b.period_end = x.period_end AND b.kind = x.kind AND b.revision = x.revision`,
    [
      JSON.stringify(
        bills.map((b) => ({ account_id: b.bill.accountId, period_start: b.bill.period.start, period_end: b.bill.period.end, kind: b.kind, revision: b.revision })),
      ),
    ],
  );
  return new Map(rows.map((r) => [r.account_id, r.bill_id]));
}

async function finishChunk(client: PoolClient, runId: string, chunkIndex: number, status: 'done' | 'failed', error: string | null): Promise<ChunkCounts> {
  const { rows } = await client.query<{ billed: number; skipped: number; failed: number }>(
    `UPDATE bill_run_chunks c SET status = $3, last_error = $4, finished_at = now(), billed = s.billed, skipped = s.skipped, failed = s.failed
     FROM (SELECT count(*) FILTER (WHERE status = 'billed')::int AS billed, count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
                  count(*) FILTER (WHERE status = 'failed')::int AS failed
           FROM bill_run_items WHERE run_id = $1 AND chunk_index = $2) s
     WHERE c.run_id = $1 AND c.chunk_index = $2
     RETURNING c.billed, c.skipped, c.failed`,
    [runId, chunkIndex, status, error],
  );
  return rows[0] ?? { billed: 0, skipped: 0, failed: 0 };
}

async function finishRunIfComplete(client: PoolClient, runId: string): Promise<void> {
  // Taken last and held to commit: the next chunk's check waits and then sees this chunk committed.
  // NO KEY UPDATE, not UPDATE: it serialises the chunks' completion checks just as well, and does not
  // conflict with the KEY SHARE locks foreign-key checks take on this row (bill_run_chunks.run_id
  // references it; bills.run_id did until migration v3 dropped that key).
  await client.query('SELECT 1 FROM bill_runs WHERE run_id = $1 FOR NO KEY UPDATE', [runId]);
  await client.query(
    `UPDATE bill_runs r SET finished_at = now(),
       status = CASE WHEN EXISTS (SELECT 1 FROM bill_run_chunks c WHERE c.run_id = $1 AND c.failed > 0) THEN 'completed_with_failures' ELSE 'completed' END
     WHERE r.run_id = $1 AND r.status = 'running' AND NOT EXISTS (SELECT 1 FROM bill_run_chunks c WHERE c.run_id = $1 AND c.status = 'pending')`,
    [runId],
  );
}
