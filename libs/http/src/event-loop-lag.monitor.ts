/**
 * How late the event loop is, sampled every `intervalMs` by a timer that measures its own delay. A request that
 * arrives while the loop is late has waited about that long already (in the socket buffer or the accept queue)
 * before any of our code ran: the honest measure of queueing delay on a single-threaded server, where an
 * in-flight count alone does not see the requests that have not reached us yet.
 * The figure is the larger of the last sample and the time since the timer should have fired, so a loop
 * blocked right now counts as late before the timer gets to run. The timer is unref'd: it never keeps a process alive.
 */
export class EventLoopLagMonitor {
  private lastLagMs = 0;
  private expectedAt: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly intervalMs = 10,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.expectedAt = this.clock() + intervalMs;
    this.timer = setInterval(() => {
      const now = this.clock();
      this.lastLagMs = Math.max(0, now - this.expectedAt);
      this.expectedAt = now + this.intervalMs;
    }, intervalMs);
    this.timer.unref();
  }

  /** Milliseconds the loop is behind now. */
  lagMs(): number {
    return Math.max(this.lastLagMs, this.clock() - this.expectedAt);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
