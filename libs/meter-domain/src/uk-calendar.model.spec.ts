import fc from 'fast-check';
import { parseInstant } from './instant.model';
import { isBritishSummerTime, parseUkDateOrInstant, ukDayStartUtc, ukLocalDate } from './uk-calendar.model';

const at = (iso: string): number => parseInstant(iso)!;

describe('UK civil time', () => {
  it('switches to BST at 01:00 UTC on the last Sunday of March (27 March 2022)', () => {
    expect(isBritishSummerTime(at('2022-03-27T00:59:59Z'))).toBe(false);
    expect(isBritishSummerTime(at('2022-03-27T01:00:00Z'))).toBe(true);
  });

  it('returns to GMT at 01:00 UTC on the last Sunday of October (30 October 2022)', () => {
    expect(isBritishSummerTime(at('2022-10-30T00:59:59Z'))).toBe(true);
    expect(isBritishSummerTime(at('2022-10-30T01:00:00Z'))).toBe(false);
  });

  it('gives the UK calendar date of an instant', () => {
    // 23:30 UTC on 31 March 2022 is 00:30 BST on 1 April: the new price cap day.
    expect(ukLocalDate(at('2022-03-31T23:30:00Z'))).toBe('2022-04-01');
    expect(ukLocalDate(at('2022-01-31T23:30:00Z'))).toBe('2022-01-31');
  });

  it.each([
    ['2022-04-01', '2022-03-31T23:00:00.000Z'],
    ['2022-01-15', '2022-01-15T00:00:00.000Z'],
    ['2022-03-27', '2022-03-27T00:00:00.000Z'], // the spring change happens at 01:00 GMT, after midnight
    ['2022-03-28', '2022-03-27T23:00:00.000Z'],
    ['2022-10-30', '2022-10-29T23:00:00.000Z'], // midnight is still BST on the autumn change day
    ['2022-10-31', '2022-10-31T00:00:00.000Z'],
  ])('the UK day %s starts at %s', (date, iso) => {
    expect(new Date(ukDayStartUtc(date)!).toISOString()).toBe(iso);
  });

  it('rejects malformed dates', () => {
    expect(ukDayStartUtc('2022-02-30')).toBeNull();
    expect(parseUkDateOrInstant('yesterday')).toBeNull();
    expect(parseUkDateOrInstant(42)).toBeNull();
  });

  it('parses a date or an instant', () => {
    expect(parseUkDateOrInstant('2022-04-01')).toBe(at('2022-03-31T23:00:00Z'));
    expect(parseUkDateOrInstant('2022-04-01T12:00:00Z')).toBe(at('2022-04-01T12:00:00Z'));
  });

  it('property: a UK day starts on that UK date, and an hour earlier is the day before', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 365 * 80 }), (n) => {
        const date = new Date(Date.UTC(1996, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
        const start = ukDayStartUtc(date)!;
        expect(ukLocalDate(start)).toBe(date);
        expect(ukLocalDate(start - 1)).not.toBe(date);
      }),
    );
  });
});
