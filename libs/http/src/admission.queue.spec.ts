import { AdmissionQueue } from './admission.queue';

/** A hand-driven loop: `turn()` runs what the queue scheduled for the next turn, then its microtasks. */
function harness(options: { critical?: number; sheddable?: number; turnBudgetMs?: number; maxQueued?: number } = {}) {
  let now = 0;
  let pending: (() => void) | undefined;
  const queue = new AdmissionQueue(
    { maxWaitMs: { critical: options.critical ?? 100, sheddable: options.sheddable ?? 15 }, turnBudgetMs: options.turnBudgetMs ?? 2, maxQueued: options.maxQueued ?? 100 },
    () => now,
    (callback) => {
      if (pending) throw new Error('scheduled twice for one turn');
      pending = callback;
    },
  );
  const log: string[] = [];
  const enter = (name: string, criticality: 'critical' | 'sheddable' = 'critical', cost = 0) =>
    queue.enter(
      criticality,
      () => {
        log.push(`admit ${name}`);
        now += cost;
      },
      () => log.push(`refuse ${name}`),
    );
  const turn = async () => {
    const run = pending;
    pending = undefined;
    run?.();
    await new Promise((r) => setImmediate(r)); // the microtasks the queue chained
  };
  return { queue, log, enter, turn, advance: (ms: number) => (now += ms), scheduled: () => pending !== undefined };
}

describe('AdmissionQueue', () => {
  it('works customers before batches, first come first served within each, each request exactly once', async () => {
    const h = harness({ turnBudgetMs: 1000 });
    h.enter('b1', 'sheddable');
    h.enter('c1');
    h.enter('b2', 'sheddable');
    h.enter('c2');
    await h.turn();
    expect(h.log).toEqual(['admit c1', 'admit c2', 'admit b1', 'admit b2']);
    expect(h.queue.length).toBe(0);
    expect(h.scheduled()).toBe(false);
  });

  it('works at most turnBudgetMs a turn (at least one request), the rest in the next turn', async () => {
    const h = harness({ turnBudgetMs: 2 });
    for (const name of ['a', 'b', 'c', 'd']) h.enter(name, 'critical', 1.5);
    await h.turn();
    expect(h.log).toEqual(['admit a', 'admit b']);
    expect(h.scheduled()).toBe(true);
    await h.turn();
    expect(h.log).toEqual(['admit a', 'admit b', 'admit c', 'admit d']);
  });

  it('refuses a request that waited past its limit instead of working it late (a batch sooner than a customer)', async () => {
    const h = harness();
    h.enter('batch', 'sheddable');
    h.enter('customer');
    h.advance(16);
    await h.turn();
    expect(h.log).toEqual(['admit customer', 'refuse batch']);
    h.enter('late');
    h.advance(101);
    await h.turn();
    expect(h.log.at(-1)).toBe('refuse late');
  });

  it('refuses at the door once a delay has stood for the interval, not for a burst, and clears when it drains', async () => {
    const h = harness({ turnBudgetMs: 0 });
    // A burst: one request taken after 60 ms (over half the 100 ms limit), then the queue drains.
    h.enter('a');
    h.enter('b');
    h.advance(60);
    await h.turn();
    expect(h.enter('c')).toBe(true); // standing for 0 ms: still queued
    // The delay stands: two arrive a turn, one is taken, each taken one has waited over 50 ms, for over 100 ms.
    const entered: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      h.advance(40);
      entered.push(h.enter(`x${i}`), h.enter(`y${i}`));
      await h.turn();
    }
    expect(entered).toEqual([true, true, true, true, false, false, false, false]);
    expect(h.log.some((l) => /x2|y2|x3|y3/.test(l))).toBe(false); // refused at the door: the caller answers them
    // Drained: the next one is taken quickly, and the door opens again.
    while (h.queue.length > 0) await h.turn();
    expect(h.enter('after')).toBe(true);
    await h.turn();
    expect(h.log.at(-1)).toBe('admit after');
    expect(h.log.filter((l) => l.startsWith('admit')).length + h.log.filter((l) => l.startsWith('refuse')).length).toBe(h.log.length);
  });

  it('takes no batch in while a customer has waited longer than a batch may wait at all', async () => {
    const h = harness();
    h.enter('customer');
    expect(h.enter('batch early', 'sheddable')).toBe(true);
    h.advance(16);
    expect(h.enter('batch late', 'sheddable')).toBe(false);
    await h.turn();
    expect(h.log).toEqual(['admit customer', 'refuse batch early']);
    expect(h.enter('batch after', 'sheddable')).toBe(true);
  });

  it('refuses at the door when maxQueued requests wait', () => {
    const h = harness({ maxQueued: 2 });
    expect([h.enter('a'), h.enter('b'), h.enter('c')]).toEqual([true, true, false]);
  });
});
