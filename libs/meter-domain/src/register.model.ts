/**
 * Fuels, register kinds, their identifiers and units.
 *
 * Register ids are normalised to one canonical id per kind, so the same
 * register submitted as `01` one day and `S` the next is one history.
 * Economy 7 registers are named explicitly (DAY/NIGHT): which physical dial is
 * which varies by meter, so it is never guessed from a number.
 */
export type Fuel = 'electricity' | 'gas';
export type RegisterKind = 'import' | 'export' | 'day' | 'night' | 'gas';
/** kWh for electricity; gas meters count cubic metres (metric) or hundreds of cubic feet (imperial). */
export type Unit = 'kWh' | 'm3' | 'ft3x100';

export const FUELS: readonly Fuel[] = ['electricity', 'gas'];
export const REGISTER_KINDS: readonly RegisterKind[] = ['import', 'export', 'day', 'night', 'gas'];
export const UNITS: readonly Unit[] = ['kWh', 'm3', 'ft3x100'];

export interface ParsedRegister {
  /** The canonical id: S, EXPORT, DAY, NIGHT or GAS. */
  id: string;
  kind: RegisterKind;
}

const REGISTERS: ReadonlyMap<string, ParsedRegister> = new Map([
  ['S', { id: 'S', kind: 'import' }],
  ['01', { id: 'S', kind: 'import' }],
  ['A1', { id: 'EXPORT', kind: 'export' }],
  ['EXPORT', { id: 'EXPORT', kind: 'export' }],
  ['DAY', { id: 'DAY', kind: 'day' }],
  ['NIGHT', { id: 'NIGHT', kind: 'night' }],
  ['GAS', { id: 'GAS', kind: 'gas' }],
]);

/** The accepted spellings, for messages. */
export const ACCEPTED_REGISTER_IDS: Readonly<Record<Fuel, readonly string[]>> = {
  electricity: ['S', '01', 'DAY', 'NIGHT', 'A1', 'EXPORT'],
  gas: ['GAS'],
};

/** Normalises a register id (case-insensitive, surrounding spaces ignored); null when it is not one we know. */
export function parseRegisterId(id: string): ParsedRegister | null {
  if (typeof id !== 'string') return null;
  const found = REGISTERS.get(id.trim().toUpperCase());
  return found ? { id: found.id, kind: found.kind } : null;
}

export function fuelOfRegisterKind(kind: RegisterKind): Fuel {
  return kind === 'gas' ? 'gas' : 'electricity';
}

export function unitsForFuel(fuel: Fuel): readonly Unit[] {
  return fuel === 'gas' ? ['m3', 'ft3x100'] : ['kWh'];
}

export function isFuel(x: unknown): x is Fuel {
  return x === 'electricity' || x === 'gas';
}

export function isUnit(x: unknown): x is Unit {
  return x === 'kWh' || x === 'm3' || x === 'ft3x100';
}
