import fc from 'fast-check';
import { Bill, BillInput, BillLine, MeterReading, RegisterInput, SupplyPointInput, calculateBill, defaultVatRate } from './bill.calculator';
import { BillingDomainError, TariffGapError } from './billing.error';
import { addDays, daysBetween } from './calendar.model';
import { Decimal, Money } from './money.model';
import { EXAMPLE_ECONOMY_7_ELECTRICITY, PRICE_CAP_ELECTRICITY, PRICE_CAP_GAS } from './price-cap-tariffs.catalog';

// Rates used below (domain README section 5; ex VAT = inc / 1.05, see price-cap-tariffs.ts):
//   electricity unit   before 1 Apr 2022: 21p inc = 20p ex          from 1 Apr: 28.34p inc = 26.990476...p ex
//   electricity SC     before: 25p inc = 23.809523...p/day ex       from: 45.34p inc = 43.180952...p/day ex
//   gas unit           before: 4p inc = 3.809523...p ex             from: 7.37p inc = 7.019047...p ex
//   gas SC             before: 26p inc = 24.761904...p/day ex       from: 27.22p inc = 25.923809...p/day ex
//   export (assumed)   15p/kWh, outside the scope of VAT
//   Economy 7 (assumed) day 23p / night 12p ex before, day 31p / night 17p ex from 1 April
// Conventions: a reading dated D = the value at the start of D; each line rounded once,
// half-up; VAT 5% on the sum of the rounded lines, rounded once.

const read = (readAt: string, value: string, extra: Partial<MeterReading> = {}): MeterReading => ({
  readAt,
  value,
  estimated: false,
  ...extra,
});

const account = { accountId: 'ACC-1', category: 'D' as const, domestic: true, vatRate: '0.05' };

function electricityBill(start: string, end: string, registers: RegisterInput[], tariff = PRICE_CAP_ELECTRICITY): BillInput {
  return {
    billId: 'BILL-1',
    account,
    period: { start, end },
    supplyPoints: [{ supplyPointId: '1200023305967', fuel: 'electricity', tariff, registers }],
  };
}

const importRegister = (opening: MeterReading, closing: MeterReading | null, intermediate: MeterReading[] = []): RegisterInput => ({
  registerId: 'S',
  kind: 'import',
  digits: 5,
  unit: 'kWh',
  opening,
  intermediate,
  closing,
});

/** [kind, from, to, kWh, amountPence] per line, for compact golden assertions. */
const summary = (bill: Bill): (string | undefined)[][] =>
  bill.lines.map((l) => [l.kind, l.periodFrom, l.periodTo, l.kWh === undefined ? undefined : new Decimal(l.kWh).toDecimalPlaces(6).toString(), l.amountPence]);

const sumLines = (lines: readonly BillLine[]): string => Money.sum(lines.map((l) => l.amountPence)).toPence();

