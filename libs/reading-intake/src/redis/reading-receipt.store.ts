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

  async find(readingId: string): Promise<{ accountId: string; submittedAt: string } | null> {
    const v = await this.redis.get(`rcpt:${readingId}`).catch(() => null);
    if (!v) return null;
    const [accountId = '', submittedAt = ''] = v.split('|');
    return { accountId, submittedAt };
  }
}
