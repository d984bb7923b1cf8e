import type { HalfHourUsage } from './baseline.calculator';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from './bank-holiday.catalog';
import { deliveredIntervals } from './delivered-energy.calculator';
import { earnedValue } from './earned-value.calculator';

/** London 18:00 and 18:30 on a day, as UTC instants (BST from 27 March 2022: 17:00Z; GMT before: 18:00Z). */
const evening = (day: string, a: string, b: string): HalfHourUsage[] => {
  const hour = day >= '2022-03-27' && day < '2022-10-30' ? 17 : 18;
  return [
    { start: `${day}T${hour}:00:00.000Z`, kWh: a },
    { start: `${day}T${hour}:30:00.000Z`, kWh: b },
  ];
};

// The story: Tuesday 12 April 2022, 18:00-19:00 London. The 10 working days before it.
const storyDays = ['2022-03-29', '2022-03-30', '2022-03-31', '2022-04-01', '2022-04-04', '2022-04-05', '2022-04-06', '2022-04-07', '2022-04-08', '2022-04-11'];
const window = { windowStart: new Date('2022-04-12T17:00:00Z'), windowEnd: new Date('2022-04-12T18:00:00Z') };

describe('delivered energy from stored half-hours: our baseline, her measured usage', () => {
  it('the story: a mean of 2.6 kWh a half-hour over 10 working days, 0.5 used in each: 4.2 kWh, £2.40 at 57.15p', () => {
    // Alternating 2.4 and 2.8 (exact decimals: no binary rounding creeps into the mean); the weekend's 9s are not working days.
    const history = storyDays.flatMap((d, i) => evening(d, i % 2 ? '2.4' : '2.8', i % 2 ? '2.8' : '2.4'));
    const usage = [...history, ...evening('2022-04-09', '9', '9'), ...evening('2022-04-10', '9', '9'), ...evening('2022-04-12', '0.5', '0.5')];
    const r = deliveredIntervals({ ...window, usageByResource: new Map([['home', usage]]), excludedDays: ENGLAND_AND_WALES_BANK_HOLIDAYS });
    if (!r.ok) throw new Error(r.detail);
    expect(r.baselineDays).toEqual(storyDays);
    expect(r.intervals).toEqual([
      { baselineKwh: '2.6', actualKwh: '0.5' },
      { baselineKwh: '2.6', actualKwh: '0.5' },
    ]);
    expect(earnedValue(r.intervals, '57.15')).toMatchObject({ deliveredKwh: '4.2', earnedPence: '240' });
  });

  it('the same London half-hours across the clock change: GMT days in March count at 18:00 London, not 18:00Z', () => {
    // Tuesday 5 April 2022 (BST); its 10 working days reach back to 22 March (GMT).
    const days = ['2022-03-22', '2022-03-23', '2022-03-24', '2022-03-25', '2022-03-28', '2022-03-29', '2022-03-30', '2022-03-31', '2022-04-01', '2022-04-04'];
    const usage = [...days.flatMap((d) => evening(d, '2', '1')), ...evening('2022-04-05', '1', '1')];
    const r = deliveredIntervals({ windowStart: new Date('2022-04-05T17:00:00Z'), windowEnd: new Date('2022-04-05T18:00:00Z'), usageByResource: new Map([['home', usage]]), excludedDays: new Set() });
    if (!r.ok) throw new Error(r.detail);
    expect(r.baselineDays).toEqual(days);
    expect(r.intervals).toEqual([
      { baselineKwh: '2', actualKwh: '1' },
      { baselineKwh: '1', actualKwh: '1' },
    ]);
  });

  it('bank holidays are left out like weekends (Good Friday 15 April 2022)', () => {
    const days = ['2022-04-05', '2022-04-06', '2022-04-07', '2022-04-08', '2022-04-11', '2022-04-12', '2022-04-13', '2022-04-14', '2022-04-15', '2022-04-19'];
    const usage = [...evening('2022-04-04', '1', '1'), ...days.flatMap((d) => evening(d, d === '2022-04-15' ? '7' : '1', '1')), ...evening('2022-04-20', '0', '0')];
    const r = deliveredIntervals({ windowStart: new Date('2022-04-20T17:00:00Z'), windowEnd: new Date('2022-04-20T18:00:00Z'), usageByResource: new Map([['home', usage]]), excludedDays: ENGLAND_AND_WALES_BANK_HOLIDAYS });
    if (!r.ok) throw new Error(r.detail);
    expect(r.baselineDays).not.toContain('2022-04-15');
    expect(r.baselineDays).toContain('2022-04-04');
    expect(r.intervals[0]!.baselineKwh).toBe('1');
  });

  it('a half-hour of the window not reported: not settled yet, with the reason', () => {
    const usage = [...storyDays.flatMap((d) => evening(d, '1', '1')), evening('2022-04-12', '0.5', '0.5')[0]!];
    expect(deliveredIntervals({ ...window, usageByResource: new Map([['home', usage]]), excludedDays: new Set() })).toMatchObject({ ok: false, reason: 'window-incomplete' });
  });

  it('too little history: no baseline, nothing paid (not a guess); no usage at all is its own reason', () => {
    const usage = [...storyDays.slice(0, 4).flatMap((d) => evening(d, '1', '1')), ...evening('2022-04-12', '0.5', '0.5')];
    expect(deliveredIntervals({ ...window, usageByResource: new Map([['home', usage]]), excludedDays: new Set() })).toMatchObject({ ok: false, reason: 'no-baseline' });
    expect(deliveredIntervals({ ...window, usageByResource: new Map(), excludedDays: new Set() })).toMatchObject({ ok: false, reason: 'no-usage' });
  });

  it('each resource has its own baseline; the member is paid for all of them, or not yet if one lacks a baseline', () => {
    const home = [...storyDays.flatMap((d) => evening(d, '2', '2')), ...evening('2022-04-12', '1', '1')];
    const heatPump = [...storyDays.flatMap((d) => evening(d, '1', '1')), ...evening('2022-04-12', '0', '0')];
    const both = deliveredIntervals({ ...window, usageByResource: new Map([['home', home], ['heat-pump', heatPump]]), excludedDays: new Set() });
    if (!both.ok) throw new Error(both.detail);
    expect(earnedValue(both.intervals, '10').deliveredKwh).toBe('4');
    const newPump = [...storyDays.slice(-2).flatMap((d) => evening(d, '1', '1')), ...evening('2022-04-12', '0', '0')];
    expect(deliveredIntervals({ ...window, usageByResource: new Map([['home', home], ['heat-pump', newPump]]), excludedDays: new Set() })).toMatchObject({ ok: false, reason: 'no-baseline' });
  });
});
