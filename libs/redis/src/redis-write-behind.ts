import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Coalesces fire-and-forget SET commands (receipts, idempotency results) into
 * one pipeline every few milliseconds, so the request path pays no Redis
 * round trip for them and Redis sees a few large writes instead of one per
 * request. Bounded: past `maxPending` new writes are dropped (they are
 * conveniences, never the record of truth).
 */
export class RedisWriteBehind {
  private pending: [key: string, value: string, ttlSeconds: number][] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly flushMs = 10,
    private readonly maxPending = 50_000,
  ) {}

  set(key: string, value: string, ttlSeconds: number): void {
    if (this.pending.length >= this.maxPending) return;
    this.pending.push([key, value, ttlSeconds]);
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.flushMs);
  }

  flush(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    return this.drainInto(this.redis.pipeline())
      .exec()
      .then(
        () => undefined,
        () => undefined,
      );
  }

  /**
   * Moves every pending write into `pipeline`, ahead of what the caller adds next: sent in the same write on the
   * same connection, before the caller's command (so the caller reads its own writes), and one system call
   * instead of two. The caller execs the pipeline and ignores these writes' replies.
   */
  drainInto(pipeline: ChainableCommander): ChainableCommander {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const writes = this.pending;
    this.pending = [];
    for (const [k, v, ttl] of writes) pipeline.set(k, v, 'EX', ttl);
    return pipeline;
  }

  get pendingWrites(): number {
    return this.pending.length;
  }
}
