import type { ConsumedRecord, OutgoingRecord } from '@surge/kafka/kafka-record';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import type { TopicCatalog } from '@surge/topic-catalog/topic.catalog';
import { assessReading, type HistoricReading as CheckerHistoricReading } from '@surge/meter-domain/reading-plausibility.checker';
import type { ReadingSource } from '@surge/meter-domain/reading.model';
import { defaultEstimatedAnnualConsumption } from '@surge/meter-domain/estimated-annual-consumption.calculator';
import { parseRegisterId } from '@surge/meter-domain/register.model';
import { decodeSubmitted, PoisonRecordError, type MeterReadingSubmittedV1 } from '@surge/reading-contracts/meter-reading-submitted.event';
import { registerKeyOf, type HistoricReading, type MeterReadingRepository, type StoredReading } from '@surge/reading-store/meter-reading.repository';
import type { ReadingOutcomeV1 } from '@surge/reading-contracts/reading-outcome.event';
import { KeptReading, partitionOf, type RegisterHistoryCache, type WorkingHistory } from './reading-sink-history.cache';
import { parseInstant } from '@surge/meter-domain/instant.model';
import { toStoredInstant } from '@surge/meter-domain/stored-instant.converter';
import { decodeReview, REVIEW_REASON_CODES, REVIEW_SCHEMA, type ReadingReviewDecidedV1, type ReviewRecord } from '@surge/reading-contracts/reading-review.event';

/**
 * What the sink knows of a register from the registry (read-sink's RegisterStateProjection, built from
 * registry.v1; never a call to the registry). Absent when the projection does not know the register.
 */
export interface RegisterDirectory {
  register(supplyPointId: string, meterSerial: string, registerId: string): { accountId: string; category: string; digits: number; eacKwh: string | null } | undefined;
}

/** Flags the sink adds to a decision (beside the plausibility checker's own). */
export const SINK_FLAGS = {
  /**
   * The "twice expected" bar came from the typical profile for the register's kind, not the account's own
   * EAC: the registry projection did not know the register (or knows no EAC for it).
   */
  DEFAULT_EAC: 'default-eac',
  /** A held reading decided by staff (reading.review.v1); the audit trail is in reading_reviews. */
  REVIEWED: 'reviewed',
} as const;

export interface SinkObserver {
  batch(size: number, writeSeconds: number): void;
  decided(reading: StoredReading): void;
  deadLettered(reason: string, correlationId: string | undefined): void;
}

const noopObserver: SinkObserver = { batch: () => undefined, decided: () => undefined, deadLettered: () => undefined };

/**
 * The validation stage and ClickHouse sink, handling one consumed batch.
 *
 * Guarantees, given the BatchConsumer's commit-after-resolve contract:
 * - Every reading in the batch is decided (accepted, rejected, held) and
 *   written to ClickHouse before this resolves; a malformed record goes to
 *   the dead-letter topic with its reason instead, and never blocks the batch.
 * - Idempotent: a reading already decided (a redelivery after a crash between
 *   write and commit) keeps its first decision and is written again with the
 *   same version, which changes no query result. Its outcome event is
 *   published again: outcome consumers deduplicate on readingId.
 * - Order: records of one supply point share a partition, so readings of one
 *   register are assessed in submission order, each against the history that
 *   includes the readings accepted before it, in this batch or earlier.
 * - Any storage or broker failure throws, so the batch is retried whole.
 * - Outcome events are published only after ClickHouse confirmed the write:
 *   an event means the reading is queryable.
 */
export class ReadingSinkService {
  constructor(
    private readonly repository: MeterReadingRepository,
    private readonly publisher: EventPublisher,
    private readonly topics: TopicCatalog,
    private readonly observer: SinkObserver = noopObserver,
    private readonly clock: () => number = Date.now,
    /** Recently seen registers' history between batches; without one, every batch reads history from ClickHouse. */
    private readonly historyCache?: RegisterHistoryCache,
    /**
     * The registry's registers (digits, EAC, category), as far as the projection has caught up when a reading
     * is decided. Without one (or for a register it does not know) the sink judges with the submission's digits
     * and the default EAC, and flags the decision DEFAULT_EAC.
     */
    private readonly registers?: RegisterDirectory,
  ) {}

