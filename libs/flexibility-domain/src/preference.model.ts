import { validationError, type FieldIssue } from '@surge/errors/app.error';
import { parseClock } from './london-clock.helper';

/**
 * A member's dispatch preference for one device, as one immutable version. Every change makes a new
 * version (1, 2, ...); old versions are kept, so a decision can name the version it followed and
 * customer service can see what the member had said at the time.
 *
 * `mode` applies outside every window; a window (London wall clock, may wrap midnight) overrides it for
 * the times it covers. When an event overlaps a protect window the device is protected: the member's
 * "no" wins over any "yes".
 */
export type PreferenceMode = 'allow' | 'protect';

export interface PreferenceWindow {
  readonly mode: PreferenceMode;
  /** 'HH:MM', London time. */
  readonly from: string;
  /** 'HH:MM', London time, exclusive; before `from` = wraps midnight. */
  readonly to: string;
}

export interface PreferenceVersion {
  readonly deviceId: string;
  readonly version: number;
  readonly mode: PreferenceMode;
  readonly windows: readonly PreferenceWindow[];
  /** When the member set it (ISO instant); a decision uses the latest version set before it is made. */
  readonly recordedAt: string;
}

/** The checks of a new preference; throws VALIDATION_FAILED with one issue per bad field. */
export function checkPreference(mode: string, windows: readonly PreferenceWindow[]): void {
  const issues: FieldIssue[] = [];
  if (mode !== 'allow' && mode !== 'protect') issues.push({ code: 'INVALID_MODE', field: 'mode', message: "mode is 'allow' or 'protect'" });
  windows.forEach((w, i) => {
    for (const f of ['from', 'to'] as const) {
      try {
        parseClock(w[f]);
      } catch {
        issues.push({ code: 'INVALID_TIME', field: `windows[${i}].${f}`, message: `${f} is a London time of day HH:MM, e.g. 17:00` });
      }
    }
    if (w.from === w.to) issues.push({ code: 'EMPTY_WINDOW', field: `windows[${i}]`, message: 'from and to are the same time: the window is empty' });
  });
  if (issues.length > 0) throw validationError('VALIDATION_FAILED', 'The preference is not valid; see issues.', issues);
}
