import type { Principal } from '@surge/auth/principal.model';
import type { AppError } from '@surge/errors/app.error';
import type { OutgoingRecord } from '@surge/kafka/kafka-record';
import { resolveTopics } from '@surge/topic-catalog/topic.catalog';
import type { MeterReadingRepository, StoredReading } from '@surge/reading-store/meter-reading.repository';
import { decodeReview } from '@surge/reading-contracts/reading-review.event';
import type { ReadingReviewRepository } from '@surge/reading-store/reading-review.repository';
import { heldQuerySchema } from './reading-review.schema';
import { ReadingReviewService } from './reading-review.service';
import { storedReading } from '@surge-test/fixtures/stored-reading.stub';

const reviewer: Principal = { kind: 'service', id: 'reviewer-1', scopes: ['readings:review'] };
const reader: Principal = { kind: 'service', id: 'cs-1', scopes: ['readings:read'] };
const customer: Principal = { kind: 'customer', id: 'c', accountId: 'ACC-1', supplyPointIds: [], meterSerials: [] };
const held = storedReading({ status: 'held', reasonCode: 'HIGH_ADVANCE', category: 'C' });

function service(reading: StoredReading | null) {
  const published: OutgoingRecord[] = [];
  const readings = { findById: async (id: string) => (reading && id === reading.readingId ? { ...reading, bills: [] } : null) } as unknown as MeterReadingRepository;
  const reviews: ReadingReviewRepository = { listHeld: async () => (reading ? [reading] : []), reviewsOf: async () => [] };
  const svc = new ReadingReviewService(readings, reviews, { publish: async (r) => void published.push(...r), isHealthy: () => true, close: async () => undefined }, resolveTopics(''));
  return { svc, published };
}
const ctx = { correlationId: 'corr', now: new Date('2022-05-01T10:00:00Z') };
const code = async (p: Promise<unknown>) => ((await p.then(() => null, (e: AppError) => e)) as AppError | null)?.code;

describe('ReadingReviewService', () => {
  it('publishes an accepted decision on meter-readings.v1, keyed by the supply point, with the reviewer and note', async () => {
    const { svc, published } = service(held);
    const answer = await svc.decide(reviewer, held.readingId, { decision: 'accept', note: 'photo matches' }, { ...ctx, idempotencyKey: 'key-12345' });
    expect(answer).toMatchObject({ readingId: held.readingId, decision: 'accept', state: 'queued' });
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ topic: 'meter-readings.v1', key: held.supplyPointId, headers: { schema: 'reading.review.v1' } });
    expect(decodeReview(Buffer.from(published[0]!.value))).toMatchObject({ reviewId: answer.reviewId, accountId: held.accountId, reviewedBy: 'reviewer-1', note: 'photo matches' });
    // The same Idempotency-Key names the same review (the sink applies it once).
    expect((await svc.decide(reviewer, held.readingId, { decision: 'accept', note: 'photo matches' }, { ...ctx, idempotencyKey: 'key-12345' })).reviewId).toBe(answer.reviewId);
  });

  it('refuses with stable codes: 403 without readings:review (customers too), 404 unknown, 409 not held or already decided; nothing published', async () => {
    const { svc, published } = service(held);
    expect(await code(svc.decide(reader, held.readingId, { decision: 'accept', note: 'x' }, ctx))).toBe('INSUFFICIENT_SCOPE');
    expect(await code(svc.decide(customer, held.readingId, { decision: 'accept', note: 'x' }, ctx))).toBe('INSUFFICIENT_SCOPE');
    expect(await code(svc.listHeld(customer, heldQuerySchema.parse({}), Date.now()))).toBe('INSUFFICIENT_SCOPE');
    expect(await code(svc.decide(reviewer, '0190a0a0-0000-4000-8000-0000000000ff', { decision: 'accept', note: 'x' }, ctx))).toBe('READING_NOT_FOUND');
    expect(await code(svc.decide(reviewer, 'not-a-uuid', { decision: 'accept', note: 'x' }, ctx))).toBe('READING_NOT_FOUND');
    expect(await code(service(storedReading({ status: 'accepted' })).svc.decide(reviewer, held.readingId, { decision: 'accept', note: 'x' }, ctx))).toBe('READING_NOT_HELD');
    expect(await code(service(storedReading({ status: 'accepted', reviewId: 'rv-1' })).svc.decide(reviewer, held.readingId, { decision: 'reject', note: 'x' }, ctx))).toBe('REVIEW_ALREADY_DECIDED');
    expect(published).toEqual([]);
  });

  it('lists the queue with the category, pages with a cursor it gave out, and refuses one it did not', async () => {
    const { svc } = service(held);
    const page = await svc.listHeld(reviewer, heldQuerySchema.parse({ limit: '1' }), Date.now());
    expect(page.items).toEqual([expect.objectContaining({ readingId: held.readingId, status: 'held', category: 'C' })]);
    expect(page.nextCursor).not.toBeNull();
    await expect(svc.listHeld(reviewer, heldQuerySchema.parse({ cursor: page.nextCursor! }), Date.now())).resolves.toBeDefined();
    expect(await code(svc.listHeld(reviewer, heldQuerySchema.parse({ cursor: 'bm9wZQ' }), Date.now()))).toBe('INVALID_CURSOR');
    expect(heldQuerySchema.safeParse({ category: 'E' }).success).toBe(false);
    expect(heldQuerySchema.safeParse({ sort: 'x' }).success).toBe(false);
  });
});
