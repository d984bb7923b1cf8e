import { calculateBill } from '@surge/billing-domain/bill.calculator';
import type { BillInput } from '@surge/billing-domain/bill.model';
import { correctBill } from '@surge/billing-domain/bill-correction.calculator';
import { PRICE_CAP_ELECTRICITY, PRICE_CAP_GAS } from '@surge/billing-domain/price-cap-tariffs.catalog';
import { type BillLineRow, effectiveBill, fromBillRow, toBillRow, toLineRows } from './bill-row.mapper';

const input = (billId: string, closingElec: string | null): BillInput => ({
  billId,
  account: { accountId: 'ACC-1', category: 'C', domestic: true, vatRate: '0.05' },
  period: { start: '2022-03-01', end: '2022-05-01' },
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
          opening: { readAt: '2022-03-01', value: '10000', estimated: false },
          intermediate: [{ readAt: '2022-04-01', value: '10300', estimated: false }],
          closing: closingElec === null ? null : { readAt: '2022-05-01', value: closingElec, estimated: false },
          history: [{ readAt: '2021-12-01', value: '9000', estimated: false }],
        },
        {
          registerId: 'EXPORT',
          kind: 'export',
          digits: 5,
          unit: 'kWh',
          opening: { readAt: '2022-03-01', value: '500', estimated: false },
          closing: { readAt: '2022-05-01', value: '683', estimated: false },
        },
      ],
    },
    {
      supplyPointId: '7000000001',
      fuel: 'gas',
      tariff: PRICE_CAP_GAS,
      calorificValueMjPerM3: '39.5',
      registers: [
        {
          registerId: 'GAS',
          kind: 'gas',
          digits: 5,
          unit: 'm3',
          opening: { readAt: '2022-03-01', value: '100', estimated: false },
          closing: { readAt: '2022-05-01', value: '283', estimated: false },
        },
      ],
    },
  ],
});

/** What PostgreSQL gives back: JSON round trip of every row (dates and decimals are text). */
const stored = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('bill rows', () => {
  it('a stored bill comes back as exactly the computed bill (strings, nulls and omitted fields alike)', () => {
    const bill = calculateBill(input('B-1', null));
    const row = stored(toBillRow({ bill, kind: 'bill', revision: 0, runId: 'R', readingSources: [], recomputed: null }));
    const lines = stored(toLineRows(bill)).reverse() as BillLineRow[];
    expect(fromBillRow(row, lines)).toStrictEqual(stored(bill));
    expect(row.result_estimated).toBe(true);
    // An export credit is outside the scope of VAT (null) and an open-ended rate period keeps ratePeriodTo: null.
    const exportLine = fromBillRow(row, lines).lines.find((l) => l.kind === 'export-credit');
    expect(exportLine).toMatchObject({ vatRate: null, ratePeriodTo: null });
  });

  it('a correction stores its difference lines and the recomputed bill it brings the account to', () => {
    const issued = calculateBill(input('B-1', null));
    const recomputed = calculateBill(input('B-2', '10650'));
    const correction = correctBill(issued, recomputed);
    const row = stored(toBillRow({ bill: correction, kind: 'correction', revision: 1, runId: 'R2', readingSources: [], recomputed }));
    expect(row.corrects_bill_id).toBe('B-1');
    expect(row.result_estimated).toBe(false);
    const lines = stored(toLineRows(correction));
    expect(fromBillRow(row, lines)).toStrictEqual(stored(correction));
    expect(effectiveBill(row, lines)).toStrictEqual(stored(recomputed));
    // And the next correction can start from it.
    expect(() => correctBill(effectiveBill(row, lines), calculateBill(input('B-3', '10700')))).not.toThrow();
  });
});
