import fc from 'fast-check';
import { Bill, BillInput, MeterReading, calculateBill } from './bill.calculator';
import { correctBill, correctionLineKey } from './bill-correction.calculator';
import { addDays } from './calendar.model';
import { Decimal, Money } from './money.model';
import { PRICE_CAP_ELECTRICITY } from './price-cap-tariffs.catalog';

const account = { accountId: 'ACC-1', category: 'C' as const, domestic: true, vatRate: '0.05' };
const read = (readAt: string, value: string, estimated = false): MeterReading => ({ readAt, value, estimated });

function marchBill(billId: string, closing: MeterReading | null): BillInput {
  return {
    billId,
    account,
    period: { start: '2022-03-01', end: '2022-04-01' },
    supplyPoints: [
      {
        supplyPointId: '1200023305967',
        fuel: 'electricity',
        tariff: PRICE_CAP_ELECTRICITY,
        registers: [
          {
            registerId: 'S',
            kind: 'import',
            digits: 5,
            unit: 'kWh',
            opening: read('2022-03-01', '10000'),
            closing,
            history: [read('2022-01-01', '9000'), read('2022-03-01', '10000')],
          },
        ],
      },
    ],
  };
}

/** Deep copy that is NOT frozen, as a bill read back from storage would be. */
const thaw = (bill: Bill): Bill => JSON.parse(JSON.stringify(bill)) as Bill;

describe('correctBill golden case', () => {
  // Issued (estimated): history 9000 (01 Jan) -> 10000 (01 Mar) = 16.949 kWh/day; 31 days -> 525 kWh -> 10525 (estimated).
  //   Energy 525 x 20p = 10500p (estimated); SC 31 x 23.809523...p = 738p; net 11238p; VAT 561.9 -> 562p; total 11800p.
  // Recomputed with the actual reading 10480 dated 2022-04-01 (the change date):
  //   Energy 480 x 20p = 9600p (actual); SC 738p; net 10338p; VAT 516.9 -> 517p; total 10855p.
  // Correction (reverse and re-bill, since estimated became actual):
  //   Reversal  -525 kWh  -10500p (estimated)
  //   Re-bill   +480 kWh   +9600p (actual)
  //   SC unchanged: no line
  //   VAT adjustment 517 - 562 = -45p
  //   Total -10500 + 9600 - 45 = -945p = 10855 - 11800.
  const issued = calculateBill(marchBill('BILL-EST', null));
  const recomputed = calculateBill(marchBill('BILL-ACT', read('2022-04-01', '10480')));

  it('issued and recomputed bills are as worked', () => {
    expect(issued.totals.totalPence).toBe('11800');
    expect(recomputed.totals.totalPence).toBe('10855');
  });

  it('carries only the differences, linked to the issued bill', () => {
    const correction = correctBill(issued, recomputed);
    expect(correction.billId).toBe('BILL-ACT');
    expect(correction.correctsBillId).toBe('BILL-EST');
    expect(correction.lines.map((l) => [l.kind, l.kWh, l.amountPence, l.estimated])).toEqual([
      ['energy', '480', '9600', false],
      ['energy', '-525', '-10500', true],
      ['vat', undefined, '-45', false],
    ]);
    expect(correction.lines[0]?.description).toBe('Re-bill: Electricity import 01 Mar 2022 – 31 Mar 2022: 480.00 kWh at 20.00p/kWh');
    expect(correction.lines[1]?.description).toBe('Reversal: Electricity import 01 Mar 2022 – 31 Mar 2022: 525.00 kWh at 20.00p/kWh (estimated)');
    expect(correction.lines[2]).toMatchObject({ basePence: '-900', description: 'Adjustment: VAT at 5% on £103.38 (previously £5.62)' });
    expect(correction.totals).toEqual({ netPence: '-900', vatPence: '-45', totalPence: '-945' });
    expect(correction.registers[0]?.readings.at(-1)).toMatchObject({ value: '10480', estimated: false });
  });

  it('never changes the issued bill (frozen or thawed) and returns a new frozen bill', () => {
    const before = JSON.stringify(issued);
    const correction = correctBill(issued, recomputed);
    expect(JSON.stringify(issued)).toBe(before);
    expect(Object.isFrozen(issued)).toBe(true);
    expect(Object.isFrozen(correction)).toBe(true);
    expect(Object.isFrozen(correction.lines[0])).toBe(true);

    const thawedIssued = thaw(issued);
    const thawedRecomputed = thaw(recomputed);
    correctBill(thawedIssued, thawedRecomputed);
    expect(thawedIssued).toEqual(JSON.parse(before));
    expect(Object.isFrozen(thawedIssued)).toBe(false);
    expect(Object.isFrozen(thawedRecomputed.registers)).toBe(false);
    expect(JSON.stringify(thawedRecomputed)).toBe(JSON.stringify(recomputed));
  });

  it('makes adjustment lines when the same line changes amount', () => {
    // Both actual: 310 kWh billed, then the reading is corrected to 320: +10 kWh, +200p; VAT 0.05 x 7138 = 356.9 -> 357 vs 347 (6938 x 0.05 = 346.9).
    const a = calculateBill(marchBill('A', read('2022-04-01', '10310')));
    const b = calculateBill(marchBill('B', read('2022-04-01', '10320')));
    const correction = correctBill(a, b);
    expect(correction.lines.map((l) => [l.kind, l.kWh, l.amountPence])).toEqual([
      ['energy', '10', '200'],
      ['vat', undefined, '10'],
    ]);
    expect(correction.lines[0]?.description).toBe('Adjustment: Electricity import 01 Mar 2022 – 31 Mar 2022: 320.00 kWh at 20.00p/kWh (previously £62.00)');
  });

  it('yields an empty correction when nothing changed', () => {
    const a = calculateBill(marchBill('A', read('2022-04-01', '10310')));
    const b = calculateBill(marchBill('B', read('2022-04-01', '10310')));
    expect(correctBill(a, b)).toMatchObject({ lines: [], totals: { netPence: '0', vatPence: '0', totalPence: '0' } });
  });

  it('refuses bills that do not describe the same account and period', () => {
    const code = expect.objectContaining({ code: 'BILLING_CORRECTION_MISMATCH' });
    expect(() => correctBill(issued, { ...recomputed, accountId: 'OTHER' })).toThrow(code);
    expect(() => correctBill(issued, { ...recomputed, period: { start: '2022-03-01', end: '2022-04-02' } })).toThrow(code);
    expect(() => correctBill(issued, { ...recomputed, billId: issued.billId })).toThrow(code);
    expect(() => correctBill(issued, correctBill(issued, recomputed))).toThrow(code);
  });
});

