import { Bill, BillInput, MeterReading, calculateBill } from './bill.calculator';
import { correctBill } from './bill-correction.calculator';
import { PRICE_CAP_ELECTRICITY, PRICE_CAP_GAS } from './price-cap-tariffs.catalog';
import { SETTLEMENT_CSV_COLUMNS, type SettlementRow, compareSettlementRows, settlementRows, toCsv } from './settlement.aggregator';

const read = (readAt: string, value: string, estimated = false): MeterReading => ({ readAt, value, estimated });

function bill(billId: string, category: 'A' | 'B' | 'C' | 'D', importClosing: MeterReading | null, exportKwh?: number, accountId = `ACC-${billId}`): Bill {
  const input: BillInput = {
    billId,
    account: { accountId, category, domestic: true, vatRate: '0.05' },
    period: { start: '2022-03-15', end: '2022-04-15' },
    supplyPoints: [
      {
        supplyPointId: `E-${accountId}`,
        fuel: 'electricity',
        tariff: PRICE_CAP_ELECTRICITY,
        registers: [
          { registerId: 'S', kind: 'import', digits: 5, unit: 'kWh', opening: read('2022-03-15', '1000'), closing: importClosing, eacKwh: '3650' },
          ...(exportKwh === undefined
            ? []
            : [{ registerId: 'A1', kind: 'export' as const, digits: 5, unit: 'kWh' as const, opening: read('2022-03-15', '0'), closing: read('2022-04-15', String(exportKwh)) }]),
        ],
      },
      {
        supplyPointId: `G-${accountId}`,
        fuel: 'gas',
        tariff: PRICE_CAP_GAS,
        calorificValueMjPerM3: '36',
        registers: [{ registerId: 'G', kind: 'gas', digits: 5, unit: 'm3', opening: read('2022-03-15', '100'), closing: read('2022-04-15', '131') }],
      },
    ],
  };
  return calculateBill(input);
}

describe('settlementRows', () => {
  // Period [15 Mar, 15 Apr): 17 old days + 14 new days.
  // Bill D1 (category D, actual): import 310 kWh -> 170 old / 140 new.
  // Bill C1 (category C, import estimated from EAC 3650 = 10/day -> 310 kWh, export 62 kWh actual -> 34 old / 28 new).
  // Gas for both: 31 m3 at CV 36 = 31 x 1.02264 x 36 / 3.6 = 317.0184 kWh -> 173.8488 old / 143.1696 new.
  const d1 = bill('D1', 'D', read('2022-04-15', '1310'));
  const c1 = bill('C1', 'C', null, 62);
  const rows = settlementRows([d1, c1]);
  const row = (tariffId: string, from: string, category: string, kind: string, estimated: boolean) =>
    rows.find((r) => r.tariffId === tariffId && r.ratePeriodFrom === from && r.category === category && r.kind === kind && r.estimated === estimated);

  it('aggregates kWh and money per rate period x fuel x category x estimated/actual (and kind)', () => {
    expect(row('PRICE-CAP-ELEC-SR-2022', '2021-10-01', 'D', 'energy', false)).toMatchObject({ kWh: '170', amountPence: '3400', lineCount: 1, billCount: 1 });
    // 140 x 26.990476...p = 3778.666... -> 3779p
    expect(row('PRICE-CAP-ELEC-SR-2022', '2022-04-01', 'D', 'energy', false)).toMatchObject({ kWh: '140', amountPence: '3779', ratePeriodTo: '2022-10-01' });
    expect(row('PRICE-CAP-ELEC-SR-2022', '2021-10-01', 'C', 'energy', true)).toMatchObject({ kWh: '170', amountPence: '3400' });
    expect(row('PRICE-CAP-ELEC-SR-2022', '2021-10-01', 'C', 'energy', false)).toBeUndefined();
    // Export rate period is open-ended; 62 kWh x 15p = 930p credited.
    expect(row('PRICE-CAP-ELEC-SR-2022', '2020-01-01', 'C', 'export-credit', false)).toMatchObject({ kWh: '62', amountPence: '-930', ratePeriodTo: null });
    expect(row('PRICE-CAP-GAS-2022', '2021-10-01', 'D', 'energy', false)).toMatchObject({ fuel: 'gas', kWh: '173.8488' });
    expect(row('PRICE-CAP-GAS-2022', '2021-10-01', 'C', 'standing-charge', false)).toMatchObject({ kWh: '0' });
  });

  it('excludes VAT and keeps every net penny', () => {
    const net = [d1, c1].reduce((s, b) => s + Number(b.totals.netPence), 0);
    expect(rows.reduce((s, r) => s + Number(r.amountPence), 0)).toBe(net);
  });

  it('moves kWh from estimated to actual when a correction is included', () => {
    const actual = bill('C1-FIX', 'C', read('2022-04-15', '1341'), 62, c1.accountId);
    const withCorrection = settlementRows([d1, c1, correctBill(c1, actual)]);
    const find = (estimated: boolean) =>
      withCorrection.find((r) => r.category === 'C' && r.kind === 'energy' && r.fuel === 'electricity' && r.ratePeriodFrom === '2021-10-01' && r.estimated === estimated);
    expect(find(true)).toMatchObject({ kWh: '0', amountPence: '0', lineCount: 2 });
    // 341 kWh over 31 days = 11/day; 17 old days = 187 kWh.
    expect(find(false)).toMatchObject({ kWh: '187', amountPence: '3740' });
  });

  it('is deterministic in order', () => {
    expect(settlementRows([c1, d1])).toEqual(rows);
  });
});

