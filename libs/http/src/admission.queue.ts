/** Customers' requests are critical; the collectors' batches, which retry on Retry-After by themselves, sheddable. */
export type Criticality = 'critical' | 'sheddable';

export interface AdmissionQueueOptions {
  /** Longest a request may wait here before it is refused instead of worked, by criticality (ms). */
  readonly maxWaitMs: Readonly<Record<Criticality, number>>;
  /**
   * Work admitted in one turn of the event loop (ms of wall time from the turn's first admission), at least one
   * request a turn; the rest waits for the next turn, after the loop has polled its sockets again.
   */
  readonly turnBudgetMs: number;
  /** Requests waiting at most; the next is refused at once. */
  readonly maxQueued: number;
}

/** CoDel's interval (RFC 8289): how long a delay must stand before the door refuses on it. */
const STANDING_INTERVAL_MS = 100;

interface Waiting {
  readonly at: number;
  readonly criticality: Criticality;
  readonly admit: () => void;
  readonly refuse: () => void;
}

/**
 * The front door's queue, in our hands instead of the kernel's (docs/decisions/0021-criticality-shedding.md).
 *
 * Why: Node's event loop takes one new connection a turn (libuv 1.45+, libuv/libuv#3696), and a turn lasts as
 * long as the work of every socket that was ready when it polled. Worked where they arrive, a busy moment's
 * requests make each turn hundreds of milliseconds long; then new connections wait in the accept queue for seconds
 * (the 28x overload: 600 connections unaccepted for 10-20 s while 420 were served, p99 19.5 s), out of reach of
 * any shedding, because nothing of ours has seen them yet. So a request is only parsed and queued where it
 * arrives, and worked from here within `turnBudgetMs` a turn: turns stay short, the loop polls again (taking the
 * next connection and the next requests) every few milliseconds, and every request's wait is known exactly.
 *
 * Order and guarantees: customers (critical) before collectors' batches (sheddable), first come first served
 * within each. A request that has waited longer than its `maxWaitMs` is refused (the caller's `refuse`: 503 +
 * Retry-After), never worked late; nothing is worked twice or dropped silently: every request entered is either
 * admitted or refused, exactly once. Admitted work runs its first synchronous part (and its microtasks) in the
 * turn it was admitted, which is what the budget bounds.
 */
export class AdmissionQueue {
  private readonly queues: Record<Criticality, FifoQueue<Waiting>> = { critical: new FifoQueue(), sheddable: new FifoQueue() };
  private scheduled = false;
  private turnStartedAt = 0;
  /**
   * Since when every request taken from each queue had waited more than half its limit (undefined: the last one
   * did not): a standing delay, as CoDel (RFC 8289) tells one from a burst that drains by itself.
   */
  private readonly standingSince: Record<Criticality, number | undefined> = { critical: undefined, sheddable: undefined };

  constructor(
    private readonly options: AdmissionQueueOptions,
    private readonly clock: () => number = () => performance.now(),
    private readonly nextTurn: (callback: () => void) => void = (callback) => void setImmediate(callback),
  ) {}

  /** Requests waiting now. */
  get length(): number {
    return this.queues.critical.length + this.queues.sheddable.length;
  }

  /**
   * False (and nothing queued) when the request should be refused at once: the queue is full, or every request
   * taken from it for the last STANDING_INTERVAL_MS had waited more than half its limit, so this one would most
   * likely wait out its limit only to be refused then. Beyond capacity the excess is answered in the turn it
   * arrives, not after `maxWaitMs`; a burst (a collection pause, a moment without the CPU) that drains within the
   * interval refuses no one at the door, and the state clears as soon as a request is taken quickly or the queue
   * empties.
   */
  enter(criticality: Criticality, admit: () => void, refuse: () => void): boolean {
    if (this.length >= this.options.maxQueued) return false;
    const queue = this.queues[criticality];
    const since = this.standingSince[criticality];
    const now = this.clock();
    if (queue.length > 0 && since !== undefined && now - since > STANDING_INTERVAL_MS) return false;
    // Customers first at the door too: while a customer has been waiting longer than a batch may wait at all,
    // no batch is taken in (without this, batches kept arriving through the half second the utilization signal
    // takes to rise at the onset of the peak, and their work made the customers wait).
    if (criticality === 'sheddable') {
      const oldest = this.queues.critical.peek();
      if (oldest !== undefined && now - oldest.at > this.options.maxWaitMs.sheddable) return false;
    }
    queue.push({ at: now, criticality, admit, refuse });
    this.schedule();
    return true;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.nextTurn(this.turn);
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    this.turnStartedAt = this.clock();
    this.admitNext();
  };

  /**
   * One admission, then the next as a microtask: queued behind the admitted request's own first steps, so the
   * budget is measured on work that has run, not on work merely started.
   */
  private readonly admitNext = (): void => {
    for (;;) {
      const waiting = this.queues.critical.shift() ?? this.queues.sheddable.shift();
      if (!waiting) return;
      const now = this.clock();
      const waited = now - waiting.at;
      const standing = waited * 2 > this.options.maxWaitMs[waiting.criticality] && this.queues[waiting.criticality].length > 0;
      this.standingSince[waiting.criticality] = standing ? (this.standingSince[waiting.criticality] ?? now) : undefined;
      if (waited > this.options.maxWaitMs[waiting.criticality]) {
        waiting.refuse();
        continue;
      }
      waiting.admit();
      break;
    }
    if (this.length === 0) return;
    if (this.clock() - this.turnStartedAt < this.options.turnBudgetMs) queueMicrotask(this.admitNext);
    else this.schedule();
  };
}

/** A FIFO queue with O(1) shift (Array#shift copies the array). */
class FifoQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
