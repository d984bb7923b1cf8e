import { weightedCalorificValue } from './tariff.repository';

describe('weightedCalorificValue', () => {
  const period = { start: '2022-03-01', end: '2022-05-01' };

  it('one value covering the period is used as written', () => {
    expect(weightedCalorificValue([{ validFrom: '2021-10-01', validTo: null, mjPerM3: '39.5' }], period)).toBe('39.5');
  });

  it('several values: the exact days-weighted mean', () => {
    // 31 days at 39.2, 30 days at 39.8: (1215.2 + 1194) / 61
    const cv = weightedCalorificValue(
      [
        { validFrom: '2022-03-01', validTo: '2022-04-01', mjPerM3: '39.2' },
        { validFrom: '2022-04-01', validTo: null, mjPerM3: '39.8' },
      ],
      period,
    );
    expect(cv?.startsWith('39.4950819672131147540983606557377')).toBe(true);
  });

  it('a day without a value: null', () => {
    expect(weightedCalorificValue([{ validFrom: '2022-03-02', validTo: null, mjPerM3: '39.5' }], period)).toBeNull();
  });
});
