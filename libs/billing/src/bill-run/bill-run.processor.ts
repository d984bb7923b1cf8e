// One chunk of a bill run, start to finish. Called by the BullMQ worker with
// (runId, chunkIndex); everything it needs is in PostgreSQL and ClickHouse,
// so any worker, in any process, can pick any chunk up again.
//
//   1. the chunk's still-pending accounts (PG); nothing to do if the chunk is finished;
//   2. bill runs: accounts already billed for exactly this period are recorded
//      against that bill and not recomputed; accounts with an ordinary bill
//      overlapping the period fail (PERIOD_ALREADY_BILLED);
//      correction runs: the bill each account was last brought to for the period;
//   3. master data (PG, 3 queries), the previous bills' closing readings (PG,
//      1 query) and the readings of every account of the chunk (ClickHouse,
//      ONE query), in parallel;
//   4. per account, pure: reading selection, calculateBill, and for corrections
//      correctBill(effective, recomputed); any error of one account fails that
//      account only, with its code and message;
//   5. bills, lines, billed-reading marks (outbox) and outcomes written in ONE
//      transaction (bill-run.repository.ts); the marks relay is nudged.
// An error in 1, 2, 3 or 5 (a dependency down) fails the job, which BullMQ
// retries with exponential backoff; nothing was written, so a retry is clean.
import { calculateBill } from '@surge/billing-domain/bill.calculator';
import { correctBill } from '@surge/billing-domain/bill-correction.calculator';
import { addDays, type DateSpan } from '@surge/billing-domain/calendar.model';
import type { Tariff } from '@surge/billing-domain/tariff.model';
import type { FlexibilityCreditInput } from '@surge/billing-domain/bill.model';
import { AccountBillingError, describeFailure } from './account-billing.error';
import { uuidV7 } from '../bills/bill-id.generator';
import type { BillingAccount, PreviousClosing, RegisterReading } from '../accounts-tariffs/billing-account.model';
import type { BillingAccountRepository } from '../accounts-tariffs/billing-account.repository';
import type { BillingReadingSource, ReadingWindow } from '../accounts-tariffs/billing-reading.repository';
import { buildBillInput } from '../bills/bill-input.builder';
import type { BillRepository } from '../bills/bill.repository';
import type { AccountOutcome, BillRun, BillRunRepository, ChunkCounts } from './bill-run.repository';
import type { TariffRepository } from '../accounts-tariffs/tariff.repository';

/** A chunk that cannot be processed however often it is retried (its run does not exist). */
export class UnprocessableChunkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnprocessableChunkError';
  }
}

export type ChunkPhase = 'load' | 'readings' | 'compute' | 'write';

export interface BillRunProcessorOptions {
  /** How far before the period start readings are fetched for estimates (days). */
  readonly historyDays: number;
  /** Bill ids (default: time-ordered UUIDv7; tests may make them predictable). */
  readonly newId?: () => string;
  /** Observes where a chunk's time goes (the benchmark reports it). */
  readonly onPhase?: (phase: ChunkPhase, ms: number, accounts: number) => void;
  /** A chunk's bills committed (the billed-reading relay is nudged: their marks are queued). */
  readonly onChunkWritten?: () => void;
  /** Flexibility credits (billing's own table, fed from flex.earned-value.v1); none when absent. */
  readonly credits?: FlexibilityCreditSource;
}

/** Where a chunk's flexibility credits come from (flex-credits/flexibility-credit.repository.ts). */
export interface FlexibilityCreditSource {
  pendingFor(accountIds: readonly string[], period: DateSpan): Promise<Map<string, FlexibilityCreditInput[]>>;
  appliedFor(accountIds: readonly string[], period: DateSpan): Promise<Map<string, FlexibilityCreditInput[]>>;
}

export type ChunkResult = ({ readonly status: 'done'; readonly accounts: number } & ChunkCounts) | { readonly status: 'already-finished' };

interface RunContext {
  readonly run: BillRun;
  readonly tariffs: ReadonlyMap<string, Tariff>;
  readonly calorificValue: string | null;
  readonly window: ReadingWindow;
}

