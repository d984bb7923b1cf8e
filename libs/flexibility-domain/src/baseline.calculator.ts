import { Decimal } from 'decimal.js';
import { londonTime } from './london-clock.helper';

/**
 * The baseline: what the member would have used in each half-hour of the event had there been no event.
 *
 * Method (docs/decisions/0017-flexibility.md): for each half-hour of the window, the mean of the same
 * London half-hour on the previous 10 working days (Monday to Friday), leaving out event days and the
 * days the caller excludes (bank holidays). No in-day adjustment: the GB Demand Flexibility Service
 * scaled the baseline by usage in the hours before the event, and members learned to raise their use
 * just before events to inflate it. Without it a baseline is a little less accurate on unusual days, but
 * nothing a member does on the day can move it.
 */
export const BASELINE_DAYS = 10;
/** Fewer qualifying days than this with data in every slot: no baseline (not a guess). */
export const BASELINE_MIN_DAYS = 5;

export interface HalfHourUsage {
  /** Start of the half-hour: an ISO instant, or ms since the epoch (a settlement reads a million of them: no parsing). */
  readonly start: string | number;
  /** Decimal string. */
  readonly kWh: string;
}

export class BaselineUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BaselineUnavailableError';
  }
}

export interface BaselineInput {
  readonly windowStart: Date;
  readonly windowEnd: Date;
  /** The member's half-hourly usage before the event (any span; days outside the method are ignored). */
  readonly history: readonly HalfHourUsage[];
  /** London days (YYYY-MM-DD) that do not count: event days, bank holidays. */
  readonly excludedDays: ReadonlySet<string>;
}

export interface BaselineSlot {
  readonly start: string;
  readonly kWh: string;
}

export const instantMs = (start: string | number): number => (typeof start === 'number' ? start : Date.parse(start));

export function tenDayBaseline(input: BaselineInput): { slots: BaselineSlot[]; days: string[] } {
  const eventDay = londonTime(input.windowStart).day;
  // Decimal strings kept as they came: only the chosen days' half-hours become Decimals (a settlement runs this for every member).
  const byDay = new Map<string, Map<number, string[]>>();
  for (const h of input.history) {
    const t = londonTime(instantMs(h.start));
    if (t.day >= eventDay || t.weekday === 0 || t.weekday === 6 || input.excludedDays.has(t.day)) continue;
    let slots = byDay.get(t.day);
    if (!slots) byDay.set(t.day, (slots = new Map()));
    const prev = slots.get(t.minuteOfDay);
    if (prev) prev.push(h.kWh);
    else slots.set(t.minuteOfDay, [h.kWh]);
  }
  const wanted: Array<{ start: Date; minute: number }> = [];
  for (let t = input.windowStart.getTime(); t < input.windowEnd.getTime(); t += 30 * 60_000) wanted.push({ start: new Date(t), minute: londonTime(new Date(t)).minuteOfDay });
  // The most recent working days that have a value in every slot of the window.
  const days = [...byDay.keys()]
    .filter((d) => wanted.every((w) => byDay.get(d)!.has(w.minute)))
    .sort()
    .reverse()
    .slice(0, BASELINE_DAYS);
  if (days.length < BASELINE_MIN_DAYS) {
    throw new BaselineUnavailableError(`Only ${days.length} working days with usage in every half-hour of the window before ${eventDay}; the baseline needs ${BASELINE_MIN_DAYS}.`);
  }
  const slots = wanted.map((w) => ({
    start: w.start.toISOString(),
    kWh: Decimal.sum(...days.flatMap((d) => byDay.get(d)!.get(w.minute)!)).div(days.length).toString(),
  }));
  return { slots, days: days.sort() };
}