describe('compareSettlementRows', () => {
  const row = (over: Partial<SettlementRow>): SettlementRow => ({
    tariffId: 't1', ratePeriodFrom: '2022-04-01', ratePeriodTo: null, fuel: 'electricity', category: 'C',
    kind: 'energy', estimated: false, kWh: '1', amountPence: '1', lineCount: 1, billCount: 1, ...over,
  });

  it('orders by tariff, rate period, fuel, category, kind (energy, export credit, standing charge), actual before estimated', () => {
    const ordered = [
      row({ tariffId: 't0' }),
      row({ ratePeriodFrom: '2021-10-01' }),
      row({}),
      row({ estimated: true }),
      row({ kind: 'export-credit' }),
      row({ kind: 'standing-charge' }),
      row({ category: 'D' }),
      row({ fuel: 'gas' }),
    ];
    expect([...ordered].reverse().sort(compareSettlementRows)).toEqual(ordered);
  });

  it('is the order settlementRows returns, so the SQL report and an in-memory one compare equal', () => {
    const rows = settlementRows([bill('D1', 'D', read('2022-04-15', '1310')), bill('C1', 'C', null, 62)]);
    expect(rows.length).toBeGreaterThan(4);
    expect([...rows].reverse().sort(compareSettlementRows)).toEqual(rows);
  });
});

describe('toCsv', () => {
  it('writes RFC 4180 CSV with a header, kWh to 3 places and empty open-ended dates', () => {
    const csv = toCsv(settlementRows([bill('C1', 'C', read('2022-04-15', '1310'), 62)]));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(SETTLEMENT_CSV_COLUMNS.join(','));
    expect(lines).toContain('PRICE-CAP-ELEC-SR-2022,2020-01-01,,electricity,C,export-credit,actual,62.000,-930,1,1');
    expect(lines).toContain('PRICE-CAP-GAS-2022,2021-10-01,2022-04-01,gas,C,energy,actual,173.849,662,1,1');
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('quotes fields with commas, quotes or newlines', () => {
    const csv = toCsv([
      {
        tariffId: 'FIX, "12M"',
        ratePeriodFrom: '2022-04-01',
        ratePeriodTo: null,
        fuel: 'gas',
        category: 'D',
        kind: 'energy',
        estimated: true,
        kWh: '1234.56789',
        amountPence: '100',
        lineCount: 1,
        billCount: 1,
      },
    ]);
    expect(csv.split('\r\n')[1]).toBe('"FIX, ""12M""",2022-04-01,,gas,D,energy,estimated,1234.568,100,1,1');
  });
});