export class BillRunProcessor {
  private readonly contexts = new Map<string, Promise<RunContext>>();
  private readonly newId: () => string;

  constructor(
    private readonly runs: BillRunRepository,
    private readonly accounts: BillingAccountRepository,
    private readonly bills: BillRepository,
    private readonly tariffs: TariffRepository,
    private readonly readings: BillingReadingSource,
    private readonly options: BillRunProcessorOptions,
  ) {
    this.newId = options.newId ?? (() => uuidV7());
  }

  async processChunk(runId: string, chunkIndex: number): Promise<ChunkResult> {
    const ctx = await this.context(runId);
    const { chunkStatus, accountIds } = await this.runs.pendingItems(runId, chunkIndex);
    if (chunkStatus === null) throw new UnprocessableChunkError(`bill run ${runId} has no chunk ${chunkIndex}`);
    if (chunkStatus !== 'pending') return { status: 'already-finished' };

    const outcomes = ctx.run.kind === 'bill' ? await this.bill(ctx, accountIds) : await this.correct(ctx, accountIds);
    const t = performance.now();
    const written = await this.runs.completeChunk(runId, chunkIndex, outcomes);
    this.options.onPhase?.('write', performance.now() - t, accountIds.length);
    if (written.written) this.options.onChunkWritten?.();
    return written.written ? { status: 'done', accounts: accountIds.length, billed: written.billed, skipped: written.skipped, failed: written.failed } : { status: 'already-finished' };
  }

  /** Forget cached tariffs and calorific values (e.g. after a run finished). */
  forget(runId: string): void {
    this.contexts.delete(runId);
  }

  private async bill(ctx: RunContext, accountIds: readonly string[]): Promise<AccountOutcome[]> {
    const { period } = ctx.run;
    const overlapping = await this.bills.overlapping(accountIds, period);
    const outcomes: AccountOutcome[] = [];
    const toBill: string[] = [];
    for (const accountId of accountIds) {
      const existing = overlapping.get(accountId) ?? [];
      const same = existing.find((b) => b.period.start === period.start && b.period.end === period.end);
      if (same) outcomes.push({ accountId, status: 'billed', existingBillId: same.billId });
      else if (existing.length > 0) {
        const other = existing[0]!;
        outcomes.push({ accountId, status: 'failed', reasonCode: 'PERIOD_ALREADY_BILLED', reason: `Bill ${other.billId} already covers ${other.period.start} to ${other.period.end}` });
      } else toBill.push(accountId);
    }
    const [data, credits] = await Promise.all([this.load(ctx, toBill), this.options.credits?.pendingFor(toBill, period) ?? new Map<string, FlexibilityCreditInput[]>()]);
    const t = performance.now();
    for (const accountId of toBill) {
      try {
        const billId = this.newId();
        const { input, sources } = buildBillInput(billId, this.accountOf(data.accounts, accountId), data.readings, data.previous.get(accountId) ?? new Map(), {
          period,
          tariffs: ctx.tariffs,
          calorificValue: ctx.calorificValue,
        });
        const bill = calculateBill({ ...input, credits: credits.get(accountId) ?? [] });
        outcomes.push({ accountId, status: 'billed', newBill: { bill, kind: 'bill', revision: 0, runId: ctx.run.runId, readingSources: sources, recomputed: null } });
      } catch (error) {
        const f = describeFailure(error);
        outcomes.push({ accountId, status: 'failed', reasonCode: f.code, reason: f.message });
      }
    }
    this.options.onPhase?.('compute', performance.now() - t, toBill.length);
    return outcomes;
  }

