import { BaselineUnavailableError, tenDayBaseline, type HalfHourUsage } from './baseline.calculator';

/** Half-hourly usage 18:00 and 18:30 London (GMT in November) on each given day. */
const usage = (days: Array<[string, string, string]>): HalfHourUsage[] =>
  days.flatMap(([day, a, b]) => [
    { start: `${day}T18:00:00Z`, kWh: a },
    { start: `${day}T18:30:00Z`, kWh: b },
  ]);

describe('the baseline: mean of the same half-hours over the previous 10 working days, event days excluded, no in-day adjustment', () => {
  const window = { windowStart: new Date('2026-12-01T18:00:00Z'), windowEnd: new Date('2026-12-01T19:00:00Z') };
  // Tuesday 1 Dec 2026. Working days before it: 30 Nov (Mon), 27, 26, 25, 24, 23, 20, 19, 18, 17, 16 Nov ...
  const days = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-30'];

  it('takes the 10 most recent working days (the 11th back is left out), weekends ignored', () => {
    const history = usage([...days.map((d): [string, string, string] => [d, '1', '2']), ['2026-11-16', '0', '0'], ['2026-11-28', '9', '9'], ['2026-11-29', '9', '9']]);
    const b = tenDayBaseline({ ...window, history, excludedDays: new Set() });
    expect(b.days).toEqual(days.slice(1));
    expect(b.slots).toEqual([
      { start: '2026-12-01T18:00:00.000Z', kWh: '1' },
      { start: '2026-12-01T18:30:00.000Z', kWh: '2' },
    ]);
  });

  it('an earlier event day does not count, the day before it does instead; usage on the event day itself (in-day) is ignored', () => {
    const history = usage([...days.map((d): [string, string, string] => [d, d === '2026-11-25' ? '5' : '1', '1']), ['2026-12-01', '50', '50']]);
    const b = tenDayBaseline({ ...window, history, excludedDays: new Set(['2026-11-25']) });
    expect(b.days).toContain('2026-11-16');
    expect(b.days).not.toContain('2026-11-25');
    expect(b.slots[0]!.kWh).toBe('1');
  });

  it('too few days with data is no baseline, not a guess', () => {
    expect(() => tenDayBaseline({ ...window, history: usage(days.slice(0, 4).map((d) => [d, '1', '1'])), excludedDays: new Set() })).toThrow(BaselineUnavailableError);
  });

  it('a day with a half-hour missing is left out and the next older complete day takes its place', () => {
    const history = usage(days.map((d): [string, string, string] => [d, '1', '1'])).filter((u) => u.start !== '2026-11-24T18:30:00Z');
    const b = tenDayBaseline({ ...window, history: [...history.filter((u) => u.start !== '2026-11-24T18:00:00Z'), { start: '2026-11-24T18:00:00Z', kWh: '40' }], excludedDays: new Set() });
    expect(b.days).not.toContain('2026-11-24');
    expect(b.days).toHaveLength(10);
    expect(b.days[0]).toBe('2026-11-16'); // the 11th working day back, needed now
    expect(b.slots.map((s) => s.kWh)).toEqual(['1', '1']);
  });

  it('the mean is exact: thirds stay decimals, never binary floating point', () => {
    const history = usage(days.slice(1).map((d, i): [string, string, string] => [d, i < 5 ? '0.1' : '0.2', '0.3']));
    const b = tenDayBaseline({ ...window, history, excludedDays: new Set() });
    expect(b.slots.map((s) => s.kWh)).toEqual(['0.15', '0.3']);
  });
});
