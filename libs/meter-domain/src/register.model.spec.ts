import fc from 'fast-check';
import { fuelOfRegisterKind, isFuel, isUnit, parseRegisterId, unitsForFuel } from './register.model';

describe('parseRegisterId', () => {
  it.each([
    ['S', 'S', 'import'],
    ['01', 'S', 'import'],
    ['A1', 'EXPORT', 'export'],
    ['EXPORT', 'EXPORT', 'export'],
    ['DAY', 'DAY', 'day'],
    ['NIGHT', 'NIGHT', 'night'],
    ['GAS', 'GAS', 'gas'],
    ['s', 'S', 'import'],
    ['export', 'EXPORT', 'export'],
    ['a1', 'EXPORT', 'export'],
    [' Night ', 'NIGHT', 'night'],
  ])('%p -> %s (%s)', (input, id, kind) => {
    expect(parseRegisterId(input)).toEqual({ id, kind });
  });

  it.each(['', '1', '02', 'A2', 'IMPORT', 'E7', 'DAYNIGHT', 'toString', '__proto__', 'S1'])('rejects %p', (input) => {
    expect(parseRegisterId(input)).toBeNull();
  });

  it('rejects non-strings', () => {
    expect(parseRegisterId(undefined as unknown as string)).toBeNull();
  });

  it('property: normalising is idempotent', () => {
    fc.assert(
      fc.property(fc.constantFrom('S', '01', 'A1', 'EXPORT', 'DAY', 'NIGHT', 'GAS', 's', 'day', ' gas'), (input) => {
        const once = parseRegisterId(input)!;
        expect(parseRegisterId(once.id)).toEqual(once);
      }),
    );
  });
});

describe('fuels and units', () => {
  it('maps register kinds to fuels', () => {
    expect(fuelOfRegisterKind('gas')).toBe('gas');
    for (const k of ['import', 'export', 'day', 'night'] as const) expect(fuelOfRegisterKind(k)).toBe('electricity');
  });

  it('gives each fuel its units', () => {
    expect(unitsForFuel('electricity')).toEqual(['kWh']);
    expect(unitsForFuel('gas')).toEqual(['m3', 'ft3x100']);
  });

  it('guards fuel and unit values', () => {
    expect(isFuel('gas')).toBe(true);
    expect(isFuel('Gas')).toBe(false);
    expect(isUnit('ft3x100')).toBe(true);
    expect(isUnit('kwh')).toBe(false);
  });
});
