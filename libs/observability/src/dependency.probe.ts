/** A readiness check waits this long for a dependency, at most: a frozen server is "down" within ~1 s, not after a client timeout. */
export const PROBE_TIMEOUT_MS = 1000;

/**
 * Runs one readiness check: true when `check` resolved true within `ms`.
 * Never throws and never waits longer than `ms` (the request left behind is
 * bounded by its own client's timeout).
 */
export function probe(check: () => Promise<boolean>, ms = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    check().then(
      (ok) => {
        clearTimeout(timer);
        resolve(ok);
      },
      () => {
        clearTimeout(timer);
        resolve(false);
      },
    );
  });
}

/** Reads one reported value within `ms`: null when it failed or took longer (a report must never hold up a health check). */
export function probeValue<T>(read: () => Promise<T>, ms = PROBE_TIMEOUT_MS): Promise<T | null> {
  return new Promise<T | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    read().then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(null);
      },
    );
  });
}
