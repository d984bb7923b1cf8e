import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { BILL_RUN_QUEUE, type ChunkJobData } from './bill-run.queue';
import { type BillRunProcessor, type ChunkResult, UnprocessableChunkError } from './bill-run.processor';
import type { BillRunRepository } from './bill-run.repository';

export interface BillRunWorkerSettings {
  readonly connection: ConnectionOptions;
  readonly prefix: string;
  /** Chunks processed at once by this process: while one waits on ClickHouse or PostgreSQL another computes. */
  readonly concurrency: number;
  /** How long a chunk's lock lasts without renewal; a crashed worker's chunk is taken over after it (stalled-job check). */
  readonly lockDurationMs: number;
  /** How often this worker looks for stalled chunks of crashed workers. */
  readonly stalledIntervalMs?: number;
}

export interface WorkerLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const silent: WorkerLogger = { warn: () => undefined, error: () => undefined };

/**
 * Runs chunk jobs from the queue through the processor. Delivery is
 * at-least-once (a job can run again after a crash or a lost lock); the
 * processor and the database constraints make a second run of a chunk write
 * nothing. On a job's LAST attempt, a failure also marks the chunk's pending
 * accounts failed in PostgreSQL (CHUNK_FAILED, with the error) before the job
 * fails, so they show up in the run's failures and `resume` can retry them.
 */
export class BillRunWorker {
  private worker: Worker<ChunkJobData, ChunkResult> | null = null;

  constructor(
    private readonly processor: BillRunProcessor,
    private readonly runs: BillRunRepository,
    private readonly settings: BillRunWorkerSettings,
    private readonly metrics?: Pick<SurgeMetrics, 'queueJobOutcomes' | 'billRunAccountsTotal' | 'dbErrors'>,
    private readonly logger: WorkerLogger = silent,
  ) {}

  start(): void {
    if (this.worker) return;
    const worker = new Worker<ChunkJobData, ChunkResult>(BILL_RUN_QUEUE, (job) => this.handle(job), {
      connection: this.settings.connection,
      prefix: this.settings.prefix,
      concurrency: this.settings.concurrency,
      lockDuration: this.settings.lockDurationMs,
      ...(this.settings.stalledIntervalMs !== undefined ? { stalledInterval: this.settings.stalledIntervalMs } : {}),
      maxStalledCount: 3,
      autorun: true,
    });
    const outcome = (o: 'completed' | 'failed' | 'retried' | 'stalled') => this.metrics?.queueJobOutcomes.inc({ queue: BILL_RUN_QUEUE, outcome: o });
    worker.on('completed', () => outcome('completed'));
    worker.on('failed', (job, error) => outcome(job === undefined || isFinalFailure(job, error, true) ? 'failed' : 'retried'));
    worker.on('stalled', () => outcome('stalled'));
    worker.on('error', (error) => {
      this.metrics?.dbErrors.inc({ db: 'redis', operation: 'worker' });
      this.logger.warn({ err: error.message }, 'bill-run worker error');
    });
    this.worker = worker;
  }

  get running(): boolean {
    return this.worker?.isRunning() ?? false;
  }

  /** Graceful: waits for the chunks in progress. `force`: stops at once, as a crash would (their jobs stall and are taken over). */
  async close(force = false): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.close(force);
  }

  private async handle(job: Job<ChunkJobData, ChunkResult>): Promise<ChunkResult> {
    const { runId, chunkIndex } = job.data;
    try {
      const result = await this.processor.processChunk(runId, chunkIndex);
      if (result.status === 'done') {
        this.metrics?.billRunAccountsTotal.inc({ outcome: 'billed' }, result.billed + result.skipped);
        if (result.failed > 0) this.metrics?.billRunAccountsTotal.inc({ outcome: 'failed' }, result.failed);
      }
      return result;
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      const final = isFinalFailure(job, err, false);
      this.logger.warn({ runId, chunkIndex, attempt: job.attemptsMade + 1, final, err: err.message }, 'bill-run chunk failed');
      if (final) {
        const failed = await this.runs.failChunk(runId, chunkIndex, err.message).catch((e: unknown) => {
          this.metrics?.dbErrors.inc({ db: 'postgres', operation: 'fail_chunk' });
          this.logger.error({ runId, chunkIndex, err: String(e) }, 'could not record a failed chunk; resume the run');
          return 0;
        });
        if (failed > 0) this.metrics?.billRunAccountsTotal.inc({ outcome: 'failed' }, failed);
      }
      if (error instanceof UnprocessableChunkError) throw new UnrecoverableError(error.message);
      throw err;
    }
  }
}

/** Whether this failure ends the job: no attempts left, or nothing a retry could change. `afterFailure`: attemptsMade already counts this attempt. */
function isFinalFailure(job: Job<ChunkJobData, ChunkResult>, error: Error, afterFailure: boolean): boolean {
  if (error instanceof UnprocessableChunkError || error instanceof UnrecoverableError || error.name === 'UnrecoverableError') return true;
  const made = job.attemptsMade + (afterFailure ? 0 : 1);
  return made >= (job.opts.attempts ?? 1);
}
