import { Decimal as GlobalDecimal } from 'decimal.js';
import fc from 'fast-check';
import {
  Decimal,
  Money,
  decimalToString,
  formatPercent,
  formatPounds,
  formatQuantity,
  formatQuantityByDecimal,
  formatPoundsByDecimal,
  formatRatePence,
  lineAmount,
  parseDecimal,
  roundPence,
  sumPence,
  vatOn,
} from './money.model';

describe('Decimal clone', () => {
  it('carries 40 significant digits without touching the global decimal.js config', () => {
    expect(new Decimal(1).dividedBy(3).toString()).toBe('0.' + '3'.repeat(40));
    expect(GlobalDecimal.precision).toBe(20);
    expect(new GlobalDecimal(1).dividedBy(3).toString()).toBe('0.' + '3'.repeat(20));
  });

  it('never prints exponent notation', () => {
    expect(new Decimal('0.0000000000001').toString()).toBe('0.0000000000001');
    expect(new Decimal('1e30').toString()).toBe('1' + '0'.repeat(30));
  });
});

describe('parseDecimal', () => {
  it.each(['0', '12', '-3', '28.34', '0.05', '00012.50'])('accepts %s', (value) => {
    expect(parseDecimal(value, 'x').eq(new Decimal(value))).toBe(true);
  });

  it.each(['', ' 1', '1e3', '0x10', 'NaN', 'Infinity', '1.', '.5', '1,000', '+1'])('rejects %j', (value) => {
    expect(() => parseDecimal(value, 'x')).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }));
  });

  it('accepts Decimals from any decimal.js constructor but not infinities', () => {
    expect(parseDecimal(new GlobalDecimal('1.5'), 'x').toString()).toBe('1.5');
    expect(() => parseDecimal(new Decimal(Infinity), 'x')).toThrow();
  });
});

describe('rounding rule', () => {
  it.each([
    ['6773.5', '6774'],
    ['6773.4999999', '6773'],
    ['800.85', '801'],
    ['0.5', '1'],
    ['-0.5', '-1'],
    ['-1800.5', '-1801'],
    ['-0.4', '0'],
    ['2.5', '3'],
  ])('roundPence(%s) = %s (half away from zero)', (exact, rounded) => {
    expect(decimalToString(roundPence(new Decimal(exact)))).toBe(rounded);
  });

  it('lineAmount multiplies exactly, then rounds once', () => {
    // 338.675 kWh x 20p = 6773.5p -> 6774p; rounding kWh first (338.68) would give 6773.6 -> 6774 too,
    // but 0.125 kWh x 2p = 0.25p -> 0p whereas rounding kWh to 0.13 first would give 0.26 -> 0p; use a sharper case:
    expect(lineAmount(new Decimal('338.675'), new Decimal('20')).toPence()).toBe('6774');
    // 290 kWh x 28.34/1.05p = 7827.238...p -> 7827p (rate not rounded to 26.99 first, which would give 7827.1 -> 7827;
    // 29 days x 43.180952...p = 1252.2476 -> 1252p whereas 29 x 43.18 = 1252.22).
    expect(lineAmount(new Decimal(290), new Decimal('28.34').dividedBy('1.05')).toPence()).toBe('7827');
    // A rate rounded to the penny first would bill 10000 kWh x 27p = 270000p instead of 269904.76 -> 269905p.
    expect(lineAmount(new Decimal(10000), new Decimal('28.34').dividedBy('1.05')).toPence()).toBe('269905');
  });

  it('vatOn takes the rounded base and rounds once', () => {
    expect(vatOn(Money.ofPence('16017'), new Decimal('0.05')).toPence()).toBe('801');
    expect(vatOn(Money.ofPence('10555'), new Decimal('0.05')).toPence()).toBe('528');
    expect(vatOn(Money.ofPence('10'), new Decimal('0.05')).toPence()).toBe('1');
    expect(vatOn(Money.ofPence('-10'), new Decimal('0.05')).toPence()).toBe('-1');
  });

  it('rounding is within half a penny and symmetric for credits (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.integer({ min: 0, max: 12 }), (units, places) => {
        const exact = new Decimal(units.toString()).dividedBy(new Decimal(10).pow(places));
        const rounded = roundPence(exact);
        expect(rounded.isInteger()).toBe(true);
        expect(rounded.minus(exact).abs().lte('0.5')).toBe(true);
        expect(roundPence(exact.negated()).eq(rounded.negated())).toBe(true);
      }),
    );
  });
});

