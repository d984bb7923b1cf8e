import { MeterDecimal } from './reading-value.parser';
import { defaultEstimatedAnnualConsumption, expectedAdvance, expectedAdvanceOver } from './estimated-annual-consumption.calculator';

describe('defaultEstimatedAnnualConsumption', () => {
  it.each([
    ['import', undefined, '2700'],
    ['import', 'kWh', '2700'],
    ['day', 'kWh', '2262'], // 58% of 3,900
    ['night', 'kWh', '1638'], // 42% of 3,900
    ['gas', 'm3', '1025'], // 11,500 kWh x 3.6 / (1.02264 x 39.5) = 1024.9 m3
    ['gas', undefined, '1025'],
    ['gas', 'ft3x100', '362'], // 1024.9 m3 / 2.83
  ] as const)('%s in %s -> %s', (kind, unit, eac) => {
    expect(defaultEstimatedAnnualConsumption(kind, unit)).toBe(eac);
  });

  it('has no default for export, or for a unit that does not suit the register', () => {
    expect(defaultEstimatedAnnualConsumption('export')).toBeUndefined();
    expect(defaultEstimatedAnnualConsumption('import', 'm3')).toBeUndefined();
    expect(defaultEstimatedAnnualConsumption('gas', 'kWh')).toBeUndefined();
  });

  it('day and night together make the Economy 7 total', () => {
    expect(Number(defaultEstimatedAnnualConsumption('day')) + Number(defaultEstimatedAnnualConsumption('night'))).toBe(3900);
  });
});

describe('expected advance', () => {
  it('is EAC pro rata by days over 365.25', () => {
    expect(expectedAdvanceOver(new MeterDecimal(2700), 365.25 * 86_400_000).toFixed()).toBe('2700');
    expect(expectedAdvance('2700', '2022-01-01T00:00:00Z', '2022-04-01T00:00:00Z')).toBe('665.3'); // 90 days
    expect(expectedAdvance('3652.5', '2022-01-01T00:00:00Z', '2022-01-01T12:00:00Z')).toBe('5.0'); // half a day
  });

  it('returns null for malformed input or a backwards period', () => {
    expect(expectedAdvance('2700', '2022-04-01T00:00:00Z', '2022-01-01T00:00:00Z')).toBeNull();
    expect(expectedAdvance('lots', '2022-01-01T00:00:00Z', '2022-04-01T00:00:00Z')).toBeNull();
    expect(expectedAdvance('2700', '2022-01-01', '2022-04-01T00:00:00Z')).toBeNull();
  });
});
