// Seed tariff DATA (no logic): the GB default tariff cap around 1 April 2022, from the domain
// README section 5, plus two documented assumptions for registers the README does not price.
//
// * The README quotes rates INCLUDING 5% VAT. The billed figure is ex VAT = inc / 1.05, which
//   is a recurring decimal (28.34 / 1.05 = 26.990476190476...); it is written here rounded to
//   20 decimal places (error < 5e-21 p per kWh or day, i.e. nothing on any bill). The
//   spec test checks each ex-VAT figure against inc / 1.05.
// * The 1 Oct 2021 to 31 Mar 2022 figures (21p, 25p, 4p, 26p) are the regulator's ROUNDED
//   published averages ("about"), used as if exact; the 1 Apr 2022 figures are exact.
// * Periods are half-open: the earlier one is [2021-10-01, 2022-04-01), the later one
//   [2022-04-01, 2022-10-01). Any day outside them is a tariff gap (TariffGapError).
// * ASSUMPTION, export: a flat 15p/kWh Smart Export Guarantee style rate on the 'export'
//   register from 2020-01-01 (SEG start), open-ended. Export payments to a domestic generator
//   are outside the scope of VAT, so inc = ex.
// * ASSUMPTION, Economy 7: the README gives no two-rate figures. Illustrative rates chosen so
//   ex-VAT values are whole pence: day 23p / night 12p ex VAT (24.15p / 12.60p inc) before
//   1 April 2022 and day 31p / night 17p (32.55p / 17.85p inc) from it; same standing charge
//   as single rate. The 7 night hours (commonly about 00:30 to 07:30 GMT) are metered on
//   their own register, which is which varies by meter, so billing uses the register kind
//   ('day' / 'night') assigned at ingest, never a register id.
import { RatePeriod, StandingChargePeriod, Tariff } from './tariff.model';

const BEFORE = { validFrom: '2021-10-01', validTo: '2022-04-01' } as const;
const FROM_APRIL = { validFrom: '2022-04-01', validTo: '2022-10-01' } as const;

/** Electricity single-rate unit rates (p/kWh), price cap Oct 2021 - Sep 2022. */
export const ELECTRICITY_UNIT_RATES: readonly RatePeriod[] = [
  { ...BEFORE, unitRateExVat: '20', unitRateIncVat: '21' },
  { ...FROM_APRIL, unitRateExVat: '26.99047619047619047619', unitRateIncVat: '28.34' },
];

/** Electricity standing charge (p/day), price cap Oct 2021 - Sep 2022. */
export const ELECTRICITY_STANDING_CHARGES: readonly StandingChargePeriod[] = [
  { ...BEFORE, pencePerDayExVat: '23.80952380952380952381', pencePerDayIncVat: '25' },
  { ...FROM_APRIL, pencePerDayExVat: '43.18095238095238095238', pencePerDayIncVat: '45.34' },
];

/** Gas unit rates (p/kWh), price cap Oct 2021 - Sep 2022. */
export const GAS_UNIT_RATES: readonly RatePeriod[] = [
  { ...BEFORE, unitRateExVat: '3.80952380952380952381', unitRateIncVat: '4' },
  { ...FROM_APRIL, unitRateExVat: '7.01904761904761904762', unitRateIncVat: '7.37' },
];

/** Gas standing charge (p/day), price cap Oct 2021 - Sep 2022. */
export const GAS_STANDING_CHARGES: readonly StandingChargePeriod[] = [
  { ...BEFORE, pencePerDayExVat: '24.76190476190476190476', pencePerDayIncVat: '26' },
  { ...FROM_APRIL, pencePerDayExVat: '25.92380952380952380952', pencePerDayIncVat: '27.22' },
];

/** ASSUMPTION: SEG-style export payment, 15p/kWh, outside the scope of VAT. */
export const EXAMPLE_EXPORT_RATES: readonly RatePeriod[] = [
  { validFrom: '2020-01-01', validTo: null, unitRateExVat: '15', unitRateIncVat: '15' },
];

/** ASSUMPTION: illustrative Economy 7 day rates (p/kWh). */
export const EXAMPLE_E7_DAY_RATES: readonly RatePeriod[] = [
  { ...BEFORE, unitRateExVat: '23', unitRateIncVat: '24.15' },
  { ...FROM_APRIL, unitRateExVat: '31', unitRateIncVat: '32.55' },
];

/** ASSUMPTION: illustrative Economy 7 night rates (p/kWh). */
export const EXAMPLE_E7_NIGHT_RATES: readonly RatePeriod[] = [
  { ...BEFORE, unitRateExVat: '12', unitRateIncVat: '12.60' },
  { ...FROM_APRIL, unitRateExVat: '17', unitRateIncVat: '17.85' },
];

/** Single-rate electricity on the cap, with the example export rate for customers who generate (categories B and C). */
export const PRICE_CAP_ELECTRICITY: Tariff = {
  tariffId: 'PRICE-CAP-ELEC-SR-2022',
  name: 'Default tariff cap, electricity single rate, direct debit (Oct 2021 - Sep 2022)',
  fuel: 'electricity',
  registers: [
    { registerKind: 'import', periods: ELECTRICITY_UNIT_RATES },
    { registerKind: 'export', periods: EXAMPLE_EXPORT_RATES },
  ],
  standingCharges: ELECTRICITY_STANDING_CHARGES,
};

/** ASSUMPTION: Economy 7 electricity (day and night registers) with the cap's single-rate standing charge. */
export const EXAMPLE_ECONOMY_7_ELECTRICITY: Tariff = {
  tariffId: 'EXAMPLE-ELEC-E7-2022',
  name: 'Illustrative Economy 7 electricity (Oct 2021 - Sep 2022)',
  fuel: 'electricity',
  registers: [
    { registerKind: 'day', periods: EXAMPLE_E7_DAY_RATES },
    { registerKind: 'night', periods: EXAMPLE_E7_NIGHT_RATES },
  ],
  standingCharges: ELECTRICITY_STANDING_CHARGES,
};

/** Gas on the cap. */
export const PRICE_CAP_GAS: Tariff = {
  tariffId: 'PRICE-CAP-GAS-2022',
  name: 'Default tariff cap, gas, direct debit (Oct 2021 - Sep 2022)',
  fuel: 'gas',
  registers: [{ registerKind: 'gas', periods: GAS_UNIT_RATES }],
  standingCharges: GAS_STANDING_CHARGES,
};