  /**
   * The whole batch, all its partitions, in three ClickHouse round trips: one
   * lookup of readings already decided, one history query, one insert. Per
   * partition that was three round trips each, and six inserts per batch made
   * six small parts for ClickHouse to merge: ClickHouse 18.16 was the largest
   * CPU consumer of a surge. Order is kept where it matters: records are
   * decided in the batch's order, which is offset order within each partition,
   * and one register's readings always share a partition (key = supply point).
   * With a RegisterHistoryCache, the history query covers only registers this
   * instance has not kept, or whose kept tail is not enough for a reading dated
   * before their latest (see the cache for why a kept tail is exact).
   */
  async handle(batch: readonly ConsumedRecord[]): Promise<void> {
    const started = process.hrtime.bigint();
    this.historyCache?.admit(batch);
    // Two phases: judging (decode, two lookups, decisions) returns only what the write and the publish need, so the
    // decoded events and the lookups' working data are garbage before the insert's and the publish's round trips
    // rather than held across them (a 5,000-record batch's objects outlived the young generation and were promoted).
    const { rows, fresh, reviewRecords, history, deadLetters, notes, now } = await this.judge(batch);
    await this.repository.insert(rows);
    await this.repository.insertReviews(reviewRecords);
    const writeSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const outcomes: OutgoingRecord[] = new Array(rows.length + deadLetters.length);
    // Every reading decided now shares one decidedAt: its text is made once, not once per reading.
    const decidedAt = new Date(now).toISOString();
    for (let i = 0; i < rows.length; i++) outcomes[i] = toOutcomeRecord(this.topics, rows[i]!, notes, rows[i]!.decidedAtMs === now ? decidedAt : undefined);
    for (let i = 0; i < deadLetters.length; i++) outcomes[rows.length + i] = deadLetters[i]!;
    await this.publisher.publish(outcomes);
    this.historyCache?.commit(batch, history);
    this.observer.batch(batch.length, writeSeconds);
    for (let i = 0; i < rows.length; i++) if (fresh[i]) this.observer.decided(rows[i]!);
  }

