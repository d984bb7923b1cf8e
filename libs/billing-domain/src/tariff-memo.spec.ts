import { BillInput, calculateBill } from './bill.calculator';
import { deepFreeze } from './deep-freeze.helper';
import { formatDisplaySpan, londonWallClock } from './calendar.model';
import { readingBoundary } from './apportionment.calculator';
import { PRICE_CAP_ELECTRICITY, PRICE_CAP_GAS } from './price-cap-tariffs.catalog';
import { RatePeriod, StandingChargePeriod, Tariff, rateSegments, validateTariff } from './tariff.model';

// Issue 18: a bill run prices a million accounts on a handful of tariffs, so the work that depends only on a tariff
// (validation, rate segments, standing-charge lines) is kept per FROZEN tariff. These tests pin what may be kept
// (only frozen values, only successes) and that a kept answer is the same answer.

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('work kept per frozen tariff', () => {
  it('rateSegments answers a frozen periods list from its memo (the same frozen array), an unfrozen one afresh', () => {
    const periods: RatePeriod[] = [
      { validFrom: '2021-10-01', validTo: '2022-04-01', unitRateExVat: '20' },
      { validFrom: '2022-04-01', validTo: null, unitRateExVat: '26.99' },
    ];
    const span = { start: '2022-03-01', end: '2022-05-01' };
    const frozen = deepFreeze(clone(periods));
    const first = rateSegments(frozen, span);
    expect(rateSegments(frozen, span)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first[0])).toBe(true);
    expect(first.map((s) => [s.from, s.to, s.days])).toEqual([
      ['2022-03-01', '2022-04-01', 31],
      ['2022-04-01', '2022-05-01', 30],
    ]);
    // Not frozen: computed every time, so a change to the list is seen.
    const open = clone(periods);
    const before = rateSegments(open, span);
    expect(rateSegments(open, span)).not.toBe(before);
    open[1] = { validFrom: '2022-04-01', validTo: '2022-04-15', unitRateExVat: '26.99' };
    expect(() => rateSegments(open, span)).toThrow(expect.objectContaining({ code: 'BILLING_TARIFF_GAP' }));
  });

  it('rateSegments keeps no failure: a gap in a frozen list fails every time, with the caller\'s wording', () => {
    const gappy = deepFreeze<RatePeriod[]>([{ validFrom: '2022-01-01', validTo: '2022-02-01', unitRateExVat: '1' }]);
    const span = { start: '2022-01-15', end: '2022-02-15' };
    expect(() => rateSegments(gappy, span, 'first')).toThrow(/first/);
    expect(() => rateSegments(gappy, span, 'second')).toThrow(/second/);
  });

  it('validateTariff checks a deeply frozen tariff once, and anything else every time', () => {
    let reads = 0;
    const counted = (period: StandingChargePeriod): StandingChargePeriod => {
      const copy = { ...period };
      const value = copy.pencePerDayExVat;
      Object.defineProperty(copy, 'pencePerDayExVat', { get: () => ((reads += 1), value), enumerable: true });
      return copy;
    };
    const tariff = (): Tariff => ({ ...clone(PRICE_CAP_ELECTRICITY), standingCharges: PRICE_CAP_ELECTRICITY.standingCharges.map(counted) });
    const frozen = deepFreeze(tariff());
    reads = 0; // deepFreeze itself read each value once
    validateTariff(frozen);
    const afterFirst = reads;
    expect(afterFirst).toBeGreaterThan(0);
    validateTariff(frozen);
    expect(reads).toBe(afterFirst);
    const open = tariff();
    reads = 0;
    validateTariff(open);
    validateTariff(open);
    expect(reads).toBe(2 * afterFirst);
    // A frozen tariff that is invalid still fails, every time.
    const bad = deepFreeze({ ...clone(PRICE_CAP_ELECTRICITY), standingCharges: [{ validFrom: '2022-01-01', validTo: null, pencePerDayExVat: '1e3' }] });
    expect(() => validateTariff(bad)).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }));
    expect(() => validateTariff(bad)).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }));
  });

  it('a bill on a frozen tariff equals the bill on an unfrozen copy, each standing charge on its own supply point', () => {
    const input = (supplyPointId: string, electricity: Tariff, gas: Tariff): BillInput => ({
      billId: `BILL-${supplyPointId}`,
      account: { accountId: `ACC-${supplyPointId}`, category: 'D', domestic: true, vatRate: '0.05' },
      period: { start: '2022-03-01', end: '2022-05-01' },
      supplyPoints: [
        {
          supplyPointId,
          fuel: 'electricity',
          tariff: electricity,
          registers: [
            {
              registerId: 'S',
              kind: 'import',
              digits: 5,
              unit: 'kWh',
              opening: { readAt: '2022-03-01', value: '10000', estimated: false },
              intermediate: [{ readAt: '2022-03-31T19:30:00Z', value: '10300', estimated: false }],
              closing: { readAt: '2022-05-01', value: '10600', estimated: false },
            },
          ],
        },
        {
          supplyPointId: `G${supplyPointId}`,
          fuel: 'gas',
          tariff: gas,
          calorificValueMjPerM3: '39.2',
          registers: [
            {
              registerId: 'G',
              kind: 'gas',
              digits: 5,
              unit: 'm3',
              opening: { readAt: '2022-03-01', value: '100', estimated: false },
              intermediate: [],
              closing: { readAt: '2022-05-01', value: '180', estimated: false },
            },
          ],
        },
      ],
    });
    const frozenElectricity = deepFreeze(clone(PRICE_CAP_ELECTRICITY));
    const frozenGas = deepFreeze(clone(PRICE_CAP_GAS));
    for (const supplyPointId of ['1200023305967', '1200023305968', '1200023305967']) {
      const kept = calculateBill(input(supplyPointId, frozenElectricity, frozenGas));
      const fresh = calculateBill(input(supplyPointId, clone(PRICE_CAP_ELECTRICITY), clone(PRICE_CAP_GAS)));
      expect(kept).toStrictEqual(fresh);
      expect(JSON.stringify(kept)).toBe(JSON.stringify(fresh));
      const standing = kept.lines.filter((l) => l.kind === 'standing-charge');
      expect(standing.map((l) => l.supplyPointId)).toEqual([supplyPointId, supplyPointId, `G${supplyPointId}`, `G${supplyPointId}`]);
    }
  });

  it('formatDisplaySpan and readingBoundary give the same answer again (kept answers), and still refuse bad input', () => {
    expect(formatDisplaySpan({ start: '2022-03-01', end: '2022-04-01' })).toBe('01 Mar 2022 – 31 Mar 2022');
    expect(formatDisplaySpan({ start: '2022-03-01', end: '2022-04-01' })).toBe('01 Mar 2022 – 31 Mar 2022');
    expect(() => formatDisplaySpan({ start: '2022-02-30', end: '2022-04-01' })).toThrow();
    expect(() => formatDisplaySpan({ start: '2022-02-30', end: '2022-04-01' })).toThrow();
    // 20:30 London on 31 March (BST from 27 March) counts at 1 April; 11:59 at 31 March.
    expect(readingBoundary('2022-03-31T19:30:00Z')).toBe('2022-04-01');
    expect(readingBoundary('2022-03-31T19:30:00Z')).toBe('2022-04-01');
    expect(readingBoundary('2022-03-31T10:59:00Z')).toBe('2022-03-31');
  });
});

