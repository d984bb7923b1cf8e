import { calculateBill } from '@surge/billing-domain/bill.calculator';
import { PRICE_CAP_ELECTRICITY, PRICE_CAP_GAS } from '@surge/billing-domain/price-cap-tariffs.catalog';
import type { Tariff } from '@surge/billing-domain/tariff.model';
import { AccountBillingError } from '../bill-run/account-billing.error';
import { buildBillInput } from './bill-input.builder';
import { type BillingAccount, type BillingSupplyPoint, type RegisterReading, registerReadingKey } from '../accounts-tariffs/billing-account.model';

const period = { start: '2022-03-01', end: '2022-05-01' };
const tariffs = new Map<string, Tariff>([
  [PRICE_CAP_ELECTRICITY.tariffId, PRICE_CAP_ELECTRICITY],
  [PRICE_CAP_GAS.tariffId, PRICE_CAP_GAS],
]);
const ctx = { period, tariffs, calorificValue: '39.5' };

const elec = (overrides: Partial<BillingSupplyPoint> = {}): BillingSupplyPoint => ({
  supplyPointId: '1200023305967',
  fuel: 'electricity',
  supplyStart: '2021-10-01',
  meters: [{ meterSerial: 'E1', installedOn: '2021-10-01', removedOn: null, registers: [{ registerId: 'S', kind: 'import', digits: 5, unit: 'kWh', eacKwh: '2900' }] }],
  agreements: [{ tariffId: PRICE_CAP_ELECTRICITY.tariffId, validFrom: '2021-10-01', validTo: null }],
  ...overrides,
});

const account = (supplyPoints: BillingSupplyPoint[]): BillingAccount => ({
  accountId: 'ACC-1',
  category: 'D',
  domestic: true,
  vulnerable: false,
  vatRate: '0.05',
  supplyPoints,
});

const reading = (readingId: string, readAt: string, value: string): RegisterReading => ({ readingId, readAt, value, source: 'C', rolledOver: false });

const readings = new Map([
  [
    registerReadingKey('1200023305967', 'E1', 'S'),
    [reading('o', '2022-03-01T09:00:00Z', '10000'), reading('m', '2022-03-31T19:30:00Z', '10300'), reading('c', '2022-05-01T07:00:00Z', '10600')],
  ],
]);

const failure = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof AccountBillingError) return e.code;
    throw e;
  }
  throw new Error('expected an AccountBillingError');
};

describe('buildBillInput', () => {
  it('builds an input the calculator accepts, with the Meter Reading Day read splitting usage at 1 April', () => {
    const { input, sources } = buildBillInput('B-1', account([elec()]), readings, new Map(), ctx);
    const bill = calculateBill(input);
    // 300 kWh before 1 April at 20p; 300 kWh from it at 26.990476...p.
    expect(bill.lines.filter((l) => l.kind === 'energy').map((l) => [l.periodFrom, l.periodTo, l.kWh, l.amountPence])).toEqual([
      ['2022-03-01', '2022-04-01', '300', '6000'],
      ['2022-04-01', '2022-05-01', '300', '8097'],
    ]);
    expect(bill.estimated).toBe(false);
    expect(sources).toEqual([
      {
        supplyPointId: '1200023305967',
        meterSerial: 'E1',
        registerId: 'S',
        opening: { from: 'reading', readingId: 'o', readAt: '2022-03-01T09:00:00Z', source: 'C' },
        intermediate: [{ from: 'reading', readingId: 'm', readAt: '2022-03-31T19:30:00Z', source: 'C' }],
        closing: { from: 'reading', readingId: 'c', readAt: '2022-05-01T07:00:00Z', source: 'C' },
      },
    ]);
  });

  it('a missing closing reading is estimated (from the history and the bill\u2019s own reads) and marked', () => {
    const noClosing = new Map([[registerReadingKey('1200023305967', 'E1', 'S'), [reading('o', '2022-03-01T09:00:00Z', '10000'), reading('m', '2022-03-31T19:30:00Z', '10300')]]]);
    const { input, sources } = buildBillInput('B-2', account([elec()]), noClosing, new Map(), ctx);
    const bill = calculateBill(input);
    expect(bill.estimated).toBe(true);
    expect(bill.registers[0]?.readings.at(-1)).toMatchObject({ boundary: '2022-05-01', estimated: true });
    expect(sources[0]?.closing).toEqual({ from: 'estimate' });
  });

  it('refuses what it cannot bill as it stands, with a stable code', () => {
    const acc = (sp: Partial<BillingSupplyPoint>) => account([elec(sp)]);
    expect(failure(() => buildBillInput('x', acc({ agreements: [] }), readings, new Map(), ctx))).toBe('NO_TARIFF_AGREEMENT');
    expect(
      failure(() =>
        buildBillInput(
          'x',
          acc({
            agreements: [
              { tariffId: PRICE_CAP_ELECTRICITY.tariffId, validFrom: '2021-10-01', validTo: '2022-04-01' },
              { tariffId: PRICE_CAP_ELECTRICITY.tariffId, validFrom: '2022-04-01', validTo: null },
            ],
          }),
          readings,
          new Map(),
          ctx,
        ),
      ),
    ).toBe('TARIFF_CHANGE_IN_PERIOD');
    expect(failure(() => buildBillInput('x', acc({ agreements: [{ tariffId: 'NOPE', validFrom: '2021-10-01', validTo: null }] }), readings, new Map(), ctx))).toBe(
      'UNKNOWN_TARIFF',
    );
    expect(failure(() => buildBillInput('x', acc({ meters: [] }), readings, new Map(), ctx))).toBe('NO_METER');
    expect(
      failure(() => buildBillInput('x', acc({ meters: [{ meterSerial: 'E1', installedOn: '2022-03-15', removedOn: null, registers: [] }] }), readings, new Map(), ctx)),
    ).toBe('METER_EXCHANGE_IN_PERIOD');
    expect(failure(() => buildBillInput('x', acc({ supplyStart: '2022-03-10' }), readings, new Map(), ctx))).toBe('SUPPLY_STARTS_IN_PERIOD');
    expect(failure(() => buildBillInput('x', acc({}), new Map(), new Map(), ctx))).toBe('NO_OPENING_READING');
    expect(failure(() => buildBillInput('x', account([]), readings, new Map(), ctx))).toBe('NO_SUPPLY_POINTS');
    const gas: BillingSupplyPoint = {
      supplyPointId: '7000000001',
      fuel: 'gas',
      supplyStart: '2021-10-01',
      meters: [{ meterSerial: 'G1', installedOn: '2021-10-01', removedOn: null, registers: [{ registerId: 'GAS', kind: 'gas', digits: 5, unit: 'm3', eacKwh: null }] }],
      agreements: [{ tariffId: PRICE_CAP_GAS.tariffId, validFrom: '2021-10-01', validTo: null }],
    };
    expect(failure(() => buildBillInput('x', account([gas]), readings, new Map(), { ...ctx, calorificValue: null }))).toBe('NO_CALORIFIC_VALUE');
  });

  it('leaves out a supply point that starts supply after the period', () => {
    const later = elec({ supplyPointId: '1300000000013', supplyStart: '2022-06-01' });
    const { input } = buildBillInput('B-3', account([elec(), later]), readings, new Map(), ctx);
    expect(input.supplyPoints.map((s) => s.supplyPointId)).toEqual(['1200023305967']);
  });
});
