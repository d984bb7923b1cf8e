import fc from 'fast-check';
import { checkMprn } from './mprn.validator';

describe('checkMprn', () => {
  it.each(['123456', '1234567890', '12345678901', '7362810493'])('accepts %s without a warning', (mprn) => {
    expect(checkMprn(mprn)).toEqual({ valid: true });
  });

  it.each(['12345', '123456789012', '12345A7890', '12 3456 7890', '', '-123456', '1234567.90'])(
    'rejects %p (must be 6 to 11 digits)',
    (mprn) => {
      expect(checkMprn(mprn)).toEqual({ valid: false });
    },
  );

  it('warns, but accepts, a placeholder of one repeated digit', () => {
    const result = checkMprn('0000000000');
    expect(result.valid).toBe(true);
    expect(result.warning).toMatch(/placeholder/);
  });

  it('a check-digit mismatch under the caller rule is a warning, not a rejection', () => {
    const result = checkMprn('1234567890', () => false);
    expect(result.valid).toBe(true);
    expect(result.warning).toContain('1234567890');
  });

  it('a passing rule gives no warning', () => {
    expect(checkMprn('1234567890', (m) => m.length === 10)).toEqual({ valid: true });
  });

  it('a rule is not consulted for a malformed MPRN', () => {
    const rule = jest.fn(() => true);
    expect(checkMprn('12AB', rule)).toEqual({ valid: false });
    expect(rule).not.toHaveBeenCalled();
  });

  it('a rule that throws is treated as advisory and ignored', () => {
    expect(
      checkMprn('1234567890', () => {
        throw new Error('broken');
      }),
    ).toEqual({ valid: true });
  });

  it('property: valid exactly when 6 to 11 ASCII digits', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 14 }), (s) => {
        expect(checkMprn(s).valid).toBe(/^\d{6,11}$/.test(s));
      }),
    );
  });
});
