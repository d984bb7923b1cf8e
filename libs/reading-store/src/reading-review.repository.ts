import type { ReviewRecord } from '@surge/reading-contracts/reading-review.event';
import type { StoredReading } from './meter-reading.repository';

export interface HeldFilter {
  readonly reasonCode?: string;
  readonly category?: string;
  /** Held at or before this instant (ms): "at least this old". */
  readonly heldAtOrBeforeMs?: number;
  /** Held at or after this instant (ms): "at most this old". */
  readonly heldAtOrAfterMs?: number;
  readonly limit: number;
  /** Oldest first: the page after (decidedAtMs, readingId). */
  readonly after?: { readonly decidedAtMs: number; readonly readingId: string };
}

/** The staff side of held readings: the queue and the audit trail. Reads only; read-sink is the one writer. */
export interface ReadingReviewRepository {
  listHeld(filter: HeldFilter): Promise<StoredReading[]>;
  /** Every decision sent on one reading, oldest first (applied or not). */
  reviewsOf(accountId: string, readingId: string): Promise<ReviewRecord[]>;
}
