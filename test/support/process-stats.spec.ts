import { busyTicksOfProcStat } from './process-stats';

describe('busyTicksOfProcStat', () => {
  it('sums every field of the all-cores line but idle and iowait (guest time is already inside user)', () => {
    const text = 'cpu  100 2 30 5000 7 1 4 3 50 0\ncpu0 50 1 15 2500 3 0 2 1 25 0\nintr 1 2 3\n';
    expect(busyTicksOfProcStat(text)).toBe(100 + 2 + 30 + 1 + 4 + 3);
  });

  it('is null for text without the line', () => {
    expect(busyTicksOfProcStat('intr 1 2 3\n')).toBeNull();
  });
});
