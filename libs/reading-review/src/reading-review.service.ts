import { randomUUID } from 'node:crypto';
import { hasScope, type Principal } from '@surge/auth/principal.model';
import { AppError, conflict, forbidden, notFound, unavailable, validationError } from '@surge/errors/app.error';
import type { EventPublisher } from '@surge/kafka/event-publisher';
import type { TopicCatalog } from '@surge/topic-catalog/topic.catalog';
import type { MeterReadingRepository } from '@surge/reading-store/meter-reading.repository';
import { toView, type ReadingView } from '@surge/reading-query/reading-query.service';
import { encodeReview, REVIEW_SCHEMA, type ReadingReviewDecidedV1 } from '@surge/reading-contracts/reading-review.event';
import type { ReadingReviewRepository } from '@surge/reading-store/reading-review.repository';
import type { HeldQuery, ReviewDecisionRequest } from './reading-review.schema';
import { uuidFromKey } from '@surge/reading-intake/reading-intake.service';

const HOUR_MS = 3_600_000;

/**
 * The review queue for held readings (staff with `readings:review`; everyone else 403, and a reading id that is
 * not a reading is 404). read-api owns the routes; read-sink stays the one writer of meter_readings: a decision
 * is published (acks=all) on meter-readings.v1 with the reading's supply point as key, and the sink applies it
 * as a new version of the reading's row, writes the audit record and publishes the outcome event. So 202 means
 * the decision is durable and will be applied in order after the reading; it is visible on
 * GET /v1/meter-readings/{id} once the sink has applied it (typically within a second).
 *
 * Two staff deciding at once both get 202; the sink applies the first that reaches it and records the second
 * as not applied (GET .../reviews shows both). A decision on a reading already decided is refused here (409).
 */
export class ReadingReviewService {
  constructor(
    private readonly readings: MeterReadingRepository,
    private readonly reviews: ReadingReviewRepository,
    private readonly publisher: EventPublisher,
    private readonly topics: TopicCatalog,
  ) {}

  async listHeld(principal: Principal, query: HeldQuery, now: number): Promise<{ items: ReadingView[]; nextCursor: string | null }> {
    requireReviewer(principal);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await storage(
      this.reviews.listHeld({
        limit: query.limit,
        ...(query.reason ? { reasonCode: query.reason } : {}),
        ...(query.category ? { category: query.category } : {}),
        ...(query.minAgeHours !== undefined ? { heldAtOrBeforeMs: Math.floor(now - query.minAgeHours * HOUR_MS) } : {}),
        ...(query.maxAgeHours !== undefined ? { heldAtOrAfterMs: Math.ceil(now - query.maxAgeHours * HOUR_MS) } : {}),
        ...(after ? { after } : {}),
      }),
    );
    const last = rows.length === query.limit ? rows[rows.length - 1] : undefined;
    return {
      items: rows.map((r) => ({ ...toView(r), category: r.category || null })),
      nextCursor: last ? Buffer.from(`${last.decidedAtMs}|${last.readingId}`).toString('base64url') : null,
    };
  }

  async decide(
    principal: Principal,
    readingId: string,
    body: ReviewDecisionRequest,
    ctx: { correlationId: string; now: Date; idempotencyKey?: string },
  ): Promise<{ reviewId: string; readingId: string; decision: 'accept' | 'reject'; state: 'queued' }> {
    requireReviewer(principal);
    if (!/^[0-9a-f-]{36}$/i.test(readingId)) throw notFound('READING_NOT_FOUND', `No reading ${readingId}.`);
    const current = await storage(this.readings.findById(readingId));
    if (!current) throw notFound('READING_NOT_FOUND', `No reading ${readingId}.`);
    if (current.status !== 'held') {
      if (current.reviewId) {
        throw conflict('REVIEW_ALREADY_DECIDED', `Reading ${readingId} was ${current.status} on review ${current.reviewId}; the first decision stands (GET /v1/meter-readings/${readingId}/reviews).`);
      }
      throw conflict('READING_NOT_HELD', `Reading ${readingId} was not held for review: the checks ${current.status} it${current.reasonCode ? ` (${current.reasonCode})` : ''}.`);
    }
    // A retry with the same Idempotency-Key names the same review, which the sink applies once.
    const reviewId = ctx.idempotencyKey ? uuidFromKey(`review|${principal.id}|${ctx.idempotencyKey}`) : randomUUID();
    const event: ReadingReviewDecidedV1 = {
      schema: REVIEW_SCHEMA,
      reviewId,
      readingId,
      accountId: current.accountId,
      supplyPointId: current.supplyPointId,
      meterSerial: current.meterSerial,
      registerId: current.registerId,
      decision: body.decision,
      note: body.note,
      reviewedBy: principal.id,
      requestedAt: ctx.now.toISOString(),
      correlationId: ctx.correlationId,
    };
    // acks=all, like a submission: the publisher's own 503 (Retry-After) when Kafka cannot confirm it.
    await this.publisher.publish([
      { topic: this.topics.meterReadings.name, key: current.supplyPointId, value: encodeReview(event), headers: { schema: REVIEW_SCHEMA, 'correlation-id': ctx.correlationId } },
    ]);
    return { reviewId, readingId, decision: body.decision, state: 'queued' };
  }

  /** The audit trail of one reading: every decision staff sent, oldest first, applied or not. */
  async reviewsOf(principal: Principal, readingId: string) {
    requireReviewer(principal);
    if (!/^[0-9a-f-]{36}$/i.test(readingId)) throw notFound('READING_NOT_FOUND', `No reading ${readingId}.`);
    const reading = await storage(this.readings.findById(readingId));
    if (!reading) throw notFound('READING_NOT_FOUND', `No reading ${readingId}.`);
    const trail = await storage(this.reviews.reviewsOf(reading.accountId, readingId));
    return {
      readingId,
      accountId: reading.accountId,
      status: reading.status,
      reviews: trail.map((r) => ({
        reviewId: r.reviewId,
        decision: r.decision,
        note: r.note,
        reviewedBy: r.reviewedBy,
        requestedAt: new Date(r.requestedAtMs).toISOString(),
        applied: r.applied,
        result: r.result,
        heldReasonCode: r.heldReasonCode || null,
      })),
    };
  }
}

function requireReviewer(principal: Principal): void {
  if (!hasScope(principal, 'readings:review')) throw forbidden('INSUFFICIENT_SCOPE', 'Reviewing held readings needs an API key with the readings:review scope.');
}

function decodeCursor(cursor: string): { decidedAtMs: number; readingId: string } {
  const [at, readingId, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const decidedAtMs = Number(at);
  if (extra !== undefined || !Number.isSafeInteger(decidedAtMs) || decidedAtMs < 0 || !readingId || !/^[0-9a-f-]{36}$/i.test(readingId)) {
    throw validationError('INVALID_CURSOR', 'The cursor is not one this API gave out; start again without it.', [
      { code: 'INVALID_CURSOR', field: 'cursor', message: 'Unknown cursor: pass back nextCursor exactly as received.' },
    ]);
  }
  return { decidedAtMs, readingId };
}

/** The store down is a 503 with Retry-After, never a 500 (as for the other reading lookups). */
async function storage<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unavailable('DEPENDENCY_UNAVAILABLE', 'Held readings cannot be looked up right now; try again after Retry-After seconds.', { cause: error });
  }
}