describe('correctBill properties', () => {
  it('a correction of an estimate yields exactly the difference, line by line, and leaves the issued bill untouched', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 170 }),
        fc.integer({ min: 5, max: 60 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 20000 }),
        fc.option(fc.integer({ min: 1, max: 58 }), { nil: undefined }),
        (offset, length, actualUse, eac, midReadDay) => {
          const start = addDays('2021-12-01', offset);
          const end = addDays(start, length);
          const input = (billId: string, closing: MeterReading | null): BillInput => ({
            billId,
            account,
            period: { start, end },
            supplyPoints: [
              {
                supplyPointId: 'E1',
                fuel: 'electricity',
                tariff: PRICE_CAP_ELECTRICITY,
                registers: [
                  {
                    registerId: 'S',
                    kind: 'import',
                    digits: 5,
                    unit: 'kWh',
                    opening: read(start, '40000'),
                    intermediate: midReadDay !== undefined && midReadDay < length ? [read(addDays(start, midReadDay), '40000')] : [],
                    closing,
                    eacKwh: String(eac),
                  },
                ],
              },
            ],
          });
          const issued = thaw(calculateBill(input('EST', null)));
          const snapshot = JSON.stringify(issued);
          const recomputed = calculateBill(input('ACT', read(end, String(40000 + actualUse))));
          const correction = correctBill(issued, recomputed);

          expect(JSON.stringify(issued)).toBe(snapshot);
          expect(correction.correctsBillId).toBe('EST');
          const total = (b: Bill): Decimal => new Decimal(b.totals.totalPence);
          expect(total(correction).eq(total(recomputed).minus(total(issued)))).toBe(true);
          expect(correction.totals.totalPence).toBe(Money.sum(correction.lines.map((l) => l.amountPence)).toPence());

          // issued + correction = recomputed, for every line identity (amounts and kWh).
          const byKey = (lines: Bill['lines']): Map<string, { pence: Decimal; kWh: Decimal }> => {
            const map = new Map<string, { pence: Decimal; kWh: Decimal }>();
            for (const l of lines) {
              const k = correctionLineKey(l);
              const was = map.get(k) ?? { pence: new Decimal(0), kWh: new Decimal(0) };
              map.set(k, { pence: was.pence.plus(l.amountPence), kWh: was.kWh.plus(l.kWh ?? 0) });
            }
            return map;
          };
          const applied = byKey([...issued.lines, ...correction.lines]);
          const expected = byKey(recomputed.lines);
          for (const [k, v] of applied) {
            const e = expected.get(k) ?? { pence: new Decimal(0), kWh: new Decimal(0) };
            expect([k, v.pence.toString(), v.kWh.toString()]).toEqual([k, e.pence.toString(), e.kWh.toString()]);
          }
          for (const k of expected.keys()) expect(applied.has(k)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});
