import { Decimal } from 'decimal.js';
import { DEVICE_BEHAVIOUR } from './device.model';
import type { DispatchDecision } from './dispatch.decider';
import { spokenClock } from './london-clock.helper';

/**
 * The words the member reads. At the start: what is dispatched or paused, when each paused device
 * resumes, and what stays on (protected devices, in the member's terms: a protected stove is "Dinner
 * uninterrupted."). At the end: delivered kWh and the money earned. Devices the event does not target
 * are not mentioned (they were never going to change).
 */
export function startNotificationText(decisions: readonly DispatchDecision[]): string {
  const sentences: string[] = [];
  const dispatched = decisions.filter((d) => d.action === 'dispatch');
  for (const d of dispatched.filter((x) => DEVICE_BEHAVIOUR[x.kind].dispatch === 'discharge')) sentences.push(`${DEVICE_BEHAVIOUR[d.kind].label} dispatching now.`);
  for (const d of dispatched.filter((x) => DEVICE_BEHAVIOUR[x.kind].dispatch === 'pause')) {
    sentences.push(`${DEVICE_BEHAVIOUR[d.kind].label} paused; will resume at ${spokenClock(d.resumeAt!)}.`);
  }
  const kept = new Set<string>();
  for (const d of decisions.filter((x) => x.action === 'protect' && x.reason !== 'kind-not-targeted')) kept.add(DEVICE_BEHAVIOUR[d.kind].whenProtected);
  sentences.push(...kept);
  if (dispatched.length === 0) sentences.unshift('Flexibility event now; none of your devices take part this time.');
  return sentences.join(' ');
}

/** kWh to one decimal place, pence as pounds: "You contributed 4.2 kWh. You earned £2.40." */
export function endNotificationText(deliveredKwh: string, earnedPence: string): string {
  const kwh = new Decimal(deliveredKwh).toDecimalPlaces(1, Decimal.ROUND_HALF_UP).toFixed(1);
  const pounds = new Decimal(earnedPence).div(100).toFixed(2);
  if (new Decimal(deliveredKwh).lte(0)) return `Thanks for taking part. Your usage was not below your baseline this time, so there is nothing to pay (£${pounds}).`;
  return `You contributed ${kwh} kWh. You earned £${pounds}.`;
}
