import fc from 'fast-check';
import { NegativeAdvanceError } from './billing.error';
import { advance, advanceByDecimal, advanceToKwh, gasKwhToVolume, gasVolumeToKwh, parseRegisterValue } from './consumption.calculator';
import { Decimal } from './money.model';

describe('advance', () => {
  it('is closing - opening', () => {
    expect(advance('10000', '10310', 5, false).toString()).toBe('310');
    expect(advance('1234.5', '1240.1', 5, false).toString()).toBe('5.6');
    expect(advance('500', '500', 5, false).toString()).toBe('0');
  });

  it('allows for rollover: closing + 10^digits - opening', () => {
    expect(advance('99950', '50', 5, true).toString()).toBe('100');
    expect(advance('9990', '0010', 4, true).toString()).toBe('20');
  });

  it('rejects a negative advance without a rollover (reason code 03)', () => {
    expect(() => advance('10000', '9999', 5, false)).toThrow(NegativeAdvanceError);
    expect(() => advance('10000', '9999', 5, false)).toThrow(expect.objectContaining({ code: 'BILLING_NEGATIVE_ADVANCE' }));
  });

  it('rejects a rollover flag that would mean a full turn or more', () => {
    expect(() => advance('100', '200', 5, true)).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }));
    expect(() => advance('100', '100', 5, true)).toThrow();
  });

  it('rejects values that do not fit the dials (reason code 11) and bad digit counts', () => {
    expect(() => advance('0', '100000', 5, false)).toThrow(expect.objectContaining({ code: 'BILLING_READING_EXCEEDS_DIGITS' }));
    expect(() => parseRegisterValue('-1', 5)).toThrow();
    expect(() => parseRegisterValue('1', 0)).toThrow();
    expect(() => parseRegisterValue('1', 2.5)).toThrow();
    expect(parseRegisterValue('99999.9', 5).toString()).toBe('99999.9');
  });

  it('with rollover equals the forward distance on the dials (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.nat(), fc.nat(), (digits, a, b) => {
        const modulus = 10 ** digits;
        const [opening, closing] = [a % modulus, b % modulus];
        const rolled = closing < opening;
        const result = advance(String(opening), String(closing), digits, rolled);
        expect(result.toNumber()).toBe((closing - opening + modulus) % modulus);
      }),
    );
  });
});

describe('advance on plain values (the fast path) against advanceByDecimal (the reference)', () => {
  const outcome = (f: () => Decimal): string => {
    try {
      return `= ${f().toString()}`;
    } catch (error) {
      const e = error as { name: string; code?: string; message: string };
      return `${e.name} ${e.code ?? ''} ${e.message}`;
    }
  };
  const value = fc.oneof(
    fc.tuple(fc.stringMatching(/^\d{1,17}$/), fc.option(fc.stringMatching(/^\d{1,17}$/), { nil: undefined })).map(([w, f]) => (f === undefined ? w : `${w}.${f}`)),
    fc.constantFrom('-0', '-1', '1e3', '', '0x10', ' 1', '1.', '.5', '99999', '100000', '0099999.99'),
  );

  it('gives the same value or the same error for any values, digits and rollover flag (property)', () => {
    fc.assert(
      fc.property(value, value, fc.oneof(fc.integer({ min: 0, max: 17 }), fc.constantFrom(2.5, Number.NaN)), fc.boolean(), (opening, closing, digits, rolled) => {
        expect(outcome(() => advance(opening, closing, digits, rolled))).toBe(outcome(() => advanceByDecimal(opening, closing, digits, rolled)));
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees on values near the dials and the scales it takes', () => {
    for (const [o, c, d, r] of [
      ['99999.99', '0.01', 5, true],
      ['0.5', '0.50', 1, false],
      ['12345.678', '12346.1', 5, false],
      ['999999999999999', '0', 15, true],
      ['1.5', '1.25', 14, false],
      ['00000', '00001', 5, false],
    ] as const) {
      expect(outcome(() => advance(o, c, d, r))).toBe(outcome(() => advanceByDecimal(o, c, d, r)));
    }
    expect(advance('1.5', '2', 5, false).toString()).toBe('0.5');
    expect(advance('99999.9', '0.1', 5, true).toString()).toBe('0.2');
  });
});

describe('gas volume to energy', () => {
  it('kWh = m3 x 1.02264 x CV / 3.6', () => {
    // 100 x 1.02264 x 39.5 / 3.6 = 4039.428 / 3.6 = 1122.0633...
    expect(gasVolumeToKwh(new Decimal(100), 'm3', '39.5').toDecimalPlaces(6).toString()).toBe('1122.063333');
    // 36 m3 at CV 40: 36 x 1.02264 x 40 / 3.6 = 409.056 exactly
    expect(gasVolumeToKwh(new Decimal(36), 'm3', '40').toString()).toBe('409.056');
  });

  it('converts hundreds of cubic feet with x 2.83', () => {
    // 10 (x100 ft3) = 28.3 m3; 28.3 x 1.02264 x 36 / 3.6 = 289.40712
    expect(gasVolumeToKwh(new Decimal(10), 'ft3x100', '36').toString()).toBe('289.40712');
    expect(advanceToKwh(new Decimal(10), 'ft3x100', '36').toString()).toBe('289.40712');
    expect(advanceToKwh(new Decimal(10), 'kWh').toString()).toBe('10');
  });

  it('rejects a missing, malformed or non-positive calorific value', () => {
    expect(() => advanceToKwh(new Decimal(1), 'm3')).toThrow();
    expect(() => gasVolumeToKwh(new Decimal(1), 'm3', '0')).toThrow();
    expect(() => gasVolumeToKwh(new Decimal(1), 'm3', 'about 39')).toThrow();
  });

  it('gasKwhToVolume inverts gasVolumeToKwh (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 3500, max: 4300 }), fc.constantFrom('m3' as const, 'ft3x100' as const), (volume, cvTenths, unit) => {
        const cv = (cvTenths / 100).toFixed(2);
        const back = gasKwhToVolume(gasVolumeToKwh(new Decimal(volume), unit, cv), unit, cv);
        expect(back.minus(volume).abs().lt('1e-30')).toBe(true);
      }),
    );
  });
});