describe('Money', () => {
  it('holds whole pence only', () => {
    expect(() => Money.ofPence('1.5')).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }));
    expect(Money.ofPence('12').plus(Money.ofPence('-20')).toPence()).toBe('-8');
    expect(Money.ofPence('12').minus(Money.ofPence('12')).toPence()).toBe('0');
    expect(Money.sum(['1', '2', Money.ofPence('3')]).toPence()).toBe('6');
  });

  it('sums whole pence exactly, whatever the spelling or mix (BigInt fast path and Decimal path agree)', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), { maxLength: 30 }), fc.array(fc.boolean(), { maxLength: 30 }), (values, asMoney) => {
        const terms = values.map((v, i) => (asMoney[i] ? Money.ofPence(v.toString()) : v.toString()));
        const expected = values.reduce((a, b) => a + b, 0n).toString();
        expect(Money.sum(terms).toPence()).toBe(expected);
        const viaDecimal = values.reduce((a, v) => a.plus(v.toString()), new Decimal(0));
        expect(Money.sum(terms).toPence()).toBe(decimalToString(viaDecimal));
      }),
    );
    // Other spellings of whole pence still add; fractions are still refused.
    expect(Money.sum(['007', '-0', '3', '1.0']).toPence()).toBe('11');
    expect(() => Money.sum(['+3'])).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }));
    expect(() => Money.sum(['1', '0.5'])).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }));
    expect(Money.sum([]).toPence()).toBe('0');
  });

  it('formats a rate once per Decimal and the same way again', () => {
    const rate = parseDecimal('26.990476190476190476', 'rate');
    expect(formatRatePence(rate)).toBe('26.9905p');
    expect(formatRatePence(rate)).toBe('26.9905p');
    expect(formatRatePence(new Decimal('26.990476190476190476'))).toBe('26.9905p');
  });

  it('never prints negative zero', () => {
    expect(Money.ofPence('0').negate().toPence()).toBe('0');
    expect(Money.roundHalfUp(new Decimal('-0.2')).toPence()).toBe('0');
    expect(JSON.stringify({ m: Money.zero().negate() })).toBe('{"m":"0"}');
    expect(decimalToString(new Decimal(0).negated())).toBe('0');
  });

  it('is immutable', () => {
    const m = Money.ofPence('5');
    expect(Object.isFrozen(m)).toBe(true);
    m.plus(Money.ofPence('1'));
    expect(m.toPence()).toBe('5');
  });

  it('compares and classifies', () => {
    expect(Money.ofPence('-1').isNegative()).toBe(true);
    expect(Money.zero().isNegative()).toBe(false);
    expect(Money.zero().isZero()).toBe(true);
    expect(Money.ofPence('7').equals(Money.ofPence('7'))).toBe(true);
    expect(Money.ofPence('1234').format()).toBe('£12.34');
  });
});

describe('sumPence (totals without a Decimal) against Money.sum(...).toPence()', () => {
  const outcome = (f: () => string): string => {
    try {
      return `= ${f()}`;
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
  };
  const pence = fc.oneof(
    fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String),
    fc.integer({ min: -100_000, max: 100_000 }).map(String),
    fc.constantFrom('9007199254740991', '9007199254740992', '-9007199254740993', '0', '-0', '007', '1.5', '12.00', '-', ''),
  );

  it('gives the same total, or the same error, for any terms (property)', () => {
    fc.assert(
      fc.property(fc.array(pence, { maxLength: 12 }), (amounts) => {
        expect(outcome(() => sumPence(amounts))).toBe(outcome(() => Money.sum(amounts).toPence()));
      }),
      { numRuns: 3000 },
    );
  });

  it('is exact past 2^53 and canonical at zero', () => {
    expect(sumPence(['9007199254740991', '1', '1'])).toBe('9007199254740993');
    expect(sumPence(['999999999999999', '999999999999999'])).toBe('1999999999999998');
    expect(sumPence(['-5', '5'])).toBe('0');
    expect(sumPence([])).toBe('0');
  });
});

