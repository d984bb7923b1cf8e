// Issued bills are immutable values: everything the library returns as a bill is deeply
// frozen, so an accidental write throws (strict mode) instead of silently changing an
// issued bill.
import type { Bill } from './bill.model';

/** Recursively freezes plain objects and arrays in place and returns the same value. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * deepFreeze for the one shape every bill run freezes a million times (profiled, issue 18, fifth round: the generic
 * walk's Object.keys and recursion into every string were 4% of a bill's computation): the bill, its period and
 * totals, its lines, its registers with their readings and estimate bases. Every one of those holds only
 * primitives besides the objects named here (bill.model.ts); bill.calculator.spec.ts walks computed bills to
 * prove nothing reachable is left unfrozen.
 */
export function freezeBill<T extends Bill>(bill: T): T {
  for (const line of bill.lines) Object.freeze(line);
  Object.freeze(bill.lines);
  for (const register of bill.registers) {
    for (const reading of register.readings) {
      if (reading.estimate !== undefined) Object.freeze(reading.estimate);
      Object.freeze(reading);
    }
    Object.freeze(register.readings);
    Object.freeze(register);
  }
  Object.freeze(bill.registers);
  Object.freeze(bill.period);
  Object.freeze(bill.totals);
  return Object.freeze(bill);
}
