import { EventLoopUtilizationMonitor } from './event-loop-utilization.monitor';

describe('EventLoopUtilizationMonitor', () => {
  it('follows a loop that becomes busy and then idle again, smoothed', () => {
    let u = 0.9;
    const monitor = new EventLoopUtilizationMonitor(50, 0.5, () => u, false);
    monitor.sample();
    expect(monitor.utilization()).toBeCloseTo(0.45);
    for (let i = 0; i < 8; i++) monitor.sample();
    expect(monitor.utilization()).toBeGreaterThan(0.89);
    u = 0.1;
    for (let i = 0; i < 8; i++) monitor.sample();
    expect(monitor.utilization()).toBeLessThan(0.11);
  });

  it('by default a burst of a few busy samples (collector batches arriving together) stays under 0.7 (regression: batches refused at 3x)', () => {
    let u = 0.9;
    const monitor = new EventLoopUtilizationMonitor(undefined, undefined, () => u, false);
    for (let i = 0; i < 3; i++) monitor.sample();
    expect(monitor.utilization()).toBeLessThan(0.7);
    u = 0.9; // sustained: a loop that stays busy for a second or more does cross it
    for (let i = 0; i < 12; i++) monitor.sample();
    expect(monitor.utilization()).toBeGreaterThan(0.7);
  });

  it('reads the real loop: a loop kept busy reads as busy', async () => {
    const monitor = new EventLoopUtilizationMonitor(20);
    const until = Date.now() + 300;
    while (Date.now() < until) {
      await new Promise((r) => setImmediate(r));
      const spin = Date.now() + 15;
      while (Date.now() < spin) {
        /* busy */
      }
    }
    await new Promise((r) => setTimeout(r, 25));
    expect(monitor.utilization()).toBeGreaterThan(0.5);
    monitor.stop();
  });
});