describe('londonWallClock kept per instant', () => {
  it('answers an instant again with the same frozen answer, and still refuses a bad one every time', () => {
    const first = londonWallClock('2022-03-27T00:30:00Z');
    expect(first).toEqual({ date: '2022-03-27', minuteOfDay: 30 });
    expect(londonWallClock('2022-03-27T00:30:00Z')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // 01:00 UTC on 27 March 2022 is 02:00 BST.
    expect(londonWallClock('2022-03-27T01:00:00Z')).toEqual({ date: '2022-03-27', minuteOfDay: 120 });
    expect(() => londonWallClock('2022-02-30T00:00:00Z')).toThrow();
    expect(() => londonWallClock('2022-02-30T00:00:00Z')).toThrow();
  });
});

describe('standing-charge lines kept only for a deeply frozen tariff', () => {
  it('a tariff frozen on the outside only is priced afresh: a changed standing charge shows on the next bill', () => {
    const charges = clone(PRICE_CAP_ELECTRICITY.standingCharges) as StandingChargePeriod[];
    const shallow = Object.freeze({ ...clone(PRICE_CAP_ELECTRICITY), standingCharges: Object.freeze(charges) });
    const bill = (): string[] =>
      calculateBill({
        billId: 'BILL-S',
        account: { accountId: 'ACC-S', category: 'D', domestic: true, vatRate: '0.05' },
        period: { start: '2022-03-01', end: '2022-05-01' },
        supplyPoints: [
          {
            supplyPointId: 'SP-S',
            fuel: 'electricity',
            tariff: shallow,
            registers: [
              {
                registerId: 'S',
                kind: 'import',
                digits: 5,
                unit: 'kWh',
                opening: { readAt: '2022-03-01', value: '10000', estimated: false },
                intermediate: [],
                closing: { readAt: '2022-05-01', value: '10600', estimated: false },
              },
            ],
          },
        ],
      }).lines.filter((l) => l.kind === 'standing-charge').map((l) => l.amountPence);
    const before = bill();
    (charges[charges.length - 1] as { pencePerDayExVat: string }).pencePerDayExVat = '100';
    const after = bill();
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBe('3000');
    expect(after[1]).not.toBe(before[1]);
  });
});
