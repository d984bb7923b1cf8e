import type { Redis } from 'ioredis';
import type { RedisWriteBehind } from '@surge/redis/redis-write-behind';
import type { ReceiptLookup } from '@surge/reading-query/reading-query.service';

/**
 * "Received" receipts: what GET /v1/meter-readings/{id} answers between the
 * 202 and the sink's decision. Written without awaiting (it must not add
 * latency or a failure mode to the submit path); if Redis is down the GET
 * answers 404 until the decision lands, which the API documents.
 */
export interface ReceiptRecorder {
  record(readingId: string, accountId: string, submittedAt: string): void;
}

export class RedisReadingReceipts implements ReceiptRecorder, ReceiptLookup {
  constructor(
    private readonly redis: Redis,
    private readonly writes: RedisWriteBehind,
    private readonly ttlSeconds = 7 * 24 * 3600,
  ) {}

  record(readingId: string, accountId: string, submittedAt: string): void {
    this.writes.set(`rcpt:${readingId}`, `${accountId}|${submittedAt}`, this.ttlSeconds);
  }

  /**
   * Read-your-writes on this instance: a receipt recorded a moment ago may still wait in the write-behind queue
   * (flushed every 10 ms), and a client may ask for its reading right after the 202 (the customer page waits a
   * second, an API client need not). So the queued writes go first, in the same pipeline on the same connection,
   * and Redis applies them before this GET (without it the API answered 404 for a reading it had just accepted).
   * A receipt recorded by another instance lands within that instance's flush interval.
   */
  async find(readingId: string): Promise<{ accountId: string; submittedAt: string } | null> {
    const replies = await this.writes
      .drainInto(this.redis.pipeline())
      .get(`rcpt:${readingId}`)
      .exec()
      .catch(() => null);
    const [error, v] = replies?.[replies.length - 1] ?? [null, null];
    if (error || typeof v !== 'string' || v === '') return null;
    const [accountId = '', submittedAt = ''] = v.split('|');
    return { accountId, submittedAt };
  }
}
