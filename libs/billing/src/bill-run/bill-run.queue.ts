import { type ConnectionOptions, Queue } from 'bullmq';

/** The BullMQ queue of bill-run chunks. */
export const BILL_RUN_QUEUE = 'bill-run-chunks';

export interface ChunkJobData {
  readonly runId: string;
  readonly chunkIndex: number;
}

/**
 * The deterministic job id of a chunk. BullMQ de-duplicates adds by job id
 * while the job exists, so enqueuing a run twice (a retried HTTP call, a
 * resume racing a worker) never makes a second job for a chunk. BullMQ 6
 * refuses ':' in custom ids (it is its key separator), hence '.'.
 */
export const chunkJobId = (runId: string, chunkIndex: number): string => `${runId}.${chunkIndex}`;

export interface BillRunQueueSettings {
  readonly connection: ConnectionOptions;
  /** Namespaces every Redis key of the queue (tests and benchmarks use their own). */
  readonly prefix: string;
  /** Attempts per chunk job, the first included. */
  readonly attempts: number;
  /** First retry delay; doubles on each retry (exponential backoff). */
  readonly backoffMs: number;
  /** Request handlers: a call fails within about a second while Redis is unreachable instead of waiting for it (pair with a small maxRetriesPerRequest). */
  readonly failFast?: boolean;
}

export type JobCounts = Record<string, number>;

/** Enqueues and re-enqueues chunk jobs. Redis holds only this queue; the truth of a run is in PostgreSQL. */
export class BillRunQueue {
  private readonly queue: Queue<ChunkJobData>;

  constructor(private readonly settings: BillRunQueueSettings) {
    this.queue = new Queue<ChunkJobData>(BILL_RUN_QUEUE, {
      connection: settings.connection,
      prefix: settings.prefix,
      skipWaitingForReady: settings.failFast ?? false,
      defaultJobOptions: {
        attempts: settings.attempts,
        backoff: { type: 'exponential', delay: settings.backoffMs },
        // Finished jobs are kept a day (their ids keep de-duplicating) and then dropped;
        // the run's outcome lives in PostgreSQL, not here.
        removeOnComplete: { age: 24 * 3600, count: 100_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
    // Errors surface on the calls that failed; the emitter must not crash the process.
    this.queue.on('error', () => undefined);
  }

  async enqueue(runId: string, chunkIndexes: readonly number[]): Promise<void> {
    for (let i = 0; i < chunkIndexes.length; i += 1000) {
      await this.queue.addBulk(
        chunkIndexes.slice(i, i + 1000).map((chunkIndex) => ({ name: 'bill-chunk', data: { runId, chunkIndex }, opts: { jobId: chunkJobId(runId, chunkIndex) } })),
      );
    }
  }

  /**
   * Makes sure every given chunk has a live job: a missing one (Redis lost,
   * finished job expired, the run was created while Redis was down) is added;
   * one that failed for good is retried; one waiting, delayed or active is left
   * alone (an active job of a dead worker comes back by BullMQ's stalled-job
   * check). Returns how many jobs were added or retried.
   */
  async ensure(runId: string, chunkIndexes: readonly number[]): Promise<number> {
    let touched = 0;
    const missing: number[] = [];
    for (const chunkIndex of chunkIndexes) {
      const job = await this.queue.getJob(chunkJobId(runId, chunkIndex));
      if (!job) {
        missing.push(chunkIndex);
        continue;
      }
      const state = await job.getState();
      if (state === 'failed') {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        touched++;
      } else if (state === 'completed' || state === 'unknown') {
        // PostgreSQL says the chunk has work left (e.g. failed accounts returned to pending): run it again.
        await job.remove().catch(() => undefined);
        missing.push(chunkIndex);
      }
    }
    await this.enqueue(runId, missing);
    return touched + missing.length;
  }

  async counts(): Promise<JobCounts> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
  }

  /** Deletes the queue and every job in it (tests, benchmarks, and simulating a lost Redis). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
