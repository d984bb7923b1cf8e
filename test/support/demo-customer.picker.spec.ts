import { demoDayStart, pickDemoDayCustomer, plannedReadings } from '../../scripts/demo-day.plan';
import { advanced, demoStartWithRoom } from './demo-customer.picker';

const closingOf = (start: number, prefix: string) => {
  const c = pickDemoDayCustomer(start, prefix);
  return { c, closing: Number(plannedReadings(c.register).at(-1)!.value) };
};

describe('demoStartWithRoom', () => {
  // The clock-picked start the timeline e2e spec once ran with: its customer closes at 99404 on 5 dials, so 600 + 40
  // more is 100044, six digits (the CI failure: the flow reading rejected instead of accepted).
  const tight = 100_019_700;

  it('the case it exists for: the demo pick alone leaves too little room', () => {
    expect(demoDayStart(197_000)).toBe(tight);
    const { c, closing } = closingOf(tight, 'DAYX');
    expect(closing).toBe(99404);
    expect(c.register.digits).toBe(5);
    expect(closing + 750).toBeGreaterThanOrEqual(10 ** 5);
  });

  it('moves on to the next customer with room, for that start and for many others', () => {
    for (let k = 0; k < 2000; k++) {
      const now = k * 1000;
      const start = demoStartWithRoom('DAYX', now, 750);
      expect(start).toBeGreaterThanOrEqual(demoDayStart(now));
      const { c, closing } = closingOf(start, 'DAYX');
      expect(c.n).toBe(start);
      expect(closing + 750).toBeLessThan(10 ** c.register.digits);
    }
  });

  it('advanced keeps the dial width', () => {
    expect(advanced('00990', 40)).toBe('01030');
  });
});
