import { Decimal } from './money.model';
import { EXAMPLE_ECONOMY_7_ELECTRICITY, PRICE_CAP_ELECTRICITY, PRICE_CAP_GAS } from './price-cap-tariffs.catalog';
import { Tariff, rateOn, validateTariff } from './tariff.model';

const tariffs: Tariff[] = [PRICE_CAP_ELECTRICITY, PRICE_CAP_GAS, EXAMPLE_ECONOMY_7_ELECTRICITY];

describe('price cap seed data', () => {
  it.each(tariffs.map((t) => [t.tariffId, t] as const))('%s is a valid tariff', (_id, tariff) => {
    expect(() => validateTariff(tariff)).not.toThrow();
  });

  it('every ex-VAT figure is inc / 1.05 to 20 decimal places', () => {
    const check = (ex: string, inc: string | undefined, vatFree: boolean): void => {
      expect(inc).toBeDefined();
      const expected = vatFree ? new Decimal(inc as string) : new Decimal(inc as string).dividedBy('1.05');
      expect(new Decimal(ex).minus(expected).abs().lte('5e-21')).toBe(true);
    };
    for (const tariff of tariffs) {
      for (const register of tariff.registers) {
        // Export payments are outside the scope of VAT: inc = ex.
        for (const p of register.periods) check(p.unitRateExVat, p.unitRateIncVat, register.registerKind === 'export');
      }
      for (const p of tariff.standingCharges) check(p.pencePerDayExVat, p.pencePerDayIncVat, false);
    }
  });

  it('carries the README inc-VAT figures either side of 1 April 2022', () => {
    const unit = (t: Tariff, day: string): string | undefined => rateOn(t.registers[0]?.periods ?? [], day).unitRateIncVat;
    const sc = (t: Tariff, day: string): string | undefined => rateOn(t.standingCharges, day).pencePerDayIncVat;
    expect([unit(PRICE_CAP_ELECTRICITY, '2022-03-31'), unit(PRICE_CAP_ELECTRICITY, '2022-04-01')]).toEqual(['21', '28.34']);
    expect([sc(PRICE_CAP_ELECTRICITY, '2022-03-31'), sc(PRICE_CAP_ELECTRICITY, '2022-04-01')]).toEqual(['25', '45.34']);
    expect([unit(PRICE_CAP_GAS, '2022-03-31'), unit(PRICE_CAP_GAS, '2022-04-01')]).toEqual(['4', '7.37']);
    expect([sc(PRICE_CAP_GAS, '2022-03-31'), sc(PRICE_CAP_GAS, '2022-04-01')]).toEqual(['26', '27.22']);
  });

  it('covers 1 Oct 2021 to 30 Sep 2022 without gaps and nothing outside', () => {
    expect(() => rateOn(PRICE_CAP_GAS.standingCharges, '2021-10-01')).not.toThrow();
    expect(() => rateOn(PRICE_CAP_GAS.standingCharges, '2022-09-30')).not.toThrow();
    expect(() => rateOn(PRICE_CAP_GAS.standingCharges, '2022-10-01')).toThrow(expect.objectContaining({ code: 'BILLING_TARIFF_GAP' }));
    expect(() => rateOn(PRICE_CAP_GAS.standingCharges, '2021-09-30')).toThrow(expect.objectContaining({ code: 'BILLING_TARIFF_GAP' }));
  });
});
