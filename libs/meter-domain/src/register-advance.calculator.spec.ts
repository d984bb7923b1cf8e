import fc from 'fast-check';
import { MeterDecimal } from './reading-value.parser';
import { registerAdvance, registerAdvanceOf } from './register-advance.calculator';

describe('registerAdvance', () => {
  it.each([
    ['01000', '01234.5', 5, '234.5', false],
    ['1234.5', '1235', 5, '0.5', false],
    ['500', '500', 5, '0', false],
    ['99990', '00010', 5, '20', true],
    ['99999.9', '0', 5, '0.1', true],
    ['9990', '5', 4, '15', true],
  ])('%s -> %s on %d digits = %s (rolled over: %s)', (open, close, digits, advance, rolledOver) => {
    expect(registerAdvance(open, close, digits)).toEqual({ advance, rolledOver });
  });

  it.each([
    ['100000', '5', 5],
    ['5', '100000', 5],
    ['-1', '5', 5],
    ['1', 'x', 5],
    ['1', '2', 0],
    ['1', '2', 13],
  ])('returns null for %p -> %p on %p digits', (open, close, digits) => {
    expect(registerAdvance(open, close, digits)).toBeNull();
  });

  const tenths = (digits: number) => fc.integer({ min: 0, max: 10 ** digits * 10 - 1 }).map((n) => new MeterDecimal(n).div(10));

  it('property: the advance, with rollover, always lies in [0, 10^digits)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }).chain((d) => fc.tuple(fc.constant(d), tenths(d), tenths(d))),
        ([digits, open, close]) => {
          const { advance, rolledOver } = registerAdvanceOf(open, close, digits);
          expect(advance.gte(0)).toBe(true);
          expect(advance.lt(new MeterDecimal(10).pow(digits))).toBe(true);
          expect(rolledOver).toBe(close.lt(open));
          // Adding the advance to the opening value, modulo the register range, gives the closing value.
          expect(open.plus(advance).mod(new MeterDecimal(10).pow(digits)).eq(close)).toBe(true);
        },
      ),
    );
  });
});
