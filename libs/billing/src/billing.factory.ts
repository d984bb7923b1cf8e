import { FlexibilityCreditRepository } from './flex-credits/flexibility-credit.repository';
import type { ClickHouseClient } from '@clickhouse/client';
import type { ConnectionOptions } from 'bullmq';
import type { Pool } from 'pg';
import type { SurgeMetrics } from '@surge/observability/metrics.catalog';
import { BillingAccountRepository } from './accounts-tariffs/billing-account.repository';
import { BilledReadingRelay, type BilledReadingRelayObserver, type BilledReadingRelayOptions } from './billed-mark/billed-reading.relay';
import { type BillingReadingSource, ClickHouseBillingReadings } from './accounts-tariffs/billing-reading.repository';
import { BillQueryService } from './bills/bill-query.service';
import { BillRepository } from './bills/bill.repository';
import { BillRunProcessor, type ChunkPhase } from './bill-run/bill-run.processor';
import { BillRunQueue } from './bill-run/bill-run.queue';
import { BillRunRepository } from './bill-run/bill-run.repository';
import { BillRunService } from './bill-run/bill-run.service';
import { BillRunWorker, type WorkerLogger } from './bill-run/bill-run.worker';
import { ClickHouseReadingBillWriter, type ReadingBillWriter } from './bills/reading-bill.writer';
import { SettlementService } from './settlement/settlement.service';
import { TariffRepository } from './accounts-tariffs/tariff.repository';

export interface BillingSettings {
  /** Redis for the worker (blocking commands: retries without limit while Redis is away). */
  readonly redis: ConnectionOptions;
  /** Redis for enqueuing from request handlers: fail fast instead of hanging while Redis is away. Defaults to `redis`. */
  readonly producerRedis?: ConnectionOptions;
  readonly queuePrefix: string;
  readonly chunkSize: number;
  readonly jobAttempts: number;
  readonly jobBackoffMs: number;
  readonly workerConcurrency: number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs?: number;
  readonly historyDays: number;
  /** How a chunk's bills are written: 'copy' (default) or 'json', the JSON-batch path COPY falls back to (benchmarks compare them). */
  readonly writePath?: 'copy' | 'json';
  /** The billed-reading relay (PostgreSQL outbox -> ClickHouse reading_bills); defaults below. */
  readonly marksRelay?: Partial<BilledReadingRelayOptions>;
}

/** Large batches, few inserts: ClickHouse prefers a few big parts, and a bill run should not pay for many small ones. */
export const DEFAULT_MARKS_RELAY: BilledReadingRelayOptions = { batchSize: 2000, idleMs: 2000, coalesceMs: 250, retryMinMs: 500, retryMaxMs: 30_000 };

export interface BillingComponents {
  readonly runs: BillRunRepository;
  readonly bills: BillRepository;
  readonly tariffs: TariffRepository;
  readonly processor: BillRunProcessor;
  readonly queue: BillRunQueue;
  readonly worker: BillRunWorker;
  readonly runService: BillRunService;
  readonly billQuery: BillQueryService;
  readonly settlement: SettlementService;
  /** Not started here: the app starts and stops it (billing.runner.ts); tests drive it directly. */
  readonly marksRelay: BilledReadingRelay;
}

export interface BillingFactoryOptions {
  readonly metrics?: Pick<SurgeMetrics, 'queueJobOutcomes' | 'billRunAccountsTotal' | 'dbErrors'>;
  readonly logger?: WorkerLogger;
  /** Replaces the ClickHouse reading source (tests inject faults). */
  readonly readings?: BillingReadingSource;
  readonly onPhase?: (phase: ChunkPhase, ms: number, accounts: number) => void;
  readonly marksObserver?: BilledReadingRelayObserver;
  /** Replaces the ClickHouse writer of billed-reading marks (tests inject faults). */
  readonly readingBillWriter?: ReadingBillWriter;
}

/**
 * Wires billing from its three stores: PostgreSQL (state), ClickHouse (readings; and billed-reading
 * marks, written only by the relay) and Redis (the job queue). Nothing else.
 */
export function createBilling(pool: Pool, ch: ClickHouseClient, settings: BillingSettings, options: BillingFactoryOptions = {}): BillingComponents {
  const runs = new BillRunRepository(pool, settings.writePath ?? 'copy');
  const bills = new BillRepository(pool);
  const tariffs = new TariffRepository(pool);
  const marksRelay = new BilledReadingRelay(
    pool,
    options.readingBillWriter ?? new ClickHouseReadingBillWriter(ch),
    { ...DEFAULT_MARKS_RELAY, ...settings.marksRelay },
    options.marksObserver,
  );
  const processor = new BillRunProcessor(runs, new BillingAccountRepository(pool), bills, tariffs, options.readings ?? new ClickHouseBillingReadings(ch), {
    historyDays: settings.historyDays,
    ...(options.onPhase ? { onPhase: options.onPhase } : {}),
    onChunkWritten: () => marksRelay.nudge(),
    credits: new FlexibilityCreditRepository(pool),
  });
  const queue = new BillRunQueue({
    connection: settings.producerRedis ?? settings.redis,
    prefix: settings.queuePrefix,
    attempts: settings.jobAttempts,
    backoffMs: settings.jobBackoffMs,
    failFast: settings.producerRedis !== undefined,
  });
  const worker = new BillRunWorker(
    processor,
    runs,
    {
      connection: settings.redis,
      prefix: settings.queuePrefix,
      concurrency: settings.workerConcurrency,
      lockDurationMs: settings.lockDurationMs,
      ...(settings.stalledIntervalMs !== undefined ? { stalledIntervalMs: settings.stalledIntervalMs } : {}),
    },
    options.metrics,
    options.logger,
  );
  return {
    runs,
    bills,
    tariffs,
    processor,
    queue,
    worker,
    runService: new BillRunService(runs, queue, { chunkSize: settings.chunkSize }),
    billQuery: new BillQueryService(bills),
    settlement: new SettlementService(pool),
    marksRelay,
  };
}
