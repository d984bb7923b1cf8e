// Progress of a bill run: counts, rate and ETA (pure), and the text progress
// bar the billing CLI draws.

export type BillRunKind = 'bill' | 'correction';
export type BillRunState = 'running' | 'completed' | 'completed_with_failures';

/**
 * What the status API answers. done = billed + skipped (finished without failure). billed counts bills this
 * run issued; skipped = alreadyBilled (bill runs: an earlier run billed exactly this period) + unchanged
 * (correction runs: the recomputed bill equals the issued one). A re-run of a billed period says 0 billed.
 */
export interface BillRunStatus {
  readonly runId: string;
  readonly kind: BillRunKind;
  readonly period: { readonly start: string; readonly end: string };
  readonly selection: 'all' | 'accounts';
  readonly status: BillRunState;
  readonly requestedBy: string;
  readonly totalAccounts: number;
  readonly totalChunks: number;
  readonly chunkSize: number;
  readonly done: number;
  readonly billed: number;
  readonly skipped: number;
  readonly alreadyBilled: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly remaining: number;
  readonly pendingChunks: number;
  readonly failedChunks: number;
  /** Accounts finished per second: over the last minute while running, over the whole run once finished. */
  readonly ratePerSecond: number;
  /** Seconds to go at that rate; null when unknown (nothing finished yet), 0 when finished. */
  readonly etaSeconds: number | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export interface ProgressCounts {
  readonly total: number;
  readonly billed: number;
  readonly skipped: number;
  readonly failed: number;
  /** Accounts in chunks finished within the last `windowSeconds`. */
  readonly recentAccounts: number;
  readonly windowSeconds: number;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
  readonly now: Date;
}

/** Rate and ETA. While running: the last window's rate (so a resumed run is not averaged over its downtime); once finished: the whole run's average. */
export function progressOf(c: ProgressCounts): { done: number; remaining: number; ratePerSecond: number; etaSeconds: number | null } {
  const done = c.billed + c.skipped;
  const processed = done + c.failed;
  const remaining = Math.max(0, c.total - processed);
  const elapsed = Math.max(0.001, ((c.finishedAt ?? c.now).getTime() - c.createdAt.getTime()) / 1000);
  let rate: number;
  if (c.finishedAt !== null) {
    rate = processed / elapsed;
  } else {
    rate = c.recentAccounts / Math.max(0.001, Math.min(c.windowSeconds, elapsed));
  }
  rate = Math.round(rate * 10) / 10;
  const etaSeconds = remaining === 0 ? 0 : rate > 0 ? Math.ceil(remaining / rate) : null;
  return { done, remaining, ratePerSecond: rate, etaSeconds };
}

const thousands = (n: number): string => Math.round(n).toLocaleString('en-GB');

/** '1:02:03' / '4:05' / '--:--'. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** One line: `[#########...........]  45.0%  45,000/100,000  failed 3  1,234.5 acc/s  ETA 0:44`. */
export function renderProgressBar(s: Pick<BillRunStatus, 'totalAccounts' | 'done' | 'failed' | 'ratePerSecond' | 'etaSeconds' | 'status'>, width = 30): string {
  const processed = s.done + s.failed;
  const share = s.totalAccounts === 0 ? 1 : Math.min(1, processed / s.totalAccounts);
  const filled = Math.round(share * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const pct = `${(share * 100).toFixed(1).padStart(5)}%`;
  const counts = `${thousands(processed)}/${thousands(s.totalAccounts)}`;
  const failed = s.failed > 0 ? `  failed ${thousands(s.failed)}` : '';
  const rate = `${s.ratePerSecond.toLocaleString('en-GB', { maximumFractionDigits: 1 })} acc/s`;
  const tail = s.status === 'running' ? `ETA ${formatDuration(s.etaSeconds)}` : s.status.replace(/_/g, ' ');
  return `${bar} ${pct}  ${counts}${failed}  ${rate}  ${tail}`;
}