  /** Decodes and decides a batch (dead letters aside); writes nothing. */
  private async judge(batch: readonly ConsumedRecord[]): Promise<Judged> {
    const deadLetters: OutgoingRecord[] = [];
    const events: MeterReadingSubmittedV1[] = [];
    const partitions: string[] = [];
    const reviews: ReadingReviewDecidedV1[] = [];
    const reviewPartitions: string[] = [];
    // Readings and review decisions in the batch's (offset) order: a decision is applied after everything before it.
    // The decoded events themselves (told apart by their schema field), not a wrapper object per record.
    const items: Array<MeterReadingSubmittedV1 | ReadingReviewDecidedV1> = [];
    const seen = new Set<string>();
    for (const record of batch) {
      try {
        if (record.headers.schema === REVIEW_SCHEMA) {
          const review = decodeReview(record.value);
          if (seen.has(`review:${review.reviewId}`)) continue;
          seen.add(`review:${review.reviewId}`);
          reviews.push(review);
          reviewPartitions.push(partitionOf(record));
          items.push(review);
          continue;
        }
        const event = decodeSubmitted(record.value);
        // The same reading twice in one batch (a producer retry) is handled once.
        if (seen.has(event.readingId)) continue;
        seen.add(event.readingId);
        events.push(event);
        partitions.push(partitionOf(record));
        items.push(event);
      } catch (error) {
        const reason = error instanceof PoisonRecordError ? error.reason : 'UNDECODABLE';
        deadLetters.push(toDeadLetter(this.topics, record, reason, String((error as Error)?.message ?? error)));
        this.observer.deadLettered(reason, record.headers['correlation-id']);
      }
    }

    // A review's reading is looked up with the batch's readings (same order in both lists, as findDecided needs).
    const decided = await this.repository.findDecided(
      [...events.map((e) => e.accountId), ...reviews.map((r) => r.accountId)],
      [...events.map((e) => e.readingId), ...reviews.map((r) => r.readingId)],
    );
    // Working copies of each register's history, changed as the batch is judged and handed to the
    // cache only once the batch is durable: the kept tail where this instance has one that is enough for
    // the register's readings in this batch (see RegisterHistoryCache), otherwise the whole history from
    // ClickHouse (registers of fresh readings only; a redelivered reading needs no history).
    const registers = new Map<string, { partition: string; first: MeterReadingSubmittedV1; judged: boolean; earliestMs: number | undefined }>();
    // Each event's register key and instant as stored, worked out once for the lookups and the judging below.
    const keys: string[] = new Array(events.length);
    const storedAt: string[] = new Array(events.length);
    events.forEach((e, i) => {
      const key = (keys[i] = registerKeyOf(e));
      let register = registers.get(key);
      if (!register) registers.set(key, (register = { partition: partitions[i]!, first: e, judged: false, earliestMs: undefined }));
      if (decided.has(e.readingId)) return;
      register.judged = true;
      const readAt = (storedAt[i] = toStoredInstant(e.readAt));
      // Unparseable: no tail is enough (the checker rejects it before history matters, but certainty is cheap here).
      const t = parseInstant(readAt) ?? -Infinity;
      if (register.earliestMs === undefined || t < register.earliestMs) register.earliestMs = t;
    });
    const history = new Map<string, WorkingHistory>();
    const misses: Array<MeterReadingSubmittedV1 | ReadingReviewDecidedV1> = [];
    for (const [key, register] of registers) {
      const kept = this.historyCache?.get(key, register.partition, register.earliestMs);
      if (kept) history.set(key, kept);
      else if (register.judged) {
        history.set(key, { partition: register.partition, history: [], floorMs: -Infinity });
        misses.push(register.first);
      }
    }
    // A review that accepts a reading changes its register's history: the working copy must hold it, so the
    // cache is handed an exact history (reviews are rare; their registers are loaded like fresh readings').
    reviews.forEach((r, i) => {
      const key = registerKeyOf(r);
      if (history.has(key)) return;
      const kept = this.historyCache?.get(key, reviewPartitions[i]!, undefined);
      history.set(key, kept ?? { partition: reviewPartitions[i]!, history: [], floorMs: -Infinity });
      if (!kept) misses.push(r);
    });
    if (misses.length > 0) {
      for (const [key, loaded] of await this.repository.acceptedHistory(misses)) {
        const entry = history.get(key);
        if (entry) entry.history.push(...loaded);
      }
    }

    const rows: StoredReading[] = [];
    const reviewRecords: ReviewRecord[] = [];
    // The latest row of each reading so far in this batch, for a review later in it (none: no map kept).
    const latest = reviews.length > 0 ? new Map<string, StoredReading>() : undefined;
    const now = this.clock();
    let e = 0; // index into events (and keys, storedAt): items hold them in the same order
    for (const item of items) {
      if (item.schema === REVIEW_SCHEMA) {
        const review = item;
        const { row, record } = applyReview(review, latest!.get(review.readingId) ?? decided.get(review.readingId), now);
        reviewRecords.push(record);
        if (!row) continue;
        const entry = history.get(registerKeyOf(review));
        if (entry && row.status === 'accepted' && !row.duplicateOf) addAccepted(entry, row);
        latest!.set(row.readingId, row);
        rows.push(row);
        continue;
      }
      const event = item;
      const i = e++;
      const previous = decided.get(event.readingId);
      const entry = history.get(keys[i]!);
      if (previous) {
        // Decided before (a redelivery, possibly by another consumer): the history kept here must
        // include it if it counts, exactly as ClickHouse's does.
        if (entry && previous.status === 'accepted' && !previous.duplicateOf) addAccepted(entry, previous);
        rows.push(previous);
        latest?.set(previous.readingId, previous);
        continue;
      }
      const row = decide(event, storedAt[i]!, entry!.history, now, this.registers);
      if (row.status === 'accepted' && !row.duplicateOf) insertSorted(entry!.history, toHistoric(row));
      rows.push(row);
      latest?.set(row.readingId, row);
    }

    // A decided review's note rides on the outcome it decided (staff only, for customer service's timeline).
    const notes = new Map(reviews.map((r) => [r.reviewId, r.note]));
    const fresh = rows.map((r) => !decided.has(r.readingId));
    return { rows, fresh, reviewRecords, history, deadLetters, notes, now };
  }
}

