import type { ReadingSource } from '@surge/meter-domain/reading.model';

/**
 * The 028 reading type (data item J0171) to the platform's reading source.
 * The codes the platform has a source for map to it; the others by their
 * meaning in the MRA data catalogue (docs/industry-flows.md has the table).
 * The rule that decides the doubtful ones: anything that is not a value a
 * meter showed to someone or something (an estimate, an old supplier's
 * estimate, a value a data collector changed by hand) is an estimate (D), so
 * a later actual supersedes it and it never stands as an actual.
 */
export type D0010ReadingType = 'A' | 'C' | 'D' | 'F' | 'I' | 'M' | 'O' | 'P' | 'Q' | 'R' | 'S' | 'T' | 'U' | 'V' | 'W' | 'X' | 'Y' | 'Z';

export interface ReadingTypeMapping {
  readonly meaning: string;
  readonly source: ReadingSource;
  /** True exactly when source is D: held as an estimate, replaceable by an actual. */
  readonly estimated: boolean;
  /** A reading of this type is always held for review (W: withdrawn). */
  readonly holdForReview?: boolean;
}

const actual = (meaning: string, source: Exclude<ReadingSource, 'D'>): ReadingTypeMapping => ({ meaning, source, estimated: false });
const estimate = (meaning: string): ReadingTypeMapping => ({ meaning, source: 'D', estimated: true });

export const READING_TYPES: Readonly<Record<D0010ReadingType, ReadingTypeMapping>> = {
  A: actual('actual change of supplier read', 'A'),
  C: actual('customer own read', 'C'),
  D: estimate('deemed (settlement registers) or estimated (non-settlement registers)'),
  F: actual('final', 'F'),
  I: actual('initial', 'I'),
  M: actual('meter advance reconciliation (MAR) read, taken by an agent', 'R'),
  O: estimate('old supplier\u2019s estimated change of supplier reading'),
  P: actual('electronically collected via a prepayment meter infrastructure provider (PPMIP)', 'X'),
  Q: estimate('meter reading modified manually by the data collector'),
  R: actual('routine', 'R'),
  S: actual('special read, taken by an agent', 'R'),
  T: actual('proving test reading, taken by an agent', 'R'),
  U: actual('forward migration, change of agent', 'R'),
  V: actual('forward migration, change of supplier', 'A'),
  W: { ...estimate('withdrawn'), holdForReview: true },
  X: actual('smart or remote read', 'X'),
  Y: actual('reverse migration, change of supplier', 'A'),
  Z: actual('actual change of tenancy read', 'Z'),
};

export function readingTypeMapping(code: string): ReadingTypeMapping | undefined {
  return Object.prototype.hasOwnProperty.call(READING_TYPES, code) ? READING_TYPES[code as D0010ReadingType] : undefined;
}
