import fc from 'fast-check';
import { TariffGapError } from './billing.error';
import { apportion, readingBoundary, spreadByDays } from './apportionment.calculator';
import { addDays, daysBetween } from './calendar.model';
import { Decimal } from './money.model';
import { ELECTRICITY_UNIT_RATES } from './price-cap-tariffs.catalog';
import { RatePeriod } from './tariff.model';

const sum = (values: readonly Decimal[]): Decimal => values.reduce((a, b) => a.plus(b), new Decimal(0));

describe('readingBoundary (reading-date convention)', () => {
  it('a date is the start of that billing day', () => {
    expect(readingBoundary('2022-04-01')).toBe('2022-04-01');
    expect(readingBoundary('2022-03-31')).toBe('2022-03-31');
  });

  it('an instant goes to the nearest London midnight (from 12:00 local: the next day)', () => {
    expect(readingBoundary('2022-03-31T20:15:00+01:00')).toBe('2022-04-01');
    expect(readingBoundary('2022-03-31T11:59:00+01:00')).toBe('2022-03-31');
    expect(readingBoundary('2022-03-31T11:00:00Z')).toBe('2022-04-01'); // 12:00 BST
    expect(readingBoundary('2022-01-10T11:59:59Z')).toBe('2022-01-10'); // 11:59 GMT
    expect(readingBoundary('2022-03-31T23:30:00Z')).toBe('2022-04-01'); // 00:30 BST on 1 April
  });
});

describe('apportion', () => {
  it('a reading dated on the change date splits usage exactly there', () => {
    // Readings 01 Mar and 01 Apr: all 310 kWh is on March days, at the old rate.
    const slices = apportion(new Decimal(310), '2022-03-01', '2022-04-01', ELECTRICITY_UNIT_RATES);
    expect(slices.map((s) => [s.from, s.to, s.days, s.kWh.toString(), s.period.unitRateExVat])).toEqual([['2022-03-01', '2022-04-01', 31, '310', '20']]);
  });

  it('a reading dated 31 March leaves 31 March in the next interval, priced at the old rate', () => {
    // Readings 31 Mar and 30 Apr: 300 kWh over 30 days = 10/day; 31 Mar (old) 10 kWh, 1-29 Apr (new) 290 kWh.
    const slices = apportion(new Decimal(300), '2022-03-31', '2022-04-30', ELECTRICITY_UNIT_RATES);
    expect(slices.map((s) => [s.from, s.to, s.days, s.kWh.toString(), s.period.unitRateExVat])).toEqual([
      ['2022-03-31', '2022-04-01', 1, '10', '20'],
      ['2022-04-01', '2022-04-30', 29, '290', '26.99047619047619047619'],
    ]);
  });

  it('spreads evenly per day across a change (10 Apr reading)', () => {
    // 437 kWh over 40 days: 31 x 10.925 = 338.675 and 9 x 10.925 = 98.325.
    const slices = apportion(new Decimal(437), '2022-03-01', '2022-04-10', ELECTRICITY_UNIT_RATES);
    expect(slices.map((s) => s.kWh.toString())).toEqual(['338.675', '98.325']);
  });

  it('keeps recurring shares exact in total (100 kWh over 3 rate periods of 1 day)', () => {
    const daily: RatePeriod[] = [
      { validFrom: '2022-01-01', validTo: '2022-01-02', unitRateExVat: '1' },
      { validFrom: '2022-01-02', validTo: '2022-01-03', unitRateExVat: '2' },
      { validFrom: '2022-01-03', validTo: null, unitRateExVat: '3' },
    ];
    // Cumulative boundaries 33.333333333333, 66.666666666667 (12 places, half-up), then exactly 100.
    const slices = apportion(new Decimal(100), '2022-01-01', '2022-01-04', daily);
    expect(slices.map((s) => s.kWh.toString())).toEqual(['33.333333333333', '33.333333333334', '33.333333333333']);
    expect(sum(slices.map((s) => s.kWh)).toString()).toBe('100');
  });

  it('rejects readings out of order, a non-zero advance within one day, and tariff gaps', () => {
    expect(() => apportion(new Decimal(1), '2022-04-01', '2022-03-01', ELECTRICITY_UNIT_RATES)).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }));
    expect(() => apportion(new Decimal(1), '2022-04-01T08:00:00+01:00', '2022-04-01T10:00:00+01:00', ELECTRICITY_UNIT_RATES)).toThrow(/same billing day/);
    expect(apportion(new Decimal(0), '2022-04-01', '2022-04-01', ELECTRICITY_UNIT_RATES)).toEqual([]);
    expect(() => apportion(new Decimal(1), '2022-09-01', '2022-10-02', ELECTRICITY_UNIT_RATES)).toThrow(TariffGapError);
  });

  it('spreadByDays validates its input', () => {
    expect(() => spreadByDays(new Decimal(1), [0, 0])).toThrow();
    expect(spreadByDays(new Decimal(0), [0, 0]).map(String)).toEqual(['0', '0']);
    expect(() => spreadByDays(new Decimal(1), [1, -1, 1])).toThrow();
  });

  it('apportioned kWh sum EXACTLY to the advance, days cover the interval, slices are contiguous (property)', () => {
    const periodsArb = fc
      .uniqueArray(fc.integer({ min: 1, max: 499 }), { maxLength: 12 })
      .map((cuts): RatePeriod[] => {
        const boundaries = [0, ...cuts.sort((a, b) => a - b)];
        return boundaries.map((b, i) => ({
          validFrom: addDays('2021-06-01', b),
          validTo: i === boundaries.length - 1 ? null : addDays('2021-06-01', boundaries[i + 1] as number),
          unitRateExVat: String(i + 1),
        }));
      });
    // Advances: meter-like decimals, and 40-digit gas conversions (x 1.02264 x CV / 3.6).
    const advanceArb = fc.oneof(
      fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 10n }), fc.integer({ min: 0, max: 3 })).map(([units, places]) => new Decimal(units.toString()).dividedBy(10 ** places)),
      fc.integer({ min: 0, max: 1_000_000 }).map((m3) => new Decimal(m3).times('1.02264').times('39.3').dividedBy('3.6')),
    );
    fc.assert(
      fc.property(periodsArb, advanceArb, fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 400 }), (periods, kWh, offset, length) => {
        const from = addDays('2021-06-01', offset);
        const to = addDays(from, length);
        const slices = apportion(kWh, from, to, periods);
        expect(sum(slices.map((s) => s.kWh)).eq(kWh)).toBe(true);
        expect(slices.reduce((n, s) => n + s.days, 0)).toBe(daysBetween(from, to));
        expect(slices[0]?.from).toBe(from);
        expect(slices.at(-1)?.to).toBe(to);
        slices.forEach((s, i) => {
          if (i > 0) expect(s.from).toBe(slices[i - 1]?.to);
          // Each share is the even per-day share to within the 12-place working resolution.
          expect(s.kWh.minus(kWh.times(s.days).dividedBy(length)).abs().lte('1e-12')).toBe(true);
        });
      }),
    );
  });
});
