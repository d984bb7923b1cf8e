import { readingDay } from '@surge/billing/accounts-tariffs/reading.selector';
import { defaultEstimatedAnnualConsumption } from '@surge/meter-domain/estimated-annual-consumption.calculator';
import { assessReading, type HistoricReading } from '@surge/meter-domain/reading-plausibility.checker';
import { type BillLineView, type BillViewForDemo, billProblems, DEMO_DAY_BASE, demoDayStart, describeBill, pickDemoDayCustomer, plannedReadings, SLOT_WIDTH } from './demo-day.plan';

const line = (kind: string, periodFrom: string, periodTo: string, amountPence: string, extra: Partial<BillLineView> = {}): BillLineView => ({
  kind,
  description: `${kind} ${periodFrom}`,
  periodFrom,
  periodTo,
  ratePence: kind === 'vat' ? null : '20',
  vatRate: '0.05',
  amountPence,
  estimated: false,
  ...extra,
});

const bill = (lines: BillLineView[], estimated = false): BillViewForDemo => {
  const total = lines.reduce((a, l) => a + BigInt(l.amountPence), 0n).toString();
  return { billId: 'b', period: { start: '2022-03-01', end: '2022-05-01' }, estimated, lines, totals: { netPence: total, vatPence: '0', totalPence: total, total: 'x' } };
};

describe('the demo day plan', () => {
  it('gives each second of the clock its own block of account numbers, inside the range meter serials and MPANs allow', () => {
    const t = Date.parse('2026-12-01T09:00:00Z');
    expect(demoDayStart(t)).not.toBe(demoDayStart(t + 1000));
    expect(demoDayStart(t + 1000) - demoDayStart(t)).toBe(SLOT_WIDTH);
    for (const ms of [0, t, t + 7_999_999_000, Date.parse('2099-01-01T00:00:00Z')]) {
      const s = demoDayStart(ms);
      expect(s).toBeGreaterThanOrEqual(DEMO_DAY_BASE);
      expect(s + SLOT_WIDTH).toBeLessThan(1e9);
    }
  });

  it('picks, deterministically, a domestic passive consumer on single-rate electricity only', () => {
    for (const start of [DEMO_DAY_BASE, demoDayStart(Date.now()), 987_654_300]) {
      const c = pickDemoDayCustomer(start, 'DAYTEST');
      expect(pickDemoDayCustomer(start, 'DAYTEST').n).toBe(c.n);
      expect(c.n).toBeGreaterThanOrEqual(start);
      expect(c.account).toMatchObject({ category: 'D', domestic: true, vatRate: '0.05' });
      expect(c.account.supplyPoints).toHaveLength(1);
      expect(c.supplyPoint).toMatchObject({ fuel: 'electricity', tariffId: 'PRICE-CAP-ELEC-SR-2022' });
      expect(c.supplyPoint.meterSerial.length).toBeLessThanOrEqual(10);
      expect(c.supplyPoint.registers.map((r) => r.registerId)).toEqual(['S']);
    }
  });

  it('plans three reads that the read path accepts in turn and billing places on 1 March, 1 April and 1 May', () => {
    for (const start of [DEMO_DAY_BASE, DEMO_DAY_BASE + 4_321_000, 777_000_000]) {
      const { register } = pickDemoDayCustomer(start, 'DAYTEST');
      const planned = plannedReadings(register);
      expect(planned.map((r) => readingDay(r.readAt).day)).toEqual(['2022-03-01', '2022-04-01', '2022-05-01']);
      expect(planned.map((r) => r.standsFor)).toEqual(['2022-03-01', '2022-04-01', '2022-05-01']);
      // As read-sink judges them: the register's digits and the typical EAC it uses today.
      const history: HistoricReading[] = [];
      for (const [i, r] of planned.entries()) {
        const outcome = assessReading(
          { readAt: new Date(r.readAt).toISOString(), value: r.value, source: 'C' },
          { digits: register.digits, history, estimatedAnnualConsumption: defaultEstimatedAnnualConsumption('import', 'kWh')! },
        );
        expect(outcome).toMatchObject({ status: 'accepted', rolledOver: false, flags: [] });
        history.push({ readingId: `r${i}`, readAt: new Date(r.readAt).toISOString(), value: r.value, source: 'C' });
      }
      // Advances follow the register's own EAC, pro rata by days.
      const daily = Number(register.eacKwh) / 365;
      expect(planned[1]!.advance).toBe(Math.round(daily * 31));
      expect(planned[2]!.advance).toBe(Math.round(daily * 30));
      expect(Number(planned[2]!.value) - Number(planned[0]!.value)).toBe(planned[1]!.advance! + planned[2]!.advance!);
    }
  });

  it('accepts a bill with energy on both sides of 1 April on actual reads, and says what is wrong with any other', () => {
    const good = [
      // periodTo is exclusive: the day after the last day covered.
      line('energy', '2022-03-01', '2022-04-01', '7000', { kWh: '333' }),
      line('energy', '2022-04-01', '2022-05-01', '9000', { kWh: '318', ratePence: '26.99047619047619047619' }),
      line('standing-charge', '2022-03-01', '2022-04-01', '775', { days: 31 }),
      line('standing-charge', '2022-04-01', '2022-05-01', '1360', { days: 30 }),
      line('vat', '2022-03-01', '2022-05-01', '907'),
    ];
    expect(billProblems(bill(good))).toEqual([]);
    const text = describeBill(bill(good));
    expect(text[0]).toMatch(/^energy 2022-03-01 +£70\.00  \(before 1 Apr, 21\.00p\/kWh inc VAT\)$/);
    // 28.34p/kWh is the April 2022 cap with VAT; the bill keeps the exact ex-VAT rate.
    expect(text[1]).toMatch(/£90\.00  \(from 1 Apr, 28\.34p\/kWh inc VAT\)$/);
    expect(text[2]).toMatch(/\(before 1 Apr, 21\.00p\/day inc VAT\)$/);
    expect(text[4]).toMatch(/^vat 2022-03-01 +£9\.07$/);
    expect(text[5]).toBe('net £190.42 + VAT £0.00 = total x; on actual reads, none estimated');

    expect(billProblems(bill([line('energy', '2022-03-01', '2022-05-01', '16000'), ...good.slice(2)]))).toEqual([
      'no energy line before 1 April',
      'no energy line from 1 April',
      'an energy line spans 1 April (the Meter Reading Day read did not split the usage)',
    ]);
    expect(billProblems(bill(good, true))).toEqual(['the bill is estimated although every read was submitted']);
    expect(billProblems({ ...bill(good), totals: { ...bill(good).totals, totalPence: '1' } })).toEqual(['the lines add up to 19042 pence, the total says 1']);
  });
});
