import fc from 'fast-check';
import { isValidMpanCore, mpanCheckDigit, mpanCoreProblem } from './mpan.validator';

describe('mpanCheckDigit', () => {
  it.each([
    // Worked by hand: weights 3,5,7,13,17,19,23,29,31,37,41,43; sum mod 11 mod 10.
    ['100000000000', 3], // 1x3 = 3
    ['131234567890', 7], // the limejump/mpan README example core 1312345678907
    ['120002330596', 7],
    ['230000000001', 9], // 2x3 + 3x5 + 1x43 = 64; 64 mod 11 = 9
    ['199999999999', 1],
  ])('%s -> %d', (first12, digit) => {
    expect(mpanCheckDigit(first12)).toBe(digit);
  });

  it('takes mod 10 after mod 11, so a remainder of 10 gives check digit 0', () => {
    // 1x3 + 1x7 = 10: remainder 10 -> 0
    expect(mpanCheckDigit('101000000000')).toBe(0);
  });

  it.each(['', '12345678901', '1234567890123', '12345678901a', ' 12345678901'])('rejects %p (not 12 digits)', (bad) => {
    expect(() => mpanCheckDigit(bad)).toThrow(RangeError);
  });
});

describe('isValidMpanCore', () => {
  it.each(['1000000000003', '1312345678907', '1200023305967', '2300000000019', '1010000000000', '1999999999991'])(
    'accepts %s',
    (core) => {
      expect(isValidMpanCore(core)).toBe(true);
    },
  );

  it('rejects the placeholder 1000000000000 on its check digit', () => {
    expect(isValidMpanCore('1000000000000')).toBe(false);
    expect(mpanCoreProblem('1000000000000')).toBe('CHECK_DIGIT');
  });

  it.each([
    ['0912345678901', 'DISTRIBUTOR'],
    ['2412345678901', 'DISTRIBUTOR'],
    ['9912345678901', 'DISTRIBUTOR'],
    ['131234567890', 'FORMAT'],
    ['13123456789070', 'FORMAT'],
    ['13 1234 5678 907', 'FORMAT'],
    ['131234567890A', 'FORMAT'],
    ['', 'FORMAT'],
    ['１３１２３４５６７８９０７', 'FORMAT'], // full-width digits are not ASCII digits
  ])('%p fails with %s', (core, problem) => {
    expect(mpanCoreProblem(core)).toBe(problem);
    expect(isValidMpanCore(core)).toBe(false);
  });

  it('reports non-strings as a format problem rather than throwing', () => {
    expect(mpanCoreProblem(undefined)).toBe('FORMAT');
    expect(mpanCoreProblem(1312345678907)).toBe('FORMAT');
  });

  const first12 = fc
    .tuple(fc.integer({ min: 10, max: 23 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 10, maxLength: 10 }))
    .map(([d, rest]) => `${d}${rest.join('')}`);

  it('property: the computed check digit always validates, and every other final digit fails', () => {
    fc.assert(
      fc.property(first12, fc.integer({ min: 0, max: 9 }), (f, other) => {
        const check = mpanCheckDigit(f);
        expect(isValidMpanCore(`${f}${check}`)).toBe(true);
        if (other !== check) expect(mpanCoreProblem(`${f}${other}`)).toBe('CHECK_DIGIT');
      }),
    );
  });

  it('property: never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string(), (s) => typeof isValidMpanCore(s) === 'boolean'));
  });
});
