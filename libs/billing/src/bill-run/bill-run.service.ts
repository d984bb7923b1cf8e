import { randomUUID } from 'node:crypto';
import type { Principal } from '@surge/auth/principal.model';
import { AppError, notFound, unavailable, unprocessable, validationError } from '@surge/errors/app.error';
import { requireScope } from '../accounts-tariffs/billing-access.policy';
import type { BillRunQueue } from './bill-run.queue';
import type { BillRun, BillRunRepository, RunFailure } from './bill-run.repository';
import type { BillRunStatus } from './bill-run.progress';
import type { ResumeBillRunRequest, StartBillRunRequest } from './bill-run.schema';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

export interface BillRunServiceSettings {
  readonly chunkSize: number;
}

const redisDown = (error: unknown, runId: string): AppError =>
  unavailable('DEPENDENCY_UNAVAILABLE', `Bill run ${runId} is saved but its jobs could not be queued (Redis): resume it when Redis is back.`, { cause: error });

/**
 * Starting and watching bill runs (billing staff: billing:run to start or
 * resume, billing:read or billing:run to watch). A run is created in
 * PostgreSQL first (its accounts split into chunks), then one job per chunk is
 * queued with a deterministic id; if queuing fails half way, `resume` finishes it.
 */
export class BillRunService {
  constructor(
    private readonly runs: BillRunRepository,
    private readonly queue: BillRunQueue,
    private readonly settings: BillRunServiceSettings,
  ) {}

  async start(principal: Principal, request: StartBillRunRequest, idempotencyKey?: string): Promise<BillRunStatus> {
    requireScope(principal, 'billing:run');
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw validationError('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 8 to 128 letters, digits or ._:-', [
        { code: 'INVALID_IDEMPOTENCY_KEY', field: 'Idempotency-Key', message: 'Idempotency-Key must be 8 to 128 letters, digits or ._:-' },
      ]);
    }
    const runId = randomUUID();
    const result = await this.runs.create({
      runId,
      kind: request.kind,
      period: { start: request.periodStart, end: request.periodEnd },
      accountIds: request.accountIds ?? null,
      chunkSize: this.settings.chunkSize,
      requestedBy: `${principal.kind}:${principal.id}`,
      clientRef: idempotencyKey === undefined ? null : `${principal.id}:${idempotencyKey}`,
    });
    if ('unknownAccountIds' in result) {
      const message = `Unknown account ids: ${result.unknownAccountIds.join(', ')}`;
      throw validationError('VALIDATION_FAILED', message, [{ code: 'INVALID_FIELD', field: 'accountIds', message }]);
    }
    if (!result.created && !result.sameRequest) {
      throw unprocessable('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key was used for bill run ${result.run.runId} with a different request.`);
    }
    if (result.created) {
      await this.enqueueAll(result.run);
    } else {
      // A replay (e.g. after a 503 while queuing): queue whatever is still pending; ids de-duplicate.
      const pending = (await this.runs.prepareResume(result.run.runId, false)) ?? [];
      await this.queue.enqueue(result.run.runId, pending).catch((e: unknown) => {
        throw redisDown(e, result.run.runId);
      });
    }
    return this.mustStatus(result.run.runId);
  }

  async status(principal: Principal, runId: string): Promise<BillRunStatus> {
    requireScope(principal, 'billing:read', 'billing:run');
    return this.mustStatus(runId);
  }

  async list(principal: Principal, limit = 20): Promise<BillRunStatus[]> {
    requireScope(principal, 'billing:read', 'billing:run');
    const runs = await this.runs.list(Math.min(Math.max(1, limit), 100));
    const statuses = await Promise.all(runs.map((r) => this.runs.status(r.runId)));
    return statuses.filter((s): s is BillRunStatus => s !== null);
  }

  async failures(principal: Principal, runId: string, page: { limit?: string; after?: string }): Promise<{ items: RunFailure[]; nextAfter: string | null }> {
    requireScope(principal, 'billing:read', 'billing:run');
    await this.mustStatus(runId);
    const limit = page.limit === undefined ? 100 : Number(page.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw validationError('VALIDATION_FAILED', 'limit must be a whole number from 1 to 1000.', [
        { code: 'INVALID_FIELD', field: 'limit', message: 'limit must be a whole number from 1 to 1000.' },
      ]);
    }
    const items = await this.runs.failures(runId, limit, page.after);
    return { items, nextAfter: items.length === limit ? items[items.length - 1]!.accountId : null };
  }

  /** Re-queues every unfinished chunk (and, with retryFailed, the failed accounts'). Safe to call at any time, any number of times. */
  async resume(principal: Principal, runId: string, request: ResumeBillRunRequest): Promise<BillRunStatus & { requeuedChunks: number }> {
    requireScope(principal, 'billing:run');
    if (!UUID.test(runId)) throw notFound('NOT_FOUND', `No bill run ${runId}.`);
    const chunks = await this.runs.prepareResume(runId, request.retryFailed);
    if (chunks === null) throw notFound('NOT_FOUND', `No bill run ${runId}.`);
    const requeued = await this.queue.ensure(runId, chunks).catch((e: unknown) => {
      throw redisDown(e, runId);
    });
    return { ...(await this.mustStatus(runId)), requeuedChunks: requeued };
  }

  private async enqueueAll(run: BillRun): Promise<void> {
    const chunks = Array.from({ length: run.totalChunks }, (_, i) => i);
    await this.queue.enqueue(run.runId, chunks).catch((e: unknown) => {
      throw redisDown(e, run.runId);
    });
  }

  private async mustStatus(runId: string): Promise<BillRunStatus> {
    const status = UUID.test(runId) ? await this.runs.status(runId) : null;
    if (!status) throw notFound('NOT_FOUND', `No bill run ${runId}.`);
    return status;
  }
}
