import { Decimal } from 'decimal.js';
import { canonicalReadingValue, fitsRegisterDigits, isValidRegisterDigits, parseReadingValue, isStoredValue, parseStoredValue, registerMax } from './reading-value.parser';

describe('parseReadingValue', () => {
  it.each(['0', '01234', '99999', '1234.5', '0.0', '007'])('accepts %s', (raw) => {
    const parsed = parseReadingValue(raw);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.value.eq(raw)).toBe(true);
  });

  it.each([
    ['', 'EMPTY'],
    [undefined, 'EMPTY'],
    [1234, 'EMPTY'],
    ['-1', 'NEGATIVE'],
    ['-0.5', 'NEGATIVE'],
    ['1234.56', 'TOO_MANY_DECIMAL_PLACES'],
    ['NaN', 'NOT_A_NUMBER'],
    ['Infinity', 'NOT_A_NUMBER'],
    ['1e3', 'NOT_A_NUMBER'],
    ['12,345', 'NOT_A_NUMBER'],
    [' 123', 'NOT_A_NUMBER'],
    ['.5', 'NOT_A_NUMBER'],
    ['5.', 'NOT_A_NUMBER'],
    ['+5', 'NOT_A_NUMBER'],
    ['0x10', 'NOT_A_NUMBER'],
    ['١٢٣', 'NOT_A_NUMBER'],
  ])('rejects %p as %s', (raw, problem) => {
    expect(parseReadingValue(raw)).toEqual({ ok: false, problem });
  });

  it('is not affected by global Decimal configuration', () => {
    const saved = Decimal.precision;
    Decimal.set({ precision: 2 });
    try {
      const parsed = parseReadingValue('12345.6');
      expect(parsed.ok && parsed.value.plus('0.1').toFixed()).toBe('12345.7');
    } finally {
      Decimal.set({ precision: saved });
    }
  });
});

describe('register digits', () => {
  it('5 digits hold 0 to 99999.9', () => {
    expect(registerMax(5).toFixed()).toBe('100000');
    expect(fitsRegisterDigits(parseStoredValue('99999.9')!, 5)).toBe(true);
    expect(fitsRegisterDigits(parseStoredValue('100000')!, 5)).toBe(false);
    expect(fitsRegisterDigits(parseStoredValue('0')!, 5)).toBe(true);
  });

  it.each([1, 5, 9, 12])('accepts %d digits', (d) => expect(isValidRegisterDigits(d)).toBe(true));
  it.each([0, 13, 5.5, -1, Number.NaN, '5', undefined])('rejects %p digits', (d) =>
    expect(isValidRegisterDigits(d)).toBe(false),
  );

  it('parseStoredValue is lenient on decimals but not on shape', () => {
    expect(parseStoredValue('12.345')?.toFixed()).toBe('12.345');
    expect(parseStoredValue('-1')).toBeNull();
    expect(parseStoredValue('abc')).toBeNull();
    expect(parseStoredValue(12)).toBeNull();
  });
});

describe('canonicalReadingValue', () => {
  it.each([
    ['10600.0', '10600'],
    ['10600', '10600'],
    ['10600.5', '10600.5'],
    ['0.0', '0'],
    ['01234.0', '1234'],
  ])('%p is served as %p', (stored, served) => expect(canonicalReadingValue(stored)).toBe(served));
});

describe('isStoredValue', () => {
  it.each(['0', '1234', '01234.5', '10600.0', '1.25', '', ' 1', '1.', '.5', '-1', '1e3', 'abc', '12,3'])('%p: exactly when parseStoredValue parses it', (raw) => {
    expect(isStoredValue(raw)).toBe(parseStoredValue(raw) !== null);
  });

  it('is false for anything not a string', () => {
    for (const raw of [undefined, null, 12, {}, ['1']]) expect(isStoredValue(raw)).toBe(false);
  });
});
