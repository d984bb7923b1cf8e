import type { ReviewRecord } from '@surge/reading-contracts/reading-review.event';

/**
 * The reading store's port: what the sink writes and the query side reads, whatever holds it. The adapter
 * beneath (./clickhouse/) is the one in production; services depend on this interface only.
 */
export type ReadingStatus = 'accepted' | 'rejected' | 'held';

/** A reading with the decision taken on it, as stored in ClickHouse `meter_readings`. */
export interface StoredReading {
  readonly readingId: string;
  readonly accountId: string;
  readonly supplyPointId: string;
  readonly fuel: 'electricity' | 'gas';
  readonly meterSerial: string;
  readonly registerId: string;
  /** UTC ISO instant, second precision. */
  readonly readAt: string;
  readonly value: string;
  readonly unit: 'kWh' | 'm3' | 'ft3x100';
  readonly source: string;
  readonly channel: 'web' | 'app' | 'collector' | 'd0010';
  readonly status: ReadingStatus;
  readonly reasonCode: string;
  readonly industryCode: string;
  readonly message: string;
  /** Set when this submission repeats an accepted reading: it is kept for the record but counts once. */
  readonly duplicateOf: string;
  readonly backdated: boolean;
  readonly rolledOver: boolean;
  readonly flags: readonly string[];
  readonly submittedAtMs: number;
  readonly decidedAtMs: number;
  readonly correlationId: string;
  /** Later decisions on the same reading (a held one reviewed) carry a higher version. */
  readonly version: number;
  /** The account's category from read-sink's registry projection when decided; '' (or absent) when unknown. */
  readonly category?: string;
  /** The staff review that decided this (held) reading; '' (or absent) when none has. */
  readonly reviewId?: string;
}

/** A bill that used a reading, from ClickHouse `reading_bills` (marks relayed from billing). Dates are 'YYYY-MM-DD'. */
export interface ReadingBill {
  readonly billId: string;
  readonly periodStart: string;
  readonly periodEnd: string;
}

/** A stored reading with the bills that used it (none yet: empty). */
export interface ReadingWithBills extends StoredReading {
  readonly bills: readonly ReadingBill[];
}

export interface RegisterKey {
  readonly accountId: string;
  readonly supplyPointId: string;
  readonly registerId: string;
}

export const registerKeyOf = (k: RegisterKey): string => `${k.accountId}|${k.supplyPointId}|${k.registerId}`;

export interface HistoricReading {
  readonly readingId: string;
  readonly readAt: string;
  readonly value: string;
  readonly source: string;
}

/**
 * Storage of decided readings. Writes are idempotent: writing the same
 * reading and version again changes no query result. Every read collapses
 * rows per reading id to the highest version, so results are correct before
 * ClickHouse's background merges have run.
 */
export interface MeterReadingRepository {
  insert(rows: readonly StoredReading[]): Promise<void>;
  /** Appends to the review audit trail; idempotent like insert (a redelivered review writes the same row). */
  insertReviews(rows: readonly ReviewRecord[]): Promise<void>;
  /** Latest decision per reading id, for readings of the given accounts. */
  findDecided(accountIds: readonly string[], readingIds: readonly string[]): Promise<Map<string, StoredReading>>;
  /** Accepted, non-duplicate readings per register, oldest first. */
  acceptedHistory(keys: readonly RegisterKey[]): Promise<Map<string, HistoricReading[]>>;
  /** With the bills that used it, in the same single query. */
  findForAccount(accountId: string, readingId: string): Promise<ReadingWithBills | null>;
  /** Staff lookups by id alone (no account given): the reading's account, then findForAccount. */
  findById(readingId: string): Promise<ReadingWithBills | null>;
  /** Newest first by readAt, each with its bills, in one query; `before` is an opaque cursor from the previous page. */
  listForAccount(accountId: string, page: { limit: number; before?: { readAt: string; readingId: string } }): Promise<ReadingWithBills[]>;
}