describe('formatting', () => {
  it.each([
    ['1234', '£12.34'],
    ['0', '£0.00'],
    ['5', '£0.05'],
    ['-1800', '-£18.00'],
    ['123456789', '£1,234,567.89'],
  ])('formatPounds(%s) = %s', (pence, pounds) => {
    expect(formatPounds(pence)).toBe(pounds);
  });

  it('formatPounds refuses fractions of a penny', () => {
    expect(() => formatPounds('1.5')).toThrow();
  });

  it('formats rates with 2 to 4 decimals (display only)', () => {
    expect(formatRatePence(new Decimal('20'))).toBe('20.00p');
    expect(formatRatePence(new Decimal('28.34').dividedBy('1.05'))).toBe('26.9905p');
    expect(formatRatePence(new Decimal('7.019'))).toBe('7.019p');
    expect(formatRatePence(new Decimal('15.5'))).toBe('15.50p');
  });

  it('formats quantities and percentages', () => {
    expect(formatQuantity(new Decimal('1122.0633333'))).toBe('1,122.06');
    expect(formatQuantity(new Decimal('0.005'))).toBe('0.01');
    expect(formatQuantity(new Decimal('-0.001'))).toBe('0.00');
    expect(formatQuantity(new Decimal('-1234.5'), 3)).toBe('-1,234.500');
    expect(formatPercent(new Decimal('0.05'))).toBe('5%');
    expect(formatPercent(new Decimal('0.175'))).toBe('17.5%');
  });

  it('formatQuantity by digits equals the decimal.js formula, including carries, ties and values rounding to zero (property)', () => {
    const decimalText = fc
      .tuple(
        fc.boolean(),
        fc.oneof(fc.constant('0'), fc.bigInt({ min: 1n, max: 10n ** 20n }).map(String), fc.constantFrom('9', '99', '999', '999999')),
        fc.oneof(fc.constant(''), fc.stringMatching(/^[0-9]{1,40}$/), fc.constantFrom('5', '995', '9995', '4999', '005', '9', '99999')),
      )
      .map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`);
    fc.assert(
      fc.property(decimalText, fc.integer({ min: 0, max: 6 }), (text, places) => {
        const value = new Decimal(text);
        expect(formatQuantity(value, places)).toBe(formatQuantityByDecimal(value, places));
      }),
      { numRuns: 5000 },
    );
    for (const [text, places, expected] of [
      ['0.995', 2, '1.00'],
      ['-0.995', 2, '-1.00'],
      ['999999.995', 2, '1,000,000.00'],
      ['-0.004', 2, '0.00'],
      ['2.5', 0, '3'],
      ['-2.5', 0, '-3'],
      ['12', 3, '12.000'],
    ] as const) {
      expect(formatQuantity(new Decimal(text), places)).toBe(expected);
      expect(formatQuantityByDecimal(new Decimal(text), places)).toBe(expected);
    }
  });

  it('formatPounds by digits equals the decimal.js formula for whole pence, as strings and as Money (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), (pence) => {
        const text = pence.toString();
        expect(formatPounds(text)).toBe(formatPoundsByDecimal(text));
        expect(formatPounds(Money.ofPence(text))).toBe(formatPoundsByDecimal(Money.ofPence(text)));
      }),
      { numRuns: 3000 },
    );
    for (const [pence, expected] of [['0', '£0.00'], ['5', '£0.05'], ['-5', '-£0.05'], ['99', '£0.99'], ['100', '£1.00'], ['-123456', '-£1,234.56'], ['100000000', '£1,000,000.00']] as const) {
      expect(formatPounds(pence)).toBe(expected);
    }
    // Not canonical: the Decimal path, as before.
    expect(formatPounds('007')).toBe('£0.07');
    expect(() => formatPounds('1.5')).toThrow(/whole pence/);
  });

  it('formatPercent is the same text every time for one rate (kept per Decimal)', () => {
    const rate = parseDecimal('0.175', 'VAT rate');
    expect(formatPercent(rate)).toBe('17.5%');
    expect(formatPercent(rate)).toBe('17.5%');
    expect(formatPercent(new Decimal('0.05'))).toBe('5%');
  });
});

