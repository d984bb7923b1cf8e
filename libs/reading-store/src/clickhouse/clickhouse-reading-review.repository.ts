import type { ClickHouseClient } from '@clickhouse/client';
import { sqlInt, sqlString as quote } from '@surge/clickhouse/clickhouse.sql';
import type { ReviewDecision, ReviewRecord } from '@surge/reading-contracts/reading-review.event';
import type { StoredReading } from '../meter-reading.repository';
import type { HeldFilter, ReadingReviewRepository } from '../reading-review.repository';
import { COLUMNS, fromRow, type Row } from './clickhouse-meter-reading.repository';

interface ReviewRow {
  review_id: string;
  reading_id: string;
  account_id: string;
  decision: ReviewDecision;
  note: string;
  reviewed_by: string;
  requested_at_ms: string | number;
  applied: number;
  result: string;
  held_reason_code: string;
  correlation_id: string;
}

export class ClickHouseReadingReviewRepository implements ReadingReviewRepository {
  constructor(private readonly ch: ClickHouseClient) {}

  /**
   * Held readings, oldest held first. The inner query finds the ids ever held (two narrow columns of every
   * part: a scan, acceptable for a staff queue, never on the customer path); the outer one collapses just those
   * per reading id to the latest decision and keeps the ones still held. Filters apply to the latest decision.
   */
  async listHeld(f: HeldFilter): Promise<StoredReading[]> {
    const having = ["c_status = 'held'"];
    if (f.reasonCode) having.push(`c_reason_code = ${quote(f.reasonCode)}`);
    if (f.category) having.push(`c_category = ${quote(f.category)}`);
    if (f.heldAtOrBeforeMs !== undefined) having.push(`c_decided_at_ms <= ${sqlInt(f.heldAtOrBeforeMs)}`);
    if (f.heldAtOrAfterMs !== undefined) having.push(`c_decided_at_ms >= ${sqlInt(f.heldAtOrAfterMs)}`);
    if (f.after) {
      having.push(`(c_decided_at_ms > ${sqlInt(f.after.decidedAtMs)} OR (c_decided_at_ms = ${sqlInt(f.after.decidedAtMs)} AND reading_id > ${quote(f.after.readingId)}))`);
    }
    const rs = await this.ch.query({
      query: `SELECT ${COLUMNS} FROM meter_readings
        WHERE reading_id IN (SELECT reading_id FROM meter_readings WHERE status = 'held')
        GROUP BY reading_id HAVING ${having.join(' AND ')}
        ORDER BY c_decided_at_ms, reading_id LIMIT ${sqlInt(f.limit)}`,
      format: 'JSONEachRow',
    });
    return (await rs.json<Row>()).map(fromRow);
  }

  async reviewsOf(accountId: string, readingId: string): Promise<ReviewRecord[]> {
    // LIMIT 1 BY review_id: a redelivered decision's identical row, before ClickHouse merged it away, counts once.
    const rs = await this.ch.query({
      query: `SELECT review_id, reading_id, account_id, toString(decision) AS decision, note, reviewed_by, requested_at_ms, applied, result,
          held_reason_code, correlation_id
        FROM reading_reviews WHERE account_id = ${quote(accountId)} AND reading_id = ${quote(readingId)}
        ORDER BY requested_at_ms, review_id LIMIT 1 BY review_id`,
      format: 'JSONEachRow',
    });
    return (await rs.json<ReviewRow>()).map((r) => ({
      reviewId: r.review_id,
      readingId: r.reading_id,
      accountId: r.account_id,
      decision: r.decision,
      note: r.note,
      reviewedBy: r.reviewed_by,
      requestedAtMs: Number(r.requested_at_ms),
      applied: Number(r.applied) === 1,
      result: r.result,
      heldReasonCode: r.held_reason_code,
      correlationId: r.correlation_id,
    }));
  }
}