  private async correct(ctx: RunContext, accountIds: readonly string[]): Promise<AccountOutcome[]> {
    const { period } = ctx.run;
    const effective = await this.bills.effective(accountIds, period);
    const outcomes: AccountOutcome[] = [];
    const toCorrect = accountIds.filter((accountId) => {
      if (effective.has(accountId)) return true;
      outcomes.push({ accountId, status: 'failed', reasonCode: 'NO_BILL_TO_CORRECT', reason: `No bill for ${period.start} to ${period.end} to correct` });
      return false;
    });
    // The credits the period's bill carried are part of what it should have been: a recomputation keeps them.
    const [data, credits] = await Promise.all([this.load(ctx, toCorrect), this.options.credits?.appliedFor(toCorrect, period) ?? new Map<string, FlexibilityCreditInput[]>()]);
    const t = performance.now();
    for (const accountId of toCorrect) {
      const base = effective.get(accountId)!;
      try {
        const billId = this.newId();
        const { input, sources } = buildBillInput(billId, this.accountOf(data.accounts, accountId), data.readings, data.previous.get(accountId) ?? new Map(), {
          period,
          tariffs: ctx.tariffs,
          calorificValue: ctx.calorificValue,
        });
        const recomputed = calculateBill({ ...input, credits: credits.get(accountId) ?? [] });
        const correction = correctBill(base.bill, recomputed);
        if (correction.lines.length === 0) {
          outcomes.push({ accountId, status: 'skipped', billId: base.billId, reasonCode: 'NO_CHANGE', reason: 'Recomputed bill equals the issued one' });
        } else {
          outcomes.push({
            accountId,
            status: 'billed',
            newBill: { bill: correction, kind: 'correction', revision: base.revision + 1, runId: ctx.run.runId, readingSources: sources, recomputed },
          });
        }
      } catch (error) {
        const f = describeFailure(error);
        outcomes.push({ accountId, status: 'failed', reasonCode: f.code, reason: f.message });
      }
    }
    this.options.onPhase?.('compute', performance.now() - t, toCorrect.length);
    return outcomes;
  }

  private async load(
    ctx: RunContext,
    accountIds: readonly string[],
  ): Promise<{ accounts: Map<string, BillingAccount>; readings: Map<string, RegisterReading[]>; previous: Map<string, Map<string, PreviousClosing>> }> {
    const started = performance.now();
    // Master data (PostgreSQL) and readings (ClickHouse) load in parallel; each phase is timed from the same start.
    const track = <T>(phase: 'load' | 'readings', p: Promise<T>): Promise<T> =>
      p.then((v) => {
        this.options.onPhase?.(phase, performance.now() - started, accountIds.length);
        return v;
      });
    const [accounts, readings, previous] = await Promise.all([
      track('load', Promise.all([this.accounts.load(accountIds), this.bills.previousClosings(accountIds, ctx.run.period.start)])),
      track('readings', this.readings.forAccounts(accountIds, ctx.window)),
    ]).then(([[a, p], r]) => [a, r, p] as const);
    return { accounts, readings, previous };
  }

  private accountOf(accounts: ReadonlyMap<string, BillingAccount>, accountId: string): BillingAccount {
    const account = accounts.get(accountId);
    if (!account) throw new AccountBillingError('ACCOUNT_NOT_FOUND', `Account ${accountId} no longer exists`);
    return account;
  }

  private context(runId: string): Promise<RunContext> {
    let ctx = this.contexts.get(runId);
    if (!ctx) {
      ctx = this.loadContext(runId);
      this.contexts.set(runId, ctx);
      // A failed load is not cached; keep a handful of runs at most.
      ctx.catch(() => this.contexts.delete(runId));
      if (this.contexts.size > 8) this.contexts.delete(this.contexts.keys().next().value as string);
    }
    return ctx;
  }

  private async loadContext(runId: string): Promise<RunContext> {
    const run = await this.runs.get(runId);
    if (!run) throw new UnprocessableChunkError(`bill run ${runId} does not exist`);
    const [tariffs, calorificValue] = await Promise.all([this.tariffs.all(), this.tariffs.calorificValueFor(run.period)]);
    return { run, tariffs, calorificValue, window: readingWindow(run.period, this.options.historyDays) };
  }
}

/**
 * The UTC instants of readings a period needs: from `historyDays` before its
 * start (history for estimates; a day more for London's offset) to the day
 * after its end (a reading up to 11:59 London time on the end day stands for it).
 */
export function readingWindow(period: DateSpan, historyDays: number): ReadingWindow {
  const from = Date.parse(`${addDays(period.start, -historyDays - 1)}T00:00:00Z`);
  const to = Date.parse(`${addDays(period.end, 1)}T00:00:00Z`);
  return { from: new Date(from), to: new Date(to) };
}