/** What judging a batch leaves for its write and publish. */
interface Judged {
  readonly rows: StoredReading[];
  /** Per row: decided by this batch (not a redelivered earlier decision), for the observer. */
  readonly fresh: boolean[];
  readonly reviewRecords: ReviewRecord[];
  readonly history: Map<string, WorkingHistory>;
  readonly deadLetters: OutgoingRecord[];
  readonly notes: ReadonlyMap<string, string>;
  readonly now: number;
}

/** An accepted row as history: a KeptReading (checked and parsed once, so the cache keeps it as it is), or as it is when malformed. */
const toHistoric = (r: StoredReading): HistoricReading =>
  KeptReading.from(r.readingId, r.readAt, r.value, r.source) ?? { readingId: r.readingId, readAt: r.readAt, value: r.value, source: r.source };

/**
 * An accepted reading decided elsewhere or earlier (a redelivery, a review) into a working history, unless it
 * is there already. A kept tail does not hold readings before its floor, and such a reading changes neither
 * the tail nor any judgement made with it (see RegisterHistoryCache): it is left out.
 */
function addAccepted(entry: WorkingHistory, row: StoredReading): void {
  if (entry.floorMs !== -Infinity && !((parseInstant(row.readAt) ?? -Infinity) >= entry.floorMs)) return;
  if (entry.history.some((h) => h.readingId === row.readingId)) return;
  insertSorted(entry.history, toHistoric(row));
}

