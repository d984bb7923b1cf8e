import { BaselineUnavailableError, instantMs, tenDayBaseline, type HalfHourUsage } from './baseline.calculator';
import type { IntervalUsage } from './earned-value.calculator';

/**
 * From a member's stored half-hourly usage to the intervals the earned value is computed on
 * (earned-value.calculator.ts): per half-hour of the event window, OUR baseline (tenDayBaseline over the
 * usage before the event day) and the usage actually measured in that half-hour.
 *
 * Per resource (a meter or sub-meter the member's VEN reports): each has its own history and baseline.
 * A member is settled for all their resources or not yet: if any resource lacks a baseline (fewer than
 * BASELINE_MIN_DAYS complete working days) or a half-hour of the window, nothing is paid now and the
 * reason is given; a later settlement run, after more reports, pays them (once).
 */
export const HALF_HOUR_MS = 30 * 60_000;
/** How far back the baseline may look (10 working days with event days and bank holidays left out, with room). */
export const BASELINE_LOOKBACK_DAYS = 42;

export interface DeliveredInput {
  readonly windowStart: Date;
  readonly windowEnd: Date;
  /** Every stored half-hour of the member, by resource (history and window together). */
  readonly usageByResource: ReadonlyMap<string, readonly HalfHourUsage[]>;
  /** London days that do not count: the member's earlier event days, bank holidays. */
  readonly excludedDays: ReadonlySet<string>;
}

export type DeliveredResult =
  | { readonly ok: true; readonly intervals: IntervalUsage[]; readonly baselineDays: string[] }
  | { readonly ok: false; readonly reason: 'no-usage' | 'no-baseline' | 'window-incomplete'; readonly detail: string };

export function deliveredIntervals(input: DeliveredInput): DeliveredResult {
  if (input.usageByResource.size === 0) return { ok: false, reason: 'no-usage', detail: 'No usage reported.' };
  const start = input.windowStart.getTime();
  const end = input.windowEnd.getTime();
  const intervals: IntervalUsage[] = [];
  const days = new Set<string>();
  for (const [resource, usage] of input.usageByResource) {
    const actual = new Map<number, string>();
    for (const u of usage) {
      const t = instantMs(u.start);
      if (t >= start && t < end) actual.set(t, u.kWh);
    }
    for (let t = start; t < end; t += HALF_HOUR_MS) {
      if (!actual.has(t)) return { ok: false, reason: 'window-incomplete', detail: `Resource ${resource} has no usage for the half-hour from ${new Date(t).toISOString()}.` };
    }
    let baseline: ReturnType<typeof tenDayBaseline>;
    try {
      baseline = tenDayBaseline({ windowStart: input.windowStart, windowEnd: input.windowEnd, history: usage, excludedDays: input.excludedDays });
    } catch (e) {
      if (e instanceof BaselineUnavailableError) return { ok: false, reason: 'no-baseline', detail: `Resource ${resource}: ${e.message}` };
      throw e;
    }
    for (const slot of baseline.slots) intervals.push({ baselineKwh: slot.kWh, actualKwh: actual.get(Date.parse(slot.start))! });
    baseline.days.forEach((d) => days.add(d));
  }
  return { ok: true, intervals, baselineDays: [...days].sort() };
}
