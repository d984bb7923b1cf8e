import { readingDay, selectRegisterReadings } from './reading.selector';
import type { RegisterReading } from './billing-account.model';

const r = (readingId: string, readAt: string, value: string, extra: Partial<RegisterReading> = {}): RegisterReading => ({
  readingId,
  readAt,
  value,
  source: 'C',
  rolledOver: false,
  ...extra,
});

const period = { start: '2022-03-01', end: '2022-05-01' };

describe('readingDay: the billing day a reading stands for', () => {
  it('maps to the nearest London midnight (GMT in March, BST from 27 March 2022)', () => {
    expect(readingDay('2022-03-01T09:00:00Z')).toEqual({ day: '2022-03-01', minutesFromMidnight: 540 });
    // 20:30 BST on Meter Reading Day stands for the start of 1 April.
    expect(readingDay('2022-03-31T19:30:00Z')).toEqual({ day: '2022-04-01', minutesFromMidnight: 210 });
    // 11:59 BST is still the start of that day; 12:00 BST the next.
    expect(readingDay('2022-05-01T10:59:00Z').day).toBe('2022-05-01');
    expect(readingDay('2022-05-01T11:00:00Z').day).toBe('2022-05-02');
  });
});

describe('selectRegisterReadings', () => {
  it('opening at the start, intermediate inside, closing at the end, history before; readAt is the billing day', () => {
    const s = selectRegisterReadings(
      [
        r('h', '2021-12-01T10:00:00Z', '900', { source: 'R' }),
        r('o', '2022-03-01T09:00:00Z', '1000'),
        r('m', '2022-03-31T19:30:00Z', '1300'),
        r('c', '2022-05-01T07:00:00Z', '1600'),
        r('after', '2022-05-20T07:00:00Z', '1800'),
      ],
      period,
    );
    expect(s.opening?.reading).toEqual({ readAt: '2022-03-01', value: '1000', estimated: false });
    expect(s.intermediate.map((x) => x.reading)).toEqual([{ readAt: '2022-04-01', value: '1300', estimated: false }]);
    expect(s.closing?.reading).toEqual({ readAt: '2022-05-01', value: '1600', estimated: false });
    expect(s.closing?.source).toEqual({ from: 'reading', readingId: 'c', readAt: '2022-05-01T07:00:00Z', source: 'C' });
    expect(s.history).toEqual([{ readAt: '2021-12-01', value: '900', estimated: false }]);
  });

  it('keeps one reading per billing day: the one nearest its midnight (a Meter Reading Day evening read beats a 1 April morning read)', () => {
    const s = selectRegisterReadings(
      [r('o', '2022-03-01T09:00:00Z', '1000'), r('evening', '2022-03-31T21:00:00Z', '1300'), r('morning', '2022-04-01T08:00:00Z', '1310')],
      period,
    );
    // 22:00 BST is 120 minutes before midnight; 09:00 BST is 540 after.
    expect(s.intermediate.map((x) => x.source)).toEqual([{ from: 'reading', readingId: 'evening', readAt: '2022-03-31T21:00:00Z', source: 'C' }]);
    expect(s.closing).toBeNull();
  });

  it('no closing reading: null (the calculator estimates it); source D is an estimate', () => {
    const s = selectRegisterReadings([r('o', '2022-03-01T09:00:00Z', '1000', { source: 'D' })], period);
    expect(s.opening?.reading.estimated).toBe(true);
    expect(s.closing).toBeNull();
  });

  it('opens on the previous bill\u2019s closing reading when no reading stands for the start, but prefers a reading', () => {
    const previous = { billId: 'B0', value: '990', estimated: true };
    const none = selectRegisterReadings([r('c', '2022-05-01T07:00:00Z', '1600')], period, previous);
    expect(none.opening).toEqual({ reading: { readAt: '2022-03-01', value: '990', estimated: true }, source: { from: 'previous-bill', billId: 'B0' } });
    const withRead = selectRegisterReadings([r('o', '2022-03-01T09:00:00Z', '1000')], period, previous);
    expect(withRead.opening?.reading.value).toBe('1000');
    expect(selectRegisterReadings([], period).opening).toBeNull();
  });

  it('carries a rollover flag from a reading it drops to the next one it keeps', () => {
    const s = selectRegisterReadings(
      [
        r('o', '2022-03-01T09:00:00Z', '99900'),
        // Same billing day as the closing read, farther from midnight: dropped, but it saw the wrap.
        r('dropped', '2022-04-30T13:00:00Z', '00050', { rolledOver: true }),
        r('c', '2022-05-01T07:00:00Z', '00100'),
      ],
      period,
    );
    expect(s.intermediate).toEqual([]);
    expect(s.closing?.reading).toEqual({ readAt: '2022-05-01', value: '00100', estimated: false, rolledOver: true });
  });

  it('does not depend on input order', () => {
    const readings = [r('o', '2022-03-01T09:00:00Z', '1000'), r('m', '2022-03-31T19:30:00Z', '1300'), r('c', '2022-05-01T07:00:00Z', '1600')];
    expect(selectRegisterReadings([...readings].reverse(), period)).toEqual(selectRegisterReadings(readings, period));
  });
});