/** `readAt` is the event's instant as stored (toStoredInstant), worked out once by the caller. */
function decide(event: MeterReadingSubmittedV1, readAt: string, history: readonly HistoricReading[], decidedAtMs: number, registers?: RegisterDirectory): StoredReading {
  // The register as the registry knows it, if the projection has it and it is on this reading's account (a
  // register that moved to another account is judged with the defaults until the projection catches up).
  const found = registers?.register(event.supplyPointId, event.meterSerial, event.registerId);
  const known = found && found.accountId === event.accountId ? found : undefined;
  const expected = known?.eacKwh ? { estimatedAnnualConsumption: known.eacKwh } : expectedConsumption(event);
  // Assess the instant exactly as it will be stored (whole seconds): judging
  // a finer instant than storage keeps would let two submissions of one
  // reading look distinct here and then collide in storage, counted twice.
  const outcome = assessReading(
    { readAt, value: event.value, source: event.source as ReadingSource },
    {
      // The registry's digits when it knows the register (the submission's are what the caller said).
      digits: known?.digits ?? event.digits,
      // The entries themselves, not copies: the checker remembers each entry's parse by identity, and
      // the sink passes the same entries for every reading of a register. Sources are checked there.
      history: neighbourhood(history, readAt) as readonly CheckerHistoricReading[],
      // The account's own EAC for the register when the registry projection knows it; otherwise the typical
      // domestic profile for the register's kind sets the "twice expected" bar (flagged DEFAULT_EAC).
      ...expected,
    },
  );
  // The producer's own hold (a flow's suspect or failed-validation reading) stands unless our checks found
  // worse: a reading we reject stays rejected, one we would accept or hold for our own reason is held for theirs.
  const held = event.hold && outcome.status === 'accepted' ? event.hold : undefined;
  return {
    readingId: event.readingId,
    accountId: event.accountId,
    supplyPointId: event.supplyPointId,
    fuel: event.fuel,
    meterSerial: event.meterSerial,
    registerId: event.registerId,
    readAt,
    value: event.value,
    unit: event.unit,
    source: event.source,
    channel: event.channel,
    status: held ? 'held' : outcome.status,
    reasonCode: held ? held.reasonCode : (outcome.reasonCode ?? ''),
    industryCode: held ? (held.industryCode ?? '') : (outcome.industryCode ?? ''),
    message: held ? held.message : (outcome.message ?? ''),
    duplicateOf: outcome.duplicateOf ?? '',
    backdated: outcome.backdated,
    rolledOver: outcome.rolledOver,
    flags: known?.eacKwh ? outcome.flags : outcome.flags.length === 0 ? DEFAULT_EAC_ONLY : [...outcome.flags, SINK_FLAGS.DEFAULT_EAC].sort(),
    submittedAtMs: Date.parse(event.submittedAt),
    decidedAtMs,
    correlationId: event.correlationId,
    version: decidedAtMs,
    category: known?.category ?? '',
    reviewId: '',
  };
}

/** The flags of most readings the registry does not know: one array for all of them (rows are values, never changed). */
const DEFAULT_EAC_ONLY: readonly string[] = Object.freeze([SINK_FLAGS.DEFAULT_EAC]);

/**
 * A staff decision on a held reading: a new version of the reading's row (the one writer of meter_readings
 * stays the sink) and an audit record, always. Applied only to a reading still held; a decision arriving for
 * one already decided (a second reviewer, or a retry after Redis lost the idempotency key) is recorded as not
 * applied and changes nothing. A redelivered decision recognises itself by reviewId and rewrites the same row.
 */
function applyReview(review: ReadingReviewDecidedV1, current: StoredReading | undefined, now: number): { row?: StoredReading; record: ReviewRecord } {
  const record = (applied: boolean, result: string, heldReasonCode: string): ReviewRecord => ({
    reviewId: review.reviewId,
    readingId: review.readingId,
    accountId: review.accountId,
    decision: review.decision,
    note: review.note,
    reviewedBy: review.reviewedBy,
    requestedAtMs: Date.parse(review.requestedAt),
    applied,
    result,
    heldReasonCode,
    correlationId: review.correlationId,
  });
  const decidedResult = review.decision === 'accept' ? 'accepted' : 'rejected';
  if (!current) return { record: record(false, 'not applied: no such reading on this account', '') };
  if (current.reviewId === review.reviewId) return { row: current, record: record(true, decidedResult, heldReasonOf(current)) };
  if (current.status !== 'held') {
    const why = current.reviewId ? `already ${current.status} on review ${current.reviewId}` : `not held (it was ${current.status})`;
    return { record: record(false, `not applied: the reading was ${why}`, '') };
  }
  const accepted = review.decision === 'accept';
  const row: StoredReading = {
    ...current,
    status: accepted ? 'accepted' : 'rejected',
    reasonCode: accepted ? REVIEW_REASON_CODES.ACCEPTED_ON_REVIEW : REVIEW_REASON_CODES.REJECTED_ON_REVIEW,
    message: accepted
      ? `We held this reading to check it (${current.reasonCode}); our staff reviewed it and accepted it.`
      : `We held this reading to check it (${current.reasonCode}); our staff reviewed it and could not accept it. Please check the meter and submit the reading again, or contact us.`,
    // The held reason stays findable: the industry code is kept and the held reason is in the audit record.
    flags: [...new Set([...current.flags, SINK_FLAGS.REVIEWED])].sort(),
    decidedAtMs: now,
    // Strictly above the held row's version, so argMax and ReplacingMergeTree pick the decision.
    version: Math.max(now, current.version + 1),
    reviewId: review.reviewId,
  };
  return { row, record: record(true, decidedResult, current.reasonCode) };
}