describe('calculateBill golden cases (worked by hand)', () => {
  it('(a) customer reading dated 2022-03-31 between 1 March and 30 April: 31 March is priced old, with the next interval\'s daily average', () => {
    // Readings 10000 (01 Mar), 10300 (31 Mar), 10600 (30 Apr); period [01 Mar, 30 Apr) = 60 days.
    // Interval 1 [01 Mar, 31 Mar): 30 days, 300 kWh, all at the old rate.
    // Interval 2 [31 Mar, 30 Apr): 30 days, 300 kWh = 10 kWh/day:
    //   31 Mar (1 day, old rate) = 10 kWh; 01-29 Apr (29 days, new rate) = 290 kWh.
    // Energy old  [01 Mar, 01 Apr): 300 + 10 = 310 kWh x 20p                 = 6200p
    // Energy new  [01 Apr, 30 Apr): 290 kWh x 26.990476190...p = 7827.238... -> 7827p
    // SC old      31 days x 23.809523809...p = 738.095...                    ->  738p
    // SC new      29 days x 43.180952380...p = 1252.247...                   -> 1252p
    // Net 6200 + 7827 + 738 + 1252 = 16017p; VAT 5% = 800.85 -> 801p; total 16818p.
    // (Cross-check at inc-VAT rates: 310x21 + 290x28.34 + 31x25 + 29x45.34 = 16818.46p.)
    const bill = calculateBill(
      electricityBill('2022-03-01', '2022-04-30', [
        importRegister(read('2022-03-01', '10000'), read('2022-04-30', '10600'), [read('2022-03-31', '10300')]),
      ]),
    );
    expect(summary(bill)).toEqual([
      ['energy', '2022-03-01', '2022-04-01', '310', '6200'],
      ['energy', '2022-04-01', '2022-04-30', '290', '7827'],
      ['standing-charge', '2022-03-01', '2022-04-01', undefined, '738'],
      ['standing-charge', '2022-04-01', '2022-04-30', undefined, '1252'],
      ['vat', '2022-03-01', '2022-04-30', undefined, '801'],
    ]);
    expect(bill.lines[0]?.description).toBe('Electricity import 01 Mar 2022 – 31 Mar 2022: 310.00 kWh at 20.00p/kWh');
    expect(bill.lines[1]?.description).toBe('Electricity import 01 Apr 2022 – 29 Apr 2022: 290.00 kWh at 26.9905p/kWh');
    expect(bill.lines[2]?.description).toBe('Electricity standing charge 01 Mar 2022 – 31 Mar 2022: 31 days at 23.8095p/day');
    expect(bill.lines[4]?.description).toBe('VAT at 5% on £160.17');
    expect(bill.lines[4]?.basePence).toBe('16017');
    expect(bill.totals).toEqual({ netPence: '16017', vatPence: '801', totalPence: '16818' });
    expect(bill.supplyDays).toBe(60);
    expect(bill.estimated).toBe(false);
    expect(bill.registers[0]).toMatchObject({ advance: '600', kWh: '600' });
  });

  it('(a2) same readings but a heavier April: the 31 March reading gives 31 March the April average (20 kWh), still at the old price', () => {
    // Readings 10000 (01 Mar), 10300 (31 Mar), 10900 (30 Apr).
    // Interval 2 [31 Mar, 30 Apr): 600 kWh / 30 days = 20 kWh/day: 31 Mar = 20 kWh (old), 01-29 Apr = 580 kWh (new).
    // Energy old 300 + 20 = 320 kWh x 20p = 6400p
    // Energy new 580 kWh x 26.990476190...p = 15654.476... -> 15654p
    // SC 738p + 1252p (as in (a)). Net 24044p; VAT 1202.2 -> 1202p; total 25246p.
    const bill = calculateBill(
      electricityBill('2022-03-01', '2022-04-30', [
        importRegister(read('2022-03-01', '10000'), read('2022-04-30', '10900'), [read('2022-03-31', '10300')]),
      ]),
    );
    expect(summary(bill).map((l) => l[4])).toEqual(['6400', '15654', '738', '1252', '1202']);
    expect(bill.lines[0]?.kWh).toBe('320');
    expect(bill.totals.totalPence).toBe('25246');
  });

  it('(a3) the same customer reading taken at 20:15 on 31 March (an instant) stands for midnight 1 April and splits exactly at the change', () => {
    // 2022-03-31T20:15+01:00 is after London noon -> start of 01 Apr.
    // Interval 1 [01 Mar, 01 Apr): 300 kWh, old: 300 x 20p = 6000p.
    // Interval 2 [01 Apr, 30 Apr): 600 kWh, new: 600 x 26.990476190...p = 16194.285... -> 16194p.
    // SC 738p + 1252p. Net 24184p; VAT 1209.2 -> 1209p; total 25393p.
    const bill = calculateBill(
      electricityBill('2022-03-01', '2022-04-30', [
        importRegister(read('2022-03-01', '10000'), read('2022-04-30', '10900'), [read('2022-03-31T20:15:00+01:00', '10300')]),
      ]),
    );
    expect(summary(bill).map((l) => l[4])).toEqual(['6000', '16194', '738', '1252', '1209']);
    expect(bill.registers[0]?.readings[1]?.boundary).toBe('2022-04-01');
    expect(bill.totals.totalPence).toBe('25393');
  });

  it('(b) a reading on 2022-04-10 spanning the change: the advance is split across 1 April by days', () => {
    // Readings 20000 (01 Mar) and 20437 (10 Apr): 437 kWh over [01 Mar, 10 Apr) = 40 days = 10.925 kWh/day.
    // Old [01 Mar, 01 Apr): 31 days = 338.675 kWh; new [01 Apr, 10 Apr): 9 days = 98.325 kWh (sum 437).
    // Energy old 338.675 x 20p = 6773.5 -> 6774p (half-up)
    // Energy new 98.325 x 26.990476190...p = 2653.838... -> 2654p
    // SC old 31 x 23.809523...p = 738.095... -> 738p; SC new 9 x 43.180952...p = 388.628... -> 389p
    // Net 6774 + 2654 + 738 + 389 = 10555p; VAT 527.75 -> 528p (half-up); total 11083p.
    const bill = calculateBill(electricityBill('2022-03-01', '2022-04-10', [importRegister(read('2022-03-01', '20000'), read('2022-04-10', '20437'))]));
    expect(summary(bill)).toEqual([
      ['energy', '2022-03-01', '2022-04-01', '338.675', '6774'],
      ['energy', '2022-04-01', '2022-04-10', '98.325', '2654'],
      ['standing-charge', '2022-03-01', '2022-04-01', undefined, '738'],
      ['standing-charge', '2022-04-01', '2022-04-10', undefined, '389'],
      ['vat', '2022-03-01', '2022-04-10', undefined, '528'],
    ]);
    expect(bill.totals).toEqual({ netPence: '10555', vatPence: '528', totalPence: '11083' });
  });

  it('(c) gas, metric meter: 100 m3 at CV 39.5 in April 2022', () => {
    // Readings 01000 (01 Apr) and 01100 (01 May) m3: 100 m3 over 30 days, all at the new rate.
    // kWh = 100 x 1.02264 x 39.5 / 3.6 = 4039.428 / 3.6 = 1122.0633333...
    // Energy 1122.0633... x 7.019047619...p = 7875.8159... -> 7876p
    // SC 30 x 25.923809523...p = 777.714... -> 778p
    // Net 8654p; VAT 432.7 -> 433p; total 9087p.
    const bill = calculateBill({
      billId: 'GAS-1',
      account,
      period: { start: '2022-04-01', end: '2022-05-01' },
      supplyPoints: [
        {
          supplyPointId: '1234567890',
          fuel: 'gas',
          tariff: PRICE_CAP_GAS,
          calorificValueMjPerM3: '39.5',
          registers: [{ registerId: 'G', kind: 'gas', digits: 5, unit: 'm3', opening: read('2022-04-01', '1000'), closing: read('2022-05-01', '1100') }],
        },
      ],
    });
    expect(summary(bill)).toEqual([
      ['energy', '2022-04-01', '2022-05-01', '1122.063333', '7876'],
      ['standing-charge', '2022-04-01', '2022-05-01', undefined, '778'],
      ['vat', '2022-04-01', '2022-05-01', undefined, '433'],
    ]);
    expect(bill.lines[0]?.description).toBe('Gas 01 Apr 2022 – 30 Apr 2022: 1,122.06 kWh at 7.019p/kWh');
    expect(bill.registers[0]).toMatchObject({ advance: '100', unit: 'm3' });
    expect(bill.totals.totalPence).toBe('9087');
  });

  it('(c2) gas, imperial meter, spanning 1 April: hundreds of ft3 x 2.83 = m3', () => {
    // Readings 0500 (22 Mar) and 0540 (11 Apr) on a 4-digit ft3x100 meter: 40 x 2.83 = 113.2 m3.
    // kWh = 113.2 x 1.02264 x 40 / 3.6 = 1286.2538666...; 20 days, 10 old + 10 new:
    //   old = 643.126933333333 (half, held to 12 places); new = the rest = 643.1269333...
    // Energy old 643.1269... x 3.809523809...p = 2450.007... -> 2450p
    // Energy new 643.1269... x 7.019047619...p = 4514.138... -> 4514p
    // SC old 10 x 24.761904...p = 247.619 -> 248p; SC new 10 x 25.923809...p = 259.238 -> 259p
    // Net 7471p; VAT 373.55 -> 374p; total 7845p.
    const bill = calculateBill({
      billId: 'GAS-2',
      account,
      period: { start: '2022-03-22', end: '2022-04-11' },
      supplyPoints: [
        {
          supplyPointId: '1234567890',
          fuel: 'gas',
          tariff: PRICE_CAP_GAS,
          calorificValueMjPerM3: '40',
          registers: [{ registerId: 'G', kind: 'gas', digits: 4, unit: 'ft3x100', opening: read('2022-03-22', '500'), closing: read('2022-04-11', '540') }],
        },
      ],
    });
    expect(summary(bill).map((l) => l[4])).toEqual(['2450', '4514', '248', '259', '374']);
    expect(new Decimal(bill.lines[0]?.kWh ?? '0').plus(bill.lines[1]?.kWh ?? '0').eq(bill.registers[0]?.kWh ?? '')).toBe(true);
    expect(bill.totals.totalPence).toBe('7845');
  });

  it('(d) export credit: a credit line, outside the scope of VAT', () => {
    // April 2022 (30 days). Import 250 kWh, export 120 kWh.
    // Import 250 x 26.990476190...p = 6747.619... -> 6748p
    // Export 120 x 15p = 1800p, credited: -1800p (no VAT on export payments)
    // SC 30 x 43.180952380...p = 1295.428... -> 1295p
    // VAT base = 6748 + 1295 = 8043p (export excluded); VAT 402.15 -> 402p
    // Net 6748 - 1800 + 1295 = 6243p; total 6243 + 402 = 6645p.
    const bill = calculateBill(
      electricityBill('2022-04-01', '2022-05-01', [
        importRegister(read('2022-04-01', '3000'), read('2022-05-01', '3250')),
        { registerId: 'A1', kind: 'export', digits: 5, unit: 'kWh', opening: read('2022-04-01', '800'), closing: read('2022-05-01', '920') },
      ]),
    );
    expect(summary(bill)).toEqual([
      ['energy', '2022-04-01', '2022-05-01', '250', '6748'],
      ['export-credit', '2022-04-01', '2022-05-01', '120', '-1800'],
      ['standing-charge', '2022-04-01', '2022-05-01', undefined, '1295'],
      ['vat', '2022-04-01', '2022-05-01', undefined, '402'],
    ]);
    expect(bill.lines[1]).toMatchObject({ vatRate: null, ratePence: '15', registerId: 'A1' });
    expect(bill.lines[1]?.description).toBe('Electricity export 01 Apr 2022 – 30 Apr 2022: 120.00 kWh at 15.00p/kWh (credit)');
    expect(bill.lines[3]?.basePence).toBe('8043');
    expect(bill.totals).toEqual({ netPence: '6243', vatPence: '402', totalPence: '6645' });
  });

  it('(e) Economy 7 across 1 April: day and night registers priced separately, one standing charge', () => {
    // Period [15 Mar, 15 Apr) = 31 days: 17 old (15-31 Mar), 14 new (1-14 Apr).
    // Day 310 kWh = 10/day: old 170 kWh x 23p = 3910p; new 140 kWh x 31p = 4340p
    // Night 217 kWh = 7/day: old 119 kWh x 12p = 1428p; new 98 kWh x 17p = 1666p
    // SC old 17 x 23.809523...p = 404.761... -> 405p; SC new 14 x 43.180952...p = 604.533... -> 605p
    // Net 3910 + 4340 + 1428 + 1666 + 405 + 605 = 12354p; VAT 617.7 -> 618p; total 12972p.
    const bill = calculateBill(
      electricityBill(
        '2022-03-15',
        '2022-04-15',
        [
          { registerId: '01', kind: 'day', digits: 6, unit: 'kWh', opening: read('2022-03-15', '40000'), closing: read('2022-04-15', '40310') },
          { registerId: '02', kind: 'night', digits: 6, unit: 'kWh', opening: read('2022-03-15', '20000'), closing: read('2022-04-15', '20217') },
        ],
        EXAMPLE_ECONOMY_7_ELECTRICITY,
      ),
    );
    expect(summary(bill)).toEqual([
      ['energy', '2022-03-15', '2022-04-01', '170', '3910'],
      ['energy', '2022-04-01', '2022-04-15', '140', '4340'],
      ['energy', '2022-03-15', '2022-04-01', '119', '1428'],
      ['energy', '2022-04-01', '2022-04-15', '98', '1666'],
      ['standing-charge', '2022-03-15', '2022-04-01', undefined, '405'],
      ['standing-charge', '2022-04-01', '2022-04-15', undefined, '605'],
      ['vat', '2022-03-15', '2022-04-15', undefined, '618'],
    ]);
    expect(bill.lines[2]?.description).toBe('Electricity night rate 15 Mar 2022 – 31 Mar 2022: 119.00 kWh at 12.00p/kWh');
    expect(bill.totals.totalPence).toBe('12972');
  });

  it('estimates a missing closing reading from the average of actual reads and marks the lines estimated', () => {
    // History: 9000 (01 Jan) and 10000 (01 Mar), both actual: 1000 kWh / 59 days = 16.949.../day.
    // Estimate at 01 Apr: 31 days x 16.949... = 525.42 -> 525 kWh -> reading 10525 (estimated).
    // Energy 525 x 20p = 10500p (estimated); SC 31 x 23.809523...p = 738p.
    // Net 11238p; VAT 561.9 -> 562p; total 11800p.
    const bill = calculateBill(
      electricityBill('2022-03-01', '2022-04-01', [
        {
          ...importRegister(read('2022-03-01', '10000'), null),
          history: [read('2022-01-01', '9000'), read('2022-03-01', '10000')],
        },
      ]),
    );
    expect(summary(bill).map((l) => l[4])).toEqual(['10500', '738', '562']);
    expect(bill.lines[0]?.estimated).toBe(true);
    expect(bill.lines[0]?.description).toMatch(/\(estimated\)$/);
    expect(bill.lines[1]?.estimated).toBe(false);
    expect(bill.lines[2]?.estimated).toBe(true);
    expect(bill.estimated).toBe(true);
    expect(bill.registers[0]?.readings[1]).toEqual({
      readAt: '2022-04-01',
      boundary: '2022-04-01',
      value: '10525',
      estimated: true,
      rolledOver: false,
      estimationMethod: 'average-daily',
      estimate: { method: 'average-daily', dailyUsage: '16.94915254237288135593220338983050847458', basedOnReadAt: '2022-03-01' },
    });
    expect(bill.totals.totalPence).toBe('11800');
  });

  it("adds the bill's own readings to the history it estimates from", () => {
    // History holds only 9000 (01 Jan); with the opening 10000 (01 Mar) the average is again 1000 / 59 days -> 10525.
    const bill = calculateBill(
      electricityBill('2022-03-01', '2022-04-01', [{ ...importRegister(read('2022-03-01', '10000'), null), history: [read('2022-01-01', '9000')] }]),
    );
    expect(bill.registers[0]?.readings[1]).toMatchObject({ value: '10525', estimationMethod: 'average-daily' });
  });

  it('estimates from EAC pro rata, converting a gas EAC in kWh into the register unit', () => {
    // EAC 12000 kWh at CV 40: m3 per year = 12000 x 3.6 / (1.02264 x 40) = 1056.090...; x 30/365.25 = 86.74 -> 87 m3.
    // kWh billed = 87 x 1.02264 x 40 / 3.6 = 988.552; x 7.019047...p = 6938.69... -> 6939p.
    const bill = calculateBill({
      billId: 'GAS-E',
      account,
      period: { start: '2022-04-01', end: '2022-05-01' },
      supplyPoints: [
        {
          supplyPointId: '1234567890',
          fuel: 'gas',
          tariff: PRICE_CAP_GAS,
          calorificValueMjPerM3: '40',
          registers: [{ registerId: 'G', kind: 'gas', digits: 5, unit: 'm3', opening: read('2022-04-01', '1000'), closing: null, eacKwh: '12000' }],
        },
      ],
    });
    expect(bill.registers[0]?.readings[1]).toMatchObject({ value: '1087', estimated: true, estimationMethod: 'eac-pro-rata' });
    // The bill says how: the EAC as held (kWh) and in the register's unit, divided by the read path's days per year.
    expect(bill.registers[0]?.readings[1]?.estimate).toMatchObject({ method: 'eac-pro-rata', eacKwh: '12000', daysPerYear: '365.25', basedOnReadAt: '2022-04-01' });
    expect(bill.registers[0]?.readings[1]?.estimate?.eac).toMatch(/^1056\.09/);
    expect(bill.lines[0]).toMatchObject({ kWh: '988.552', amountPence: '6939', estimated: true });
  });

  it('handles a register rolling over within the bill', () => {
    // 99950 -> (rolled) 00050 on 5 digits = 100 kWh over April at 26.990476...p = 2699.047... -> 2699p.
    const bill = calculateBill(
      electricityBill('2022-04-01', '2022-05-01', [importRegister(read('2022-04-01', '99950'), read('2022-05-01', '50', { rolledOver: true }))]),
    );
    expect(bill.lines[0]).toMatchObject({ kWh: '100', amountPence: '2699' });
  });

  it('bills several supply points (dual fuel) with one VAT line', () => {
    const bill = calculateBill({
      billId: 'DUAL',
      account,
      period: { start: '2022-04-01', end: '2022-05-01' },
      supplyPoints: [
        { supplyPointId: 'E1', fuel: 'electricity', tariff: PRICE_CAP_ELECTRICITY, registers: [importRegister(read('2022-04-01', '3000'), read('2022-05-01', '3250'))] },
        {
          supplyPointId: 'G1',
          fuel: 'gas',
          tariff: PRICE_CAP_GAS,
          calorificValueMjPerM3: '39.5',
          registers: [{ registerId: 'G', kind: 'gas', digits: 5, unit: 'm3', opening: read('2022-04-01', '1000'), closing: read('2022-05-01', '1100') }],
        },
      ],
    });
    // 6748 + 1295 (electricity, as in (d)) + 7876 + 778 (gas, as in (c)) = 16697p; VAT 834.85 -> 835p.
    expect(bill.lines.filter((l) => l.kind === 'vat')).toHaveLength(1);
    expect(bill.totals).toEqual({ netPence: '16697', vatPence: '835', totalPence: '17532' });
  });

  it('applies a business VAT rate of 20%', () => {
    // 310 kWh x 20p = 6200p + SC 738p = 6938p; VAT 20% = 1387.6 -> 1388p.
    const input = electricityBill('2022-03-01', '2022-04-01', [importRegister(read('2022-03-01', '10000'), read('2022-04-01', '10310'))]);
    const bill = calculateBill({ ...input, account: { ...account, category: 'B', domestic: false, vatRate: defaultVatRate(false) } });
    expect(bill.lines.at(-1)).toMatchObject({ kind: 'vat', vatRate: '0.2', amountPence: '1388', description: 'VAT at 20% on £69.38' });
  });
});

