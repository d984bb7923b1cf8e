import type { Fuel, Unit } from './register.model';

/**
 * Where a reading came from, after the industry reading types:
 * C customer own read, R routine read by an agent, X smart/remote read,
 * D deemed/estimated, A change of supplier, Z change of tenancy, F final,
 * I initial. Only D is an estimate: every other source is an actual reading.
 */
export type ReadingSource = 'C' | 'R' | 'X' | 'D' | 'A' | 'Z' | 'F' | 'I';

export const READING_SOURCES: readonly ReadingSource[] = ['C', 'R', 'X', 'D', 'A', 'Z', 'F', 'I'];

export const READING_SOURCE_DESCRIPTIONS: Readonly<Record<ReadingSource, string>> = {
  C: 'customer own read',
  R: 'routine read by an agent',
  X: 'smart (remote) read',
  D: 'deemed or estimated',
  A: 'change of supplier',
  Z: 'change of tenancy',
  F: 'final',
  I: 'initial',
};

/** How the reading reached us. */
export type Channel = 'web' | 'app' | 'collector' | 'd0010';

export const CHANNELS: readonly Channel[] = ['web', 'app', 'collector', 'd0010'];

export function isReadingSource(x: unknown): x is ReadingSource {
  return typeof x === 'string' && (READING_SOURCES as readonly string[]).includes(x);
}

export function isChannel(x: unknown): x is Channel {
  return typeof x === 'string' && (CHANNELS as readonly string[]).includes(x);
}

/** Estimates may be replaced by actual readings; actual readings are never overwritten. */
export function isEstimate(source: ReadingSource): boolean {
  return source === 'D';
}

export interface MeterReading {
  readingId: string;
  accountId: string;
  /** MPAN core (electricity) or MPRN (gas). */
  supplyPointId: string;
  fuel: Fuel;
  meterSerial: string;
  /** Canonical register id (see parseRegisterId). */
  registerId: string;
  /** When the meter showed the value: an ISO 8601 UTC instant. May be long before submittedAt (backdated reads). */
  readAt: string;
  /** Exact decimal as a string, never a float; at most one decimal place. */
  value: string;
  unit: Unit;
  source: ReadingSource;
  channel: Channel;
  /** When we received it: an ISO 8601 UTC instant. */
  submittedAt: string;
}
