import { demoDayStart, pickDemoDayCustomer, plannedReadings } from '../../scripts/demo-day.plan';

/**
 * A demo-day start (for `demo-day --start`) whose customer has `room` units left on its dials after the demo's
 * closing read. The demo's own pick only promises dials that do not wrap over its 61 days, so a customer picked by the
 * clock alone can sit a few units below 99999 (about 1 start in 60): a spec that reads on past the closing read would
 * then send a value with one digit too many, and the read path rightly rejects it. Deterministic for a prefix and time.
 */
export function demoStartWithRoom(prefix: string, nowMs: number, room: number): number {
  let start = demoDayStart(nowMs);
  for (let tries = 0; tries < 1000; tries++) {
    const c = pickDemoDayCustomer(start, prefix);
    const closing = Number(plannedReadings(c.register).at(-1)!.value);
    if (closing + room < 10 ** c.register.digits) return c.n;
    start = c.n + 1;
  }
  throw new Error(`no demo customer from ${demoDayStart(nowMs)} with ${room} units of room on its dials`);
}

/** A register value `units` on, as many digits as before (the caller picked a customer with room for it). */
export const advanced = (value: string, units: number): string => String(Number(value) + units).padStart(value.length, '0');
