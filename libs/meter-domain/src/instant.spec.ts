import fc from 'fast-check';
import { daysInMonth, parseCalendarDate, parseInstant, utcDate } from './instant';

describe('parseInstant', () => {
  it.each([
    ['2022-03-31T18:30:00Z', Date.UTC(2022, 2, 31, 18, 30)],
    ['2022-03-31T18:30Z', Date.UTC(2022, 2, 31, 18, 30)],
    ['2022-03-31T18:30:00.123Z', Date.UTC(2022, 2, 31, 18, 30, 0, 123)],
    ['2022-03-31T18:30:00.1239Z', Date.UTC(2022, 2, 31, 18, 30, 0, 123)],
    ['2022-03-31T19:30:00+01:00', Date.UTC(2022, 2, 31, 18, 30)],
    ['2022-03-31T17:30:00-01:00', Date.UTC(2022, 2, 31, 18, 30)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('%s', (raw, ms) => {
    expect(parseInstant(raw)).toBe(ms);
  });

  it.each([
    '2022-03-31',
    '2022-03-31T18:30:00',
    '2022-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2022-13-01T00:00:00Z',
    '2022-03-31T24:00:00Z',
    '2022-03-31T23:60:00Z',
    '2022-03-31T23:59:60Z',
    '2022-03-31 18:30:00Z',
    '2022-03-31t18:30:00z',
    '0050-01-01T00:00:00Z',
    '31/03/2022',
    '',
    'not a date',
    '2022-03-31T18:30:00+0100',
    '2022-03-31T18:30:00+24:00',
  ])('rejects %p', (raw) => {
    expect(parseInstant(raw)).toBeNull();
  });

  it('rejects non-strings', () => {
    expect(parseInstant(undefined)).toBeNull();
    expect(parseInstant(1648751400000)).toBeNull();
  });

  it('property: round-trips toISOString', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        expect(parseInstant(new Date(ms).toISOString())).toBe(ms);
      }),
    );
  });
});

describe('calendar dates', () => {
  it('parses valid dates only', () => {
    expect(parseCalendarDate('2022-04-01')).toEqual([2022, 4, 1]);
    expect(parseCalendarDate('2022-02-29')).toBeNull();
    expect(parseCalendarDate('2022-04-01T00:00:00Z')).toBeNull();
  });

  it('knows month lengths', () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2100, 2)).toBe(28);
    expect(daysInMonth(2022, 12)).toBe(31);
  });

  it('formats the UTC date', () => {
    expect(utcDate(Date.UTC(2022, 2, 31, 23, 59))).toBe('2022-03-31');
  });
});
