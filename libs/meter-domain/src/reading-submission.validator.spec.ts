import fc from 'fast-check';
import { CLOCK_SKEW_ALLOWANCE_MS, validateReadingFields, type ReadingFieldsInput } from './reading-submission.validator';

const NOW = new Date('2022-03-31T20:00:00Z');

const electricity: ReadingFieldsInput = {
  supplyPointId: '1312345678907',
  fuel: 'electricity',
  meterSerial: 'E10BG12345',
  registerId: 'S',
  readAt: '2022-03-31T18:30:00Z',
  value: '01234.5',
};
const gas: ReadingFieldsInput = {
  supplyPointId: '7362810493',
  fuel: 'gas',
  meterSerial: 'G4A123',
  registerId: 'GAS',
  readAt: '2022-03-31T18:30:00Z',
  value: '4567',
};

const codes = (input: Partial<ReadingFieldsInput>, base = electricity) =>
  validateReadingFields({ ...base, ...input }, NOW).map((i) => `${i.field}:${i.code}`);

describe('validateReadingFields', () => {
  it('accepts valid electricity and gas submissions', () => {
    expect(validateReadingFields(electricity, NOW)).toEqual([]);
    expect(validateReadingFields(gas, NOW)).toEqual([]);
    expect(validateReadingFields({ ...electricity, registerId: '01' }, NOW)).toEqual([]);
    expect(validateReadingFields({ ...electricity, registerId: 'night' }, NOW)).toEqual([]);
  });

  describe('supply point', () => {
    it('names the failed MPAN check: check digit', () => {
      const [issue] = validateReadingFields({ ...electricity, supplyPointId: '1000000000000' }, NOW);
      expect(issue).toEqual({
        code: 'INVALID_MPAN',
        field: 'supplyPointId',
        message: 'MPAN core 1000000000000 fails its check digit; check the 13 digits on your bill.',
      });
    });

    it('names the failed MPAN check: distributor', () => {
      const [issue] = validateReadingFields({ ...electricity, supplyPointId: '9912345678901' }, NOW);
      expect(issue?.code).toBe('INVALID_MPAN');
      expect(issue?.message).toContain('starts with 99');
    });

    it('names the failed MPAN check: format, without echoing the input', () => {
      const [issue] = validateReadingFields({ ...electricity, supplyPointId: '<script>' }, NOW);
      expect(issue?.code).toBe('INVALID_MPAN');
      expect(issue?.message).toContain('13 digits');
      expect(issue?.message).not.toContain('<script>');
    });

    it('checks an MPRN for gas, and an MPRN is not an MPAN', () => {
      expect(codes({ supplyPointId: '12345' }, gas)).toEqual(['supplyPointId:INVALID_MPRN']);
      expect(codes({ supplyPointId: '7362810493' })).toEqual(['supplyPointId:INVALID_MPAN']);
    });

    it('a placeholder-looking MPRN is only a warning, so it passes here', () => {
      expect(codes({ supplyPointId: '0000000000' }, gas)).toEqual([]);
    });
  });

  it('rejects a bad meter serial', () => {
    expect(codes({ meterSerial: 'E10 BG12345' })).toEqual(['meterSerial:INVALID_METER_SERIAL']);
    expect(codes({ meterSerial: '' })).toEqual(['meterSerial:INVALID_METER_SERIAL']);
  });

  describe('register', () => {
    it('rejects unknown registers, listing the choices', () => {
      const [issue] = validateReadingFields({ ...electricity, registerId: 'R9' }, NOW);
      expect(issue?.code).toBe('INVALID_REGISTER');
      expect(issue?.message).toContain('DAY, NIGHT');
    });

    it('rejects a register of the other fuel', () => {
      expect(codes({ registerId: 'GAS' })).toEqual(['registerId:INVALID_REGISTER']);
      expect(codes({ registerId: 'S' }, gas)).toEqual(['registerId:INVALID_REGISTER']);
    });
  });

  describe('value', () => {
    it.each(['-5', 'NaN', '1234.56', 'abc', '12,345', '', '1e3', 'Infinity'])('rejects %p as INVALID_VALUE', (value) => {
      expect(codes({ value })).toEqual(['value:INVALID_VALUE']);
    });

    it('explains which value rule failed', () => {
      const message = (value: string) => validateReadingFields({ ...electricity, value }, NOW)[0]?.message;
      expect(message('-5')).toMatch(/negative/);
      expect(message('1234.56')).toMatch(/one digit after the decimal point/);
      expect(message('12,345')).toMatch(/no spaces or commas/);
    });

    it('must fit the register digits, 5 by default: 0 to 99999.9', () => {
      expect(codes({ value: '99999.9' })).toEqual([]);
      expect(codes({ value: '0' })).toEqual([]);
      expect(codes({ value: '100000' })).toEqual(['value:VALUE_EXCEEDS_REGISTER_DIGITS']);
      expect(codes({ value: '000099999' })).toEqual([]); // leading zeros do not add dials
    });

    it('honours a given dial count', () => {
      expect(codes({ value: '12345', digits: 4 })).toEqual(['value:VALUE_EXCEEDS_REGISTER_DIGITS']);
      expect(codes({ value: '123456', digits: 6 })).toEqual([]);
      const [issue] = validateReadingFields({ ...electricity, value: '12345', digits: 4 }, NOW);
      expect(issue?.message).toContain('4 digits');
    });

    it('reports a nonsense dial count as our data problem', () => {
      expect(codes({ digits: 0 })).toEqual(['digits:INVALID_REGISTER_DIGITS']);
      expect(codes({ digits: 5.5 })).toEqual(['digits:INVALID_REGISTER_DIGITS']);
    });
  });

  describe('readAt', () => {
    it.each(['2022-02-30', '2022-3-31', '31/03/2022', '2022-02-30T10:00:00Z', 'yesterday', '2022-03-31T18:30:00'])('rejects %p', (readAt) => {
      expect(codes({ readAt })).toEqual(['readAt:INVALID_READ_AT']);
    });
    it('takes a date alone as 00:00 Europe/London on that day ("a reading dated D")', () => {
      expect(codes({ readAt: '2022-03-31' })).toEqual([]);
      expect(codes({ readAt: '2022-01-15' })).toEqual([]);
      // 2 April starts at 2022-04-01T23:00Z (BST): in the future at the spec's clock, like any instant.
      expect(codes({ readAt: '2022-04-02' })).toEqual(['readAt:READ_AT_IN_FUTURE']);
      expect(codes({ readAt: '1999-12-31' })).toEqual(['readAt:READ_AT_OUT_OF_RANGE']);
    });

    it('allows 5 minutes of clock skew, and no more', () => {
      const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
      expect(codes({ readAt: at(CLOCK_SKEW_ALLOWANCE_MS) })).toEqual([]);
      expect(codes({ readAt: at(CLOCK_SKEW_ALLOWANCE_MS + 1) })).toEqual(['readAt:READ_AT_IN_FUTURE']);
      expect(codes({ readAt: '2022-04-02T09:00:00Z' })).toEqual(['readAt:READ_AT_IN_FUTURE']);
    });

    it('accepts old (backdated) readings: their history is checked elsewhere', () => {
      expect(codes({ readAt: '2021-09-30T09:00:00Z' })).toEqual([]);
    });

    it('refuses what the store cannot hold and anything before any supply started (regression: 1900-1969 got 202)', () => {
      for (const readAt of ['1900-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '1999-12-31T23:59:59Z', '2000-01-01T00:30:00+01:00']) {
        expect(codes({ readAt })).toEqual(['readAt:READ_AT_OUT_OF_RANGE']);
      }
      expect(codes({ readAt: '2000-01-01T00:00:00Z' })).toEqual([]);
      expect(validateReadingFields({ ...electricity, readAt: '1969-07-20T20:17:00Z' }, NOW)[0]?.message).toMatch(/before 1 January 2000/);
      // Past the store's end (only with a far-off clock): still refused.
      expect(validateReadingFields({ ...electricity, readAt: '2106-03-01T00:00:00Z' }, new Date('2107-01-01T00:00:00Z')).map((i) => i.code)).toEqual(['READ_AT_OUT_OF_RANGE']);
    });

    it('compares instants, not text, across offsets', () => {
      expect(codes({ readAt: '2022-03-31T21:04:00+01:00' })).toEqual([]); // 20:04Z
      expect(codes({ readAt: '2022-03-31T20:06:00+00:00' })).toEqual(['readAt:READ_AT_IN_FUTURE']);
    });
  });

  it('reports every issue at once', () => {
    expect(
      codes({ supplyPointId: '1000000000000', meterSerial: '!', registerId: 'X', value: '-1', readAt: 'never' }),
    ).toEqual([
      'supplyPointId:INVALID_MPAN',
      'meterSerial:INVALID_METER_SERIAL',
      'registerId:INVALID_REGISTER',
      'value:INVALID_VALUE',
      'readAt:INVALID_READ_AT',
    ]);
  });

  it('reports an unknown fuel instead of guessing the supply point type', () => {
    expect(codes({ fuel: 'oil' as never })).toEqual(['fuel:INVALID_FUEL']);
    expect(codes({ fuel: 'oil' as never, registerId: 'nope' })).toEqual(['fuel:INVALID_FUEL', 'registerId:INVALID_REGISTER']);
  });

  it('every message is a sentence a person can act on', () => {
    const issues = validateReadingFields(
      { supplyPointId: 'x', fuel: 'electricity', meterSerial: '', registerId: '', readAt: '', value: '' },
      NOW,
    );
    for (const i of issues) {
      expect(i.code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(i.message).toMatch(/^[A-Z].{20,}\.$/);
    }
  });

  it('property: never throws, and returns well-formed issues, for arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.record({
          supplyPointId: fc.string(),
          fuel: fc.constantFrom('electricity', 'gas', 'x') as fc.Arbitrary<'gas'>,
          meterSerial: fc.string(),
          registerId: fc.string(),
          readAt: fc.oneof(fc.string(), fc.constant('2022-03-31T18:30:00Z')),
          value: fc.oneof(fc.string(), fc.stringMatching(/^-?\d{1,7}(\.\d{1,2})?$/)),
          digits: fc.option(fc.integer({ min: -2, max: 15 }), { nil: undefined }),
        }),
        (input) => {
          const issues = validateReadingFields(input, NOW);
          for (const i of issues) expect(Object.keys(i).sort()).toEqual(['code', 'field', 'message']);
        },
      ),
    );
  });

  it('is total on garbage', () => {
    expect(() => validateReadingFields(null as never, NOW)).not.toThrow();
    expect(() => validateReadingFields(electricity, 'now' as never)).not.toThrow();
  });
});
