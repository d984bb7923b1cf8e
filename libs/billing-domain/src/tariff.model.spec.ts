import { TariffGapError, TariffOverlapError } from './billing.error';
import { PRICE_CAP_ELECTRICITY } from './price-cap-tariffs.catalog';
import { RatePeriod, Tariff, assertNoOverlaps, rateOn, rateSegments, registerRates, validateTariff } from './tariff.model';

const periods: RatePeriod[] = [
  { validFrom: '2021-10-01', validTo: '2022-04-01', unitRateExVat: '20' },
  { validFrom: '2022-04-01', validTo: null, unitRateExVat: '26.99' },
];

describe('rateOn', () => {
  it('uses half-open validity: validFrom inclusive, validTo exclusive, null open-ended', () => {
    expect(rateOn(periods, '2021-10-01').unitRateExVat).toBe('20');
    expect(rateOn(periods, '2022-03-31').unitRateExVat).toBe('20');
    expect(rateOn(periods, '2022-04-01').unitRateExVat).toBe('26.99');
    expect(rateOn(periods, '2099-01-01').unitRateExVat).toBe('26.99');
  });

  it('throws a typed TariffGapError naming the day with no rate', () => {
    expect(() => rateOn(periods, '2021-09-30', 'import unit')).toThrow(TariffGapError);
    expect(() => rateOn(periods, '2021-09-30', 'import unit')).toThrow(
      expect.objectContaining({ code: 'BILLING_TARIFF_GAP', date: '2021-09-30', message: 'No import unit rate valid on 2021-09-30' }),
    );
    const withHole: RatePeriod[] = [
      { validFrom: '2022-01-01', validTo: '2022-02-01', unitRateExVat: '1' },
      { validFrom: '2022-02-02', validTo: null, unitRateExVat: '2' },
    ];
    expect(() => rateOn(withHole, '2022-02-01')).toThrow(TariffGapError);
  });

  it('throws TariffOverlapError when two periods claim a day', () => {
    const overlapping: RatePeriod[] = [
      { validFrom: '2022-01-01', validTo: '2022-03-01', unitRateExVat: '1' },
      { validFrom: '2022-02-01', validTo: null, unitRateExVat: '2' },
    ];
    expect(() => rateOn(overlapping, '2022-02-15')).toThrow(TariffOverlapError);
    expect(() => assertNoOverlaps(overlapping)).toThrow(TariffOverlapError);
    expect(() => assertNoOverlaps([{ validFrom: '2022-01-01', validTo: null }, { validFrom: '2023-01-01', validTo: null }])).toThrow(TariffOverlapError);
    expect(() => assertNoOverlaps([{ validFrom: '2022-01-02', validTo: '2022-01-01' }])).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }));
  });
});

describe('rateSegments', () => {
  it('splits a span at rate changes', () => {
    const segments = rateSegments(periods, { start: '2022-03-15', end: '2022-04-15' });
    expect(segments.map((s) => [s.from, s.to, s.days, s.period.unitRateExVat])).toEqual([
      ['2022-03-15', '2022-04-01', 17, '20'],
      ['2022-04-01', '2022-04-15', 14, '26.99'],
    ]);
  });

  it('returns one segment inside a period and nothing for an empty span', () => {
    expect(rateSegments(periods, { start: '2022-05-01', end: '2022-06-01' })).toHaveLength(1);
    expect(rateSegments(periods, { start: '2022-05-01', end: '2022-05-01' })).toEqual([]);
  });

  it('throws on a gap inside the span', () => {
    expect(() => rateSegments(periods, { start: '2021-09-25', end: '2021-10-05' })).toThrow(TariffGapError);
  });
});

describe('tariff structure', () => {
  it('looks up register rates by kind', () => {
    expect(registerRates(PRICE_CAP_ELECTRICITY, 'export').periods[0]?.unitRateExVat).toBe('15');
    expect(() => registerRates(PRICE_CAP_ELECTRICITY, 'night')).toThrow(expect.objectContaining({ code: 'BILLING_TARIFF_MISSING_REGISTER' }));
  });

  it('validates fuel, duplicate kinds and rate strings', () => {
    const base: Tariff = { tariffId: 'T', name: 'T', fuel: 'electricity', registers: [{ registerKind: 'import', periods }], standingCharges: [] };
    expect(() => validateTariff(base)).not.toThrow();
    expect(() => validateTariff({ ...base, registers: [{ registerKind: 'gas', periods }] })).toThrow(/not electricity/);
    expect(() => validateTariff({ ...base, registers: [{ registerKind: 'import', periods }, { registerKind: 'import', periods }] })).toThrow(/twice/);
    expect(() => validateTariff({ ...base, registers: [{ registerKind: 'import', periods: [{ ...periods[1], unitRateExVat: '0.2e2' } as RatePeriod] }] })).toThrow(
      expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }),
    );
    expect(() => validateTariff({ ...base, standingCharges: [{ validFrom: '2022-01-01', validTo: null, pencePerDayExVat: 'x' }] })).toThrow();
  });
});