const heldReasonOf = (r: StoredReading): string => /\(([A-Z_]+)\)/.exec(r.message)?.[1] ?? '';

function expectedConsumption(event: MeterReadingSubmittedV1): { estimatedAnnualConsumption?: string } {
  const kind = parseRegisterId(event.registerId)?.kind;
  if (!kind) return {};
  // A pure function of (kind, unit), a handful of combinations: computed once each, not per reading.
  const key = `${kind}|${event.unit}`;
  let eac = DEFAULT_EAC.get(key);
  if (eac === undefined) {
    eac = defaultEstimatedAnnualConsumption(kind, event.unit) ?? null;
    if (DEFAULT_EAC.size < 64) DEFAULT_EAC.set(key, eac);
  }
  return eac ? { estimatedAnnualConsumption: eac } : {};
}
const DEFAULT_EAC = new Map<string, string | null>();

/**
 * The readings around `readAt` that the checks can use: duplicates at the same
 * instant, the neighbours either side, and enough earlier readings to find the
 * last actual one behind a run of estimates. Bounded, so a register with a
 * long history (a smart meter) costs the same per reading as a new one.
 */
const HISTORY_BEFORE = 48;
const HISTORY_AFTER = 8;
export function neighbourhood(sorted: readonly HistoricReading[], readAt: string): readonly HistoricReading[] {
  if (sorted.length <= HISTORY_BEFORE + HISTORY_AFTER) return sorted;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.readAt < readAt) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < sorted.length && sorted[end]!.readAt === readAt) end++;
  return sorted.slice(Math.max(0, lo - HISTORY_BEFORE), Math.min(sorted.length, end + HISTORY_AFTER));
}

function insertSorted(history: HistoricReading[], reading: HistoricReading): void {
  let i = history.length;
  while (i > 0 && history[i - 1]!.readAt > reading.readAt) i--;
  history.splice(i, 0, reading);
}

function toOutcomeRecord(topics: TopicCatalog, row: StoredReading, notes: ReadonlyMap<string, string>, decidedAt?: string): OutgoingRecord {
  const event: ReadingOutcomeV1 = {
    schema: 'reading.outcome.v1',
    readingId: row.readingId,
    accountId: row.accountId,
    supplyPointId: row.supplyPointId,
    meterSerial: row.meterSerial,
    registerId: row.registerId,
    readAt: row.readAt,
    value: row.value,
    channel: row.channel,
    status: row.status,
    reasonCode: row.reasonCode || null,
    message: row.message || null,
    duplicateOf: row.duplicateOf || null,
    decidedAt: decidedAt ?? new Date(row.decidedAtMs).toISOString(),
    correlationId: row.correlationId,
    ...(row.reviewId ? { reviewId: row.reviewId } : {}),
    ...(row.reviewId && notes.has(row.reviewId) ? { reviewNote: notes.get(row.reviewId)! } : {}),
  };
  return {
    topic: row.status === 'accepted' ? topics.readingAccepted.name : topics.readingRejected.name,
    key: row.accountId,
    value: JSON.stringify(event),
    headers: { 'correlation-id': row.correlationId, schema: event.schema },
  };
}

function toDeadLetter(topics: TopicCatalog, record: ConsumedRecord, reason: string, detail: string): OutgoingRecord {
  return {
    topic: topics.meterReadingsDeadLetter.name,
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      'dlq-reason': reason,
      'dlq-detail': detail.slice(0, 500),
      'dlq-source': `${record.topic}/${record.partition}/${record.offset}`,
    },
  };
}
