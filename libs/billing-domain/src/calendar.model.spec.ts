import fc from 'fast-check';
import {
  addDays,
  assertIsoDate,
  compareDates,
  daysBetween,
  eachDay,
  formatDisplayDate,
  formatDisplaySpan,
  fromDayNumber,
  isIsoDate,
  lastDayOf,
  londonWallClock,
  maxDate,
  minDate,
  parseInstant,
  spanDays,
  toDayNumber,
} from './calendar.model';

describe('billing-day arithmetic', () => {
  it('a period from 2022-03-01 to 2022-04-01 has 31 supply days, the last being 31 March', () => {
    expect(daysBetween('2022-03-01', '2022-04-01')).toBe(31);
    expect(spanDays({ start: '2022-03-01', end: '2022-04-01' })).toBe(31);
    expect(lastDayOf({ start: '2022-03-01', end: '2022-04-01' })).toBe('2022-03-31');
    expect([...eachDay('2022-03-01', '2022-04-01')]).toHaveLength(31);
  });

  it('counts the clock-change days as one day each', () => {
    expect(daysBetween('2022-03-27', '2022-03-28')).toBe(1); // 23-hour London day
    expect(daysBetween('2022-10-30', '2022-10-31')).toBe(1); // 25-hour London day
    expect(daysBetween('2022-03-01', '2022-11-01')).toBe(245);
  });

  it('handles leap years and month ends', () => {
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(daysBetween('2023-02-28', '2023-03-01')).toBe(1);
    expect(addDays('2022-01-31', 1)).toBe('2022-02-01');
    expect(addDays('2022-03-01', -1)).toBe('2022-02-28');
    expect(daysBetween('2022-04-01', '2022-03-01')).toBe(-31);
  });

  it('rejects malformed and impossible dates', () => {
    for (const bad of ['2022-02-30', '2022-13-01', '2022-4-1', '01/04/2022', '2022-04-01T00:00:00Z', '']) {
      expect(isIsoDate(bad)).toBe(false);
      expect(() => assertIsoDate(bad)).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_DATE' }));
    }
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(() => addDays('2022-01-01', 0.5)).toThrow();
    expect(() => spanDays({ start: '2022-04-01', end: '2022-03-01' })).toThrow();
  });

  it('compares, min and max', () => {
    expect(compareDates('2022-03-31', '2022-04-01')).toBeLessThan(0);
    expect(minDate('2022-03-31', '2022-04-01')).toBe('2022-03-31');
    expect(maxDate('2022-03-31', '2022-04-01')).toBe('2022-04-01');
  });

  it('formats days as printed on bills', () => {
    expect(formatDisplayDate('2022-03-01')).toBe('01 Mar 2022');
    expect(formatDisplaySpan({ start: '2022-03-01', end: '2022-04-01' })).toBe('01 Mar 2022 – 31 Mar 2022');
  });

  it('day numbers round-trip and addDays agrees with daysBetween (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: -5000, max: 5000 }), (day, n) => {
        const date = fromDayNumber(day);
        expect(toDayNumber(date)).toBe(day);
        expect(daysBetween(date, addDays(date, n))).toBe(n);
      }),
    );
  });

  it('eachDay yields daysBetween consecutive days (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 18_000, max: 20_000 }), fc.integer({ min: 0, max: 400 }), (day, n) => {
        const from = fromDayNumber(day);
        const days = [...eachDay(from, addDays(from, n))];
        const expected = Array.from({ length: n }, (_, i) => addDays(from, i));
        // One comparison per run: a jest expect per day would dominate the suite's time.
        if (days.length !== n || days.some((d, i) => d !== expected[i])) expect(days).toEqual(expected);
      }),
    );
  });
});

describe('Europe/London wall clock', () => {
  it.each([
    ['2022-01-15T10:00:00Z', '2022-01-15', 600],
    ['2022-03-27T00:59:59Z', '2022-03-27', 59], // still GMT
    ['2022-03-27T01:00:00Z', '2022-03-27', 120], // BST starts: 02:00 local
    ['2022-03-31T23:30:00Z', '2022-04-01', 30], // 00:30 BST on 1 April
    ['2022-03-31T20:15:00+01:00', '2022-03-31', 20 * 60 + 15],
    ['2022-10-30T00:59:00Z', '2022-10-30', 119], // 01:59 BST
    ['2022-10-30T01:00:00Z', '2022-10-30', 60], // back to GMT: 01:00
    ['2022-07-01T00:30:00+02:00', '2022-06-30', 23 * 60 + 30],
  ])('%s is %s at minute %i in London', (instant, date, minute) => {
    expect(londonWallClock(instant)).toEqual({ date, minuteOfDay: minute });
  });

  it('parses offsets and rejects naive or malformed instants', () => {
    expect(parseInstant('2022-04-01T00:00:00.5+01:00')).toBe(Date.UTC(2022, 2, 31, 23, 0, 0, 500));
    for (const bad of ['2022-04-01T00:00:00', '2022-04-01 00:00Z', '2022-04-01T24:00Z', '2022-02-30T00:00Z', '2022-04-01T00:00+19:00']) {
      expect(() => parseInstant(bad)).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_DATE' }));
    }
  });
});
