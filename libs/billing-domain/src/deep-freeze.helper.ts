// Issued bills are immutable values: everything the library returns as a bill is deeply
// frozen, so an accidental write throws (strict mode) instead of silently changing an
// issued bill.

/** Recursively freezes plain objects and arrays in place and returns the same value. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
