import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { earnedValue } from './earned-value.calculator';

describe('earned value', () => {
  it('the story: 4.2 kWh below baseline at 57.15p/kWh is £2.40 (240.03p rounded once)', () => {
    const v = earnedValue([{ baselineKwh: '2.6', actualKwh: '0.5' }, { baselineKwh: '2.6', actualKwh: '0.5' }], '57.15');
    expect(v).toEqual({ baselineKwh: '5.2', actualKwh: '1', deliveredKwh: '4.2', pricePencePerKwh: '57.15', earnedPence: '240' });
  });

  it('exact decimals (no binary floating point: 0.1 + 0.2) and half-up rounding at the penny', () => {
    expect(earnedValue([{ baselineKwh: '0.3', actualKwh: '0.2' }], '25').earnedPence).toBe('3'); // 2.5p -> 3p
    expect(earnedValue([{ baselineKwh: '0.1', actualKwh: '0' }, { baselineKwh: '0.2', actualKwh: '0' }], '100').deliveredKwh).toBe('0.3');
  });

  it('using more than the baseline earns nothing and owes nothing', () => {
    expect(earnedValue([{ baselineKwh: '1', actualKwh: '3' }], '50')).toMatchObject({ deliveredKwh: '0', earnedPence: '0' });
  });

  it('property: delivered = max(0, sum baseline - sum actual); pence within half a penny of the exact value', () => {
    const kwh = fc.integer({ min: 0, max: 100_000 }).map((n) => new Decimal(n).div(1000).toString());
    fc.assert(
      fc.property(fc.array(fc.record({ baselineKwh: kwh, actualKwh: kwh }), { maxLength: 12 }), fc.integer({ min: 0, max: 50_000 }), (intervals, p) => {
        const price = new Decimal(p).div(100).toString();
        const v = earnedValue(intervals, price);
        const exact = Decimal.max(0, Decimal.sum(0, ...intervals.map((i) => new Decimal(i.baselineKwh).minus(i.actualKwh))));
        expect(v.deliveredKwh).toBe(exact.toString());
        expect(exact.times(price).minus(v.earnedPence).abs().lte(0.5)).toBe(true);
      }),
    );
  });
});
