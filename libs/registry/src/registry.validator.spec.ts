import { AppError } from '@surge/errors/app.error';
import { parseOrThrow } from '@surge/validation/schema.parser';
import { SAMPLE_MPAN, sampleAccount, sampleMpan, sampleTariff } from '@surge-test/fixtures/registry.stub';
import { createAccountSchema, createTariffSchema } from './registry.schema';
import { accountProblems, overlappingPeriods, tariffProblems, throwIfProblems } from './registry.validator';

const codes = (issues: { code: string }[]) => issues.map((i) => i.code);

describe('registry validation', () => {
  it('takes the sample account and tariffs', () => {
    expect(accountProblems(parseOrThrow(createAccountSchema, sampleAccount('ACC-1')))).toEqual([]);
    expect(tariffProblems(parseOrThrow(createTariffSchema, sampleTariff('T-E')))).toEqual([]);
    expect(tariffProblems(parseOrThrow(createTariffSchema, sampleTariff('T-G', 'gas')))).toEqual([]);
    expect(accountProblems(sampleAccount('A', sampleMpan(7)))).toEqual([]);
  });

  it('refuses an MPAN whose check digit is wrong, naming the field', () => {
    const bad = `${SAMPLE_MPAN.slice(0, 12)}${(Number(SAMPLE_MPAN[12]) + 1) % 10}`;
    const issues = accountProblems(sampleAccount('A', bad));
    expect(issues).toEqual([expect.objectContaining({ code: 'INVALID_MPAN', field: 'supplyPoints.0.supplyPointId' })]);
    expect(issues[0]!.message).toMatch(/check digit/);
    expect(codes(accountProblems(sampleAccount('A', '0900000000000')))).toEqual(['INVALID_MPAN']);
  });

  it('refuses registers that do not fit the supply point, and duplicates', () => {
    const a = sampleAccount('A');
    const sp = a.supplyPoints[0]!;
    const req = {
      ...a,
      supplyPoints: [
        { ...sp, meters: [{ ...sp.meters[0]!, meterSerial: 'BAD SERIAL!', registers: [{ registerId: 'GAS' as const, kind: 'gas' as const, digits: 5, unit: 'm3' as const }, { registerId: 'S' as const, kind: 'import' as const, digits: 5, unit: 'm3' as const }] }] },
        { ...sp },
      ],
    };
    expect(codes(accountProblems(req)).sort()).toEqual(['DUPLICATE', 'INVALID_METER_SERIAL', 'INVALID_REGISTER', 'INVALID_REGISTER'].sort());
  });

  it('refuses gas registers in kWh and an MPRN that is not 6 to 11 digits', () => {
    const req = {
      ...sampleAccount('A'),
      supplyPoints: [{ supplyPointId: '12345', fuel: 'gas' as const, supplyStart: '2021-01-01', meters: [{ meterSerial: 'G1', installedOn: '2021-01-01', registers: [{ registerId: 'GAS' as const, kind: 'gas' as const, digits: 5, unit: 'kWh' as const }] }] }],
    };
    expect(codes(accountProblems(req)).sort()).toEqual(['INVALID_MPRN', 'INVALID_REGISTER']);
  });

  it('finds overlapping half-open periods, open-ended included', () => {
    expect(overlappingPeriods([{ validFrom: '2022-01-01', validTo: '2022-04-01' }, { validFrom: '2022-04-01', validTo: null }])).toEqual([]);
    expect(overlappingPeriods([{ validFrom: '2022-01-01', validTo: null }, { validFrom: '2022-04-01', validTo: '2022-05-01' }])).toEqual([[0, 1]]);
    expect(overlappingPeriods([{ validFrom: '2022-01-01', validTo: '2022-04-02' }, { validFrom: '2022-04-01' }])).toEqual([[0, 1]]);
  });

  it('refuses overlapping rates, backwards periods and a register kind the fuel has not', () => {
    const t = sampleTariff('T');
    const bad = {
      ...t,
      unitRates: [...t.unitRates, { registerKind: 'import' as const, validFrom: '2022-06-01', validTo: '2022-05-01', exVat: '1', incVat: '1.05' }, { registerKind: 'gas' as const, validFrom: '2022-01-01', validTo: null, exVat: '1', incVat: '1.05' }],
      standingCharges: [...t.standingCharges, { validFrom: '2022-03-01', validTo: null, exVat: '1', incVat: '1.05' }],
    };
    const issues = tariffProblems(bad);
    expect(codes(issues)).toContain('INVALID_REGISTER');
    expect(issues.filter((i) => i.code === 'INVALID_RATE_PERIOD').map((i) => i.field)).toEqual(expect.arrayContaining(['unitRates.2.validTo', 'standingCharges.2']));
  });

  it('throws one VALIDATION_FAILED listing every issue', () => {
    let caught: unknown;
    try {
      throwIfProblems(accountProblems(sampleAccount('A', '1000000000000')));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('VALIDATION_FAILED');
    expect((caught as AppError).details.issues).toHaveLength(1);
  });

  it('schema refuses JSON numbers for money, unknown fields and impossible dates', () => {
    expect(() => parseOrThrow(createTariffSchema, { ...sampleTariff('T'), unitRates: [{ registerKind: 'import', validFrom: '2022-04-01', exVat: 27, incVat: '28.34' }] })).toThrow(/decimal string/);
    expect(() => parseOrThrow(createAccountSchema, { ...sampleAccount('A'), extra: 1 })).toThrow(AppError);
    expect(() => parseOrThrow(createAccountSchema, { ...sampleAccount('A'), effectiveFrom: '2022-02-30' })).toThrow(/calendar date/);
  });
});
