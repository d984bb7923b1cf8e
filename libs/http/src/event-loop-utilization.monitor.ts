import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * How busy the event loop is: the share of wall time it spent running (JavaScript, GC, native callbacks) rather
 * than waiting in the poll for I/O, over each `intervalMs`, smoothed by `weight` per sample (about 0.5 s by default).
 * The early signal of an approaching limit: lag (EventLoopLagMonitor) only grows once the loop has no idle time
 * left at all, by which point every request already waits behind the others; utilization says "70% busy" while
 * there is still room, which is when sheddable work (collector batches) should start going elsewhere, so that
 * the customers' requests never meet a full loop. A process descheduled by a busy machine mid-callback counts as
 * busy: that, too, is less room for customers. The timer is unref'd.
 */
export class EventLoopUtilizationMonitor {
  private smoothed = 0;
  private readonly timer: NodeJS.Timeout | undefined;

  /** `sinceLast` gives the utilization since its previous call (the real loop's by default). */
  constructor(
    // About half a second of memory (100 ms samples, a fifth each): a collector batch is one burst of 10-20 ms of
    // work, and with 50 ms samples halved each time a few batches arriving together read as a busy loop, so 5-12% of
    // the batches were refused at 3-4x the normal peak with the box mostly idle (capacity search, 2026-12-01).
    intervalMs = 100,
    private readonly weight = 0.2,
    private readonly sinceLast: () => number = realLoop(),
    autoStart = true,
  ) {
    if (autoStart) {
      this.timer = setInterval(() => this.sample(), intervalMs);
      this.timer.unref();
    }
  }

  /** Share of the last moments the loop was busy, 0 to 1, smoothed. */
  utilization(): number {
    return this.smoothed;
  }

  /** One sample (public for tests that drive it). */
  sample(): void {
    const u = this.sinceLast();
    this.smoothed += this.weight * ((Number.isFinite(u) ? u : 0) - this.smoothed);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

function realLoop(): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, last);
    last = now;
    return delta.utilization;
  };
}
