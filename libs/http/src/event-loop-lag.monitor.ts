/**
 * How late the event loop runs, sampled every `intervalMs` by a timer that measures its own delay. A request that
 * arrives while the loop is late has waited about that long already (in the socket buffer or the accept queue)
 * before any of our code ran: the measure of queueing delay on a single-threaded server that an in-flight count
 * does not see (the requests that have not reached us yet).
 * Smoothed (exponentially weighted, `weight` per sample): a backlog of our own work keeps the loop late sample
 * after sample and lifts the figure within a few samples, while one late timer (a GC pause, or the process
 * descheduled for a moment on a busy node) barely moves it; shedding on such a spike would refuse customers
 * without relieving anything. The timer is unref'd: it never keeps a process alive.
 */
export class EventLoopLagMonitor {
  private smoothedMs = 0;
  private expectedAt: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly intervalMs = 10,
    private readonly weight = 0.25,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.expectedAt = this.clock() + intervalMs;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Milliseconds the loop has been running late, smoothed. */
  lagMs(): number {
    return this.smoothedMs;
  }

  /** One timer tick (public for tests that drive the clock). */
  sample(): void {
    const now = this.clock();
    const lag = Math.max(0, now - this.expectedAt);
    this.smoothedMs += this.weight * (lag - this.smoothedMs);
    this.expectedAt = now + this.intervalMs;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
