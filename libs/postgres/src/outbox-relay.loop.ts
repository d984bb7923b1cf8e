export interface OutboxRelayLoopOptions {
  /** Rows per drain, at most; a full batch means more may be waiting, so the next drain starts at once. */
  readonly batchSize: number;
  /** With nothing pending, look again after this long (a nudge wakes it sooner). */
  readonly idleMs: number;
  /** After a nudge, wait this long so writes committed together share one drain. */
  readonly coalesceMs: number;
  /** Backoff after a failure: doubles from min to max. */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
}

/**
 * The scheduling half of a transactional outbox relay: when to drain, not
 * what. A relay extends it and implements `drainOnce`, which moves up to one
 * batch and says how many rows it moved; it must leave the outbox untouched
 * when it throws (the rows are retried after a
 * backoff, for as long as it takes). Drains never overlap within one loop.
 * A nudge during an idle wait starts a drain after `coalesceMs`; a nudge
 * during a backoff does not cut the backoff short (the dependency is down;
 * more callers do not make it come back sooner). stop() ends any wait at once
 * and resolves after the drain in hand has finished.
 */
export abstract class OutboxRelayLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;

  protected constructor(
    protected readonly options: OutboxRelayLoopOptions,
    private readonly onFailure: (error: unknown, attempt: number) => void,
  ) {}

  /** Relays up to one batch; returns how many rows it moved. Throws when nothing was moved (the rows stay). */
  abstract drainOnce(): Promise<number>;

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the batch in hand (its transaction commits or rolls back). */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /** Something was just committed to the outbox: drain soon rather than at the next idle poll. Cheap: sets a flag. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let delay = this.options.retryMinMs;
    let attempt = 0;
    while (this.running) {
      try {
        const moved = await this.drainOnce();
        delay = this.options.retryMinMs;
        attempt = 0;
        if (moved === this.options.batchSize) continue;
        await this.sleep(this.options.idleMs, true);
      } catch (error) {
        this.onFailure(error, ++attempt);
        await this.sleep(delay, false);
        delay = Math.min(delay * 2, this.options.retryMaxMs);
      }
    }
  }

  private async sleep(ms: number, wakeOnNudge: boolean): Promise<void> {
    if (!(wakeOnNudge && this.nudged)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => {
          if (!this.running || wakeOnNudge) {
            clearTimeout(timer);
            resolve();
          }
        };
      });
      this.wake = undefined;
    }
    if (wakeOnNudge && this.nudged && this.running) {
      this.nudged = false;
      await new Promise((r) => setTimeout(r, this.options.coalesceMs));
    }
  }
}