describe('calculateBill rejects what it cannot price', () => {
  const ok = (): BillInput => electricityBill('2022-03-01', '2022-04-01', [importRegister(read('2022-03-01', '10000'), read('2022-04-01', '10310'))]);

  it('throws TariffGapError for days outside the tariff', () => {
    const input = electricityBill('2022-09-20', '2022-10-05', [importRegister(read('2022-09-20', '1'), read('2022-10-05', '100'))]);
    expect(() => calculateBill(input)).toThrow(TariffGapError);
    try {
      calculateBill(input);
    } catch (error) {
      expect(error).toMatchObject({ code: 'BILLING_TARIFF_GAP', date: '2022-10-01' });
    }
  });

  it.each<[string, (i: BillInput) => BillInput, string]>([
    ['a negative advance', (i) => electricityBill(i.period.start, i.period.end, [importRegister(read('2022-03-01', '10000'), read('2022-04-01', '9000'))]), 'BILLING_NEGATIVE_ADVANCE'],
    ['an opening reading not at the period start', (i) => electricityBill('2022-03-02', i.period.end, i.supplyPoints[0]?.registers as RegisterInput[]), 'BILLING_INVALID_INPUT'],
    ['a closing reading not at the period end', (i) => electricityBill(i.period.start, '2022-04-02', i.supplyPoints[0]?.registers as RegisterInput[]), 'BILLING_INVALID_INPUT'],
    ['an empty period', (i) => ({ ...i, period: { start: '2022-03-01', end: '2022-03-01' } }), 'BILLING_INVALID_INPUT'],
    ['a malformed VAT rate', (i) => ({ ...i, account: { ...account, vatRate: '5%' } }), 'BILLING_INVALID_INPUT'],
    ['a VAT rate of 100%', (i) => ({ ...i, account: { ...account, vatRate: '1' } }), 'BILLING_INVALID_INPUT'],
    ['an unknown category', (i) => ({ ...i, account: { ...account, category: 'E' as never } }), 'BILLING_INVALID_INPUT'],
    ['a gas tariff on electricity', (i) => ({ ...i, supplyPoints: [{ ...(i.supplyPoints[0] as SupplyPointInput), tariff: PRICE_CAP_GAS }] }), 'BILLING_INVALID_INPUT'],
    ['a reading that does not fit the dials', (i) => electricityBill(i.period.start, i.period.end, [importRegister(read('2022-03-01', '10000'), read('2022-04-01', '100000'))]), 'BILLING_READING_EXCEEDS_DIGITS'],
    ['a float-like value', (i) => electricityBill(i.period.start, i.period.end, [importRegister(read('2022-03-01', '1e4'), read('2022-04-01', '10310'))]), 'BILLING_INVALID_INPUT'],
    [
      'an unpriced register kind',
      (i) => electricityBill(i.period.start, i.period.end, [{ ...importRegister(read('2022-03-01', '1'), read('2022-04-01', '2')), kind: 'day' }]),
      'BILLING_TARIFF_MISSING_REGISTER',
    ],
    [
      'intermediate readings out of order',
      (i) => electricityBill(i.period.start, i.period.end, [importRegister(read('2022-03-01', '1'), read('2022-04-01', '9'), [read('2022-03-20', '5'), read('2022-03-10', '3')])]),
      'BILLING_INVALID_INPUT',
    ],
    ['gas without a calorific value', () => ({ ...ok(), supplyPoints: [{ supplyPointId: 'G', fuel: 'gas', tariff: PRICE_CAP_GAS, registers: [] }] }), 'BILLING_INVALID_INPUT'],
    ['a missing closing with nothing to estimate from', (i) => electricityBill(i.period.start, i.period.end, [importRegister(read('2022-03-01', '10000'), null)]), 'BILLING_ESTIMATION_IMPOSSIBLE'],
  ])('rejects %s', (_name, mutate, code) => {
    expect(() => calculateBill(mutate(ok()))).toThrow(BillingDomainError);
    expect(() => calculateBill(mutate(ok()))).toThrow(expect.objectContaining({ code }));
  });

  it('returns a deeply frozen bill', () => {
    const bill = calculateBill(ok());
    expect(Object.isFrozen(bill)).toBe(true);
    expect(Object.isFrozen(bill.lines)).toBe(true);
    expect(Object.isFrozen(bill.lines[0])).toBe(true);
    expect(Object.isFrozen(bill.totals)).toBe(true);
    expect(() => {
      (bill.lines[0] as { amountPence: string }).amountPence = '0';
    }).toThrow(TypeError);
  });

  it('leaves nothing reachable from a bill unfrozen (freezeBill knows the whole shape: readings, estimate bases, every line)', () => {
    const unfrozen = (value: unknown, path: string): string[] => {
      if (value === null || typeof value !== 'object') return [];
      const own = Object.isFrozen(value) ? [] : [path];
      return own.concat(...Object.entries(value).map(([k, v]) => unfrozen(v, `${path}.${k}`)));
    };
    const estimated = calculateBill(
      electricityBill('2022-03-01', '2022-04-01', [
        { ...importRegister(read('2022-03-01', '10000'), null), history: [read('2022-01-01', '9000'), read('2022-03-01', '10000')] },
      ]),
    );
    expect(estimated.registers[0]?.readings[1]?.estimate).toBeDefined();
    for (const bill of [calculateBill(ok()), estimated]) expect(unfrozen(bill, 'bill')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------

const TARIFF_START = '2021-10-01';
const TARIFF_DAYS = daysBetween(TARIFF_START, '2022-10-01');
const DIGITS = 5;
const MODULUS = 10 ** DIGITS;

/** A reading `used` units after `opening`, wrapping the dials like a real register. */
const after = (readAt: string, opening: number, used: number): MeterReading => {
  const raw = opening + used;
  return { readAt, value: String(raw % MODULUS), estimated: false, ...(Math.floor(raw / MODULUS) > Math.floor(opening / MODULUS) ? { rolledOver: true } : {}) };
};

const periodArb = fc
  .tuple(fc.integer({ min: 0, max: TARIFF_DAYS - 2 }), fc.integer({ min: 2, max: 120 }))
  .map(([offset, length]) => {
    const start = addDays(TARIFF_START, offset);
    return { start, end: addDays(start, Math.min(length, TARIFF_DAYS - offset)) };
  });

describe('calculateBill properties', () => {
  it("a bill's total equals the sum of its lines, and net + VAT = total", () => {
    fc.assert(
      fc.property(
        periodArb,
        fc.integer({ min: 0, max: MODULUS - 1 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.constantFrom('0.05', '0.2', '0.175', '0'),
        fc.boolean(),
        (period, opening, advances, exported, vatRate, withExport) => {
          const days = daysBetween(period.start, period.end);
          const readings = advances.length > days ? advances.slice(0, days) : advances;
          // Intermediate readings on distinct days inside the period.
          const step = Math.floor(days / readings.length);
          const points: MeterReading[] = [read(period.start, String(opening))];
          let value = opening;
          readings.forEach((used, i) => {
            const date = i === readings.length - 1 ? period.end : addDays(period.start, step * (i + 1));
            points.push(after(date, value, used));
            value += used;
          });
          const registers: RegisterInput[] = [importRegister(points[0] as MeterReading, points.at(-1) as MeterReading, points.slice(1, -1))];
          if (withExport) {
            registers.push({ registerId: 'A1', kind: 'export', digits: DIGITS, unit: 'kWh', opening: read(period.start, '100'), closing: read(period.end, String(100 + exported)) });
          }
          const bill = calculateBill({ ...electricityBill(period.start, period.end, registers), account: { ...account, vatRate } });
          expect(bill.totals.totalPence).toBe(sumLines(bill.lines));
          expect(bill.totals.netPence).toBe(sumLines(bill.lines.filter((l) => l.kind !== 'vat')));
          expect(Money.ofPence(bill.totals.netPence).plus(Money.ofPence(bill.totals.vatPence)).toPence()).toBe(bill.totals.totalPence);
          // Energy lines carry exactly the register's consumption.
          const importKwh = bill.lines.filter((l) => l.kind === 'energy').reduce((s, l) => s.plus(l.kWh ?? 0), new Decimal(0));
          expect(importKwh.eq(readings.reduce((a, b) => a + b, 0))).toBe(true);
          // Standing charge lines cover every supply day exactly once.
          expect(bill.lines.filter((l) => l.kind === 'standing-charge').reduce((s, l) => s + (l.days ?? 0), 0)).toBe(days);
        },
      ),
    );
  });

  it('splitting a period at any date gives the same total as the whole, within 1p per line item (net within 0.5p per net line)', () => {
    // With a steady daily usage the exact (unrounded) amounts of the whole bill and of the two
    // halves are identical; they differ only by rounding. Each net line is within 0.5p of its
    // exact amount and each VAT line within 0.5p of VAT on the rounded net, so
    //   |net(A) + net(B) - net(W)|       <= 0.5p x (net lines of A, B and W)
    //   |total(A) + total(B) - total(W)| <= 1p x (all lines of A, B and W)   (VAT rate <= 20%).
    fc.assert(
      fc.property(
        periodArb,
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: MODULUS - 1 }),
        fc.constantFrom('0.05', '0.2'),
        (period, splitSeed, dailyUse, opening, vatRate) => {
          const days = daysBetween(period.start, period.end);
          const split = addDays(period.start, 1 + (splitSeed % (days - 1)));
          const atSplit = after(split, opening, dailyUse * daysBetween(period.start, split));
          const atEnd = after(period.end, opening, dailyUse * days);
          const asBill = (start: string, end: string, o: MeterReading, c: MeterReading, id: string): Bill =>
            calculateBill({ ...electricityBill(start, end, [importRegister({ ...o, readAt: start, rolledOver: false }, c)]), billId: id, account: { ...account, vatRate } });
          const whole = asBill(period.start, period.end, read(period.start, String(opening)), atEnd, 'W');
          const a = asBill(period.start, split, read(period.start, String(opening)), atSplit, 'A');
          const b = asBill(split, period.end, atSplit, { ...atEnd, rolledOver: Number(atEnd.value) < Number(atSplit.value) }, 'B');
          const pence = (x: Bill, field: 'netPence' | 'totalPence'): Decimal => new Decimal(x.totals[field]);
          const netLines = [whole, a, b].reduce((n, x) => n + x.lines.filter((l) => l.kind !== 'vat').length, 0);
          const allLines = [whole, a, b].reduce((n, x) => n + x.lines.length, 0);
          expect(pence(a, 'netPence').plus(pence(b, 'netPence')).minus(pence(whole, 'netPence')).abs().lte(netLines * 0.5)).toBe(true);
          expect(pence(a, 'totalPence').plus(pence(b, 'totalPence')).minus(pence(whole, 'totalPence')).abs().lte(allLines)).toBe(true);
        },
      ),
    );
  });
});

describe('flexibility credits on a bill (issue 17)', () => {
  const input = electricityBill('2022-03-01', '2022-04-30', [importRegister(read('2022-03-01', '10000'), read('2022-04-30', '10600'), [read('2022-03-31', '10300')])]);
  const credit = { creditId: 'EV-1:ACC-1', description: 'Flexibility credit: EV-1, 4.2 kWh at 57.15p/kWh', earnedPence: '240', deliveredKwh: '4.2' };

  it('a credit is its own negative line outside the scope of VAT: VAT unchanged, total 240p lower', () => {
    const without = calculateBill(input);
    const withCredit = calculateBill({ ...input, credits: [credit] });
    const line = withCredit.lines.find((l) => l.kind === 'flexibility-credit')!;
    expect(line).toMatchObject({ amountPence: '-240', vatRate: null, creditId: 'EV-1:ACC-1', kWh: '4.2', description: credit.description });
    expect(withCredit.totals.vatPence).toBe(without.totals.vatPence);
    expect(Number(withCredit.totals.totalPence)).toBe(Number(without.totals.totalPence) - 240);
    expect(sumLines(withCredit.lines)).toBe(withCredit.totals.totalPence);
  });

  it('the same credit twice, or a credit in fractions of a penny, is refused', () => {
    expect(() => calculateBill({ ...input, credits: [credit, credit] })).toThrow(BillingDomainError);
    expect(() => calculateBill({ ...input, credits: [{ ...credit, earnedPence: '240.5' }] })).toThrow(BillingDomainError);
  });
});
