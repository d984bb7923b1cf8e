import type { Bill, BillLine } from '@surge/billing-domain/bill.model';
import { settlementTotalsOf } from './settlement-summary.writer';

/** The in-memory settlement sums (their equality with SQL's over real rows: bills/bill-copy.int-spec.ts). */
describe('settlementTotalsOf', () => {
  const line = (amountPence: string, kWh?: string, extra: Partial<BillLine> = {}): BillLine => ({
    kind: 'energy',
    description: 'x',
    periodFrom: '2022-01-01',
    periodTo: '2022-02-01',
    tariffId: 'T1',
    ratePeriodFrom: '2021-10-01',
    ratePeriodTo: null,
    fuel: 'electricity',
    ...(kWh !== undefined ? { kWh } : {}),
    ratePence: '20',
    vatRate: '0.05',
    amountPence,
    estimated: false,
    ...extra,
  });
  const bill = (billId: string, lines: BillLine[], totals = { netPence: '0', vatPence: '0', totalPence: '0' }): Bill =>
    ({ billId, correctsBillId: null, accountId: 'A', category: 'A', domestic: true, period: { start: '2022-01-01', end: '2022-02-01' }, supplyDays: 31, estimated: false, lines, registers: [], totals }) as Bill;

  it('sums exactly past 2^53 pence (safe-integer sums give way to BigInt), counts each bill once per group', () => {
    const big = '9007199254740991'; // 2^53 - 1
    const totals = settlementTotalsOf([
      bill('b1', [line(big, '1.5'), line('2', '0.25')], { netPence: big, vatPence: big, totalPence: '18014398509481982' }),
      bill('b2', [line('-3', '2'), line('7', undefined, { kind: 'standing-charge' }), line('5', undefined, { kind: 'vat', vatRate: '0.05' })], {
        netPence: '4',
        vatPence: '5',
        totalPence: '9',
      }),
    ])!;
    const energy = totals.lines.find((l) => l.kind === 'energy')!;
    expect(energy).toMatchObject({ amountPence: (BigInt(big) + 2n - 3n).toString(), kWh: '3.75', lineCount: 3, billCount: 2 });
    expect(totals.lines.find((l) => l.kind === 'standing-charge')).toMatchObject({ amountPence: '7', kWh: null, lineCount: 1, billCount: 1 });
    expect(totals.lines.some((l) => l.kind === 'vat')).toBe(false);
    expect(totals.billTotals).toEqual([
      { periodStart: '2022-01-01', periodEnd: '2022-02-01', kind: 'bill', bills: 2, vatPence: (BigInt(big) + 5n).toString(), totalPence: (18014398509481982n + 9n).toString() },
    ]);
  });

  it('leaves to SQL what it does not sum itself (a kWh that is not a plain decimal)', () => {
    expect(settlementTotalsOf([bill('b1', [line('1', '1e3')])])).toBeNull();
  });
});
