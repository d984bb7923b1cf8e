import { expectedAdvance } from '@surge/meter-domain/estimated-annual-consumption.calculator';
import { DAYS_PER_YEAR, estimateClosingReading, HistoryReading } from './reading.estimator';

const r = (readAt: string, value: string, estimated = false, rolledOver = false): HistoryReading => ({ readAt, value, estimated, ...(rolledOver ? { rolledOver } : {}) });

describe('estimateClosingReading', () => {
  it('extrapolates the average daily usage between the earliest and latest actual reads', () => {
    // 9000 (01 Jan) -> 9590 (01 Mar): 590 kWh / 59 days = 10/day; 31 days to 01 Apr -> +310 -> 9900.
    const estimate = estimateClosingReading({ digits: 5, readings: [r('2022-01-01', '9000'), r('2022-02-01', '9300'), r('2022-03-01', '9590')] }, '2022-04-01');
    expect(estimate).toEqual({
      readAt: '2022-04-01',
      value: '9900',
      estimated: true,
      rolledOver: false,
      method: 'average-daily',
      dailyUsage: '10',
      basedOnReadAt: '2022-03-01',
    });
  });

  it('rounds the estimated consumption half-up to whole register units', () => {
    // 1000 / 59 = 16.949.../day x 31 = 525.42 -> 525.
    expect(estimateClosingReading({ digits: 5, readings: [r('2022-01-01', '9000'), r('2022-03-01', '10000')] }, '2022-04-01').value).toBe('10525');
    // keeps the base reading's decimal: 1234.5 + 10 x 3 = 1264.5
    expect(estimateClosingReading({ digits: 5, readings: [r('2022-01-01', '1204.5'), r('2022-01-04', '1234.5')] }, '2022-01-07').value).toBe('1264.5');
  });

  it('uses EAC pro rata (/365.25) with a single actual read, and says so', () => {
    // 3652.5 kWh a year / 365.25 = 10/day x 30 days = 300.
    const estimate = estimateClosingReading({ digits: 5, readings: [r('2022-04-01', '500')] }, '2022-05-01', '3652.5');
    expect(estimate).toMatchObject({ value: '800', method: 'eac-pro-rata', dailyUsage: '10', eac: '3652.5', daysPerYear: '365.25' });
  });

  it('pro-rates an EAC with the same days per year as the read path\u2019s expected advance (one definition)', () => {
    expect(DAYS_PER_YEAR).toBe('365.25');
    // 36525 a year over 30 days: billing's daily usage x 30 equals the read path's expected advance.
    const estimate = estimateClosingReading({ digits: 6, readings: [r('2022-04-01', '0')] }, '2022-05-01', '36525');
    expect(estimate.value).toBe('3000');
    expect(expectedAdvance('36525', '2022-04-01T00:00:00Z', '2022-05-01T00:00:00Z')).toBe('3000.0');
  });

  it('ignores estimated reads for the average but extrapolates from the latest read, so estimates never go backwards', () => {
    // Actuals 1000 (01 Jan) and 1310 (01 Feb): 10/day. Previous estimate 1700 (01 Mar) is the base: +31 x 10 -> 2010.
    const estimate = estimateClosingReading(
      { digits: 5, readings: [r('2022-01-01', '1000'), r('2022-02-01', '1310'), r('2022-03-01', '1700', true)] },
      '2022-04-01',
    );
    expect(estimate).toMatchObject({ value: '2010', basedOnReadAt: '2022-03-01', method: 'average-daily' });
  });

  it('rolls over the dials and handles rollovers in the history', () => {
    // Actuals 9900 (01 Jan) and (rolled) 0210 (01 Feb) on 4 digits: 310 / 31 = 10/day; +280 (28 days) -> 0490.
    const estimate = estimateClosingReading({ digits: 4, readings: [r('2022-01-01', '9900'), r('2022-02-01', '210', false, true)] }, '2022-03-01');
    expect(estimate).toMatchObject({ value: '490', rolledOver: false });
    // From 9990 with 10/day for 3 days -> 10020 -> wraps to 20, rolledOver.
    const wrapped = estimateClosingReading({ digits: 4, readings: [r('2022-01-01', '9960'), r('2022-01-04', '9990')] }, '2022-01-07');
    expect(wrapped).toMatchObject({ value: '20', rolledOver: true });
  });

  it('a rollover flagged on an estimated read between two actuals still counts', () => {
    const estimate = estimateClosingReading(
      { digits: 4, readings: [r('2022-01-01', '9900'), r('2022-01-15', '9999', true, false), r('2022-02-01', '210', false, true)] },
      '2022-03-01',
    );
    expect(estimate.dailyUsage).toBe('10');
  });

  it('sorts the history by reading date', () => {
    const estimate = estimateClosingReading({ digits: 5, readings: [r('2022-03-01', '9590'), r('2022-01-01', '9000')] }, '2022-04-01');
    expect(estimate.value).toBe('9900');
  });

  it('refuses when it cannot estimate', () => {
    const code = expect.objectContaining({ code: 'BILLING_ESTIMATION_IMPOSSIBLE' });
    expect(() => estimateClosingReading({ digits: 5, readings: [] }, '2022-04-01', '1000')).toThrow(code);
    expect(() => estimateClosingReading({ digits: 5, readings: [r('2022-03-01', '1')] }, '2022-04-01')).toThrow(code);
    expect(() => estimateClosingReading({ digits: 5, readings: [r('2022-03-01', '1'), r('2022-03-01', '1')] }, '2022-04-01', null)).toThrow(code);
    expect(() => estimateClosingReading({ digits: 5, readings: [r('2022-05-01', '1')] }, '2022-04-01', '1000')).toThrow(code);
    expect(() => estimateClosingReading({ digits: 5, readings: [r('2022-03-01', '1')] }, '2022-04-01', '-1')).toThrow(code);
    expect(() => estimateClosingReading({ digits: 2, readings: [r('2022-03-01', '1')] }, '2022-04-01', '36500')).toThrow(code);
  });
});
