import { createHash } from 'node:crypto';

/**
 * Who gets a satisfaction survey, decided per reading outcome (the reading is
 * the interaction). Pure: the same outcomes and history always give the same
 * decisions, so a redelivered Kafka batch decides exactly as the first
 * delivery did (what it then finds already written is "already invited").
 *
 * Rules, in order:
 * 1. At most one invitation per interaction (readingId). The database
 *    enforces it too (unique key); this rule keeps the plan honest.
 * 2. A repeat of an accepted reading (`duplicateOf` set) is not asked about:
 *    it is the same reading journey again, already covered by the original
 *    submission, and asking twice would count one journey twice.
 * 3. Only customer-facing channels: web, app and collector (the customer met
 *    a meter reader). The D0010 industry feed has no customer in the loop.
 * 4. Stale: an invitation expires TTL hours after the interaction. If that
 *    moment has already passed when we decide (say, CSAT was catching up
 *    after a long outage), no invitation is made: it would be born expired.
 * 5. Sampling: a deterministic point in [0, 1) from a hash of the readingId;
 *    invited when below the rate. No randomness, so redeliveries agree.
 * 6. Throttle: no two invitations of one account with interactions less
 *    than N days apart, in either direction (outcomes of one account reach
 *    us from two topics, so not necessarily in time order). Only sampled
 *    interactions consume an account's allowance.
 */
export type SurveyChannel = 'web' | 'app' | 'collector';
export type SurveyOutcome = 'accepted' | 'rejected' | 'held';
export type CustomerCategory = 'A' | 'B' | 'C' | 'D';

export const SURVEY_CHANNELS: readonly SurveyChannel[] = ['web', 'app', 'collector'];
export const SURVEY_OUTCOMES: readonly SurveyOutcome[] = ['accepted', 'rejected', 'held'];
export const CUSTOMER_CATEGORIES: readonly CustomerCategory[] = ['A', 'B', 'C', 'D'];

export interface InvitationPolicy {
  /** Share of eligible interactions invited, 0..1 (1: everyone, subject to the throttle). */
  readonly samplingRate: number;
  /** At most one invitation per account per this many days (0: no throttle). */
  readonly minDaysBetweenInvitations: number;
  /** An invitation can be answered until this many hours after the interaction. */
  readonly ttlHours: number;
}

/** The facts of one reading outcome the rules need. */
export interface Interaction {
  readonly readingId: string;
  readonly accountId: string;
  readonly channel: string;
  readonly status: SurveyOutcome;
  readonly reasonCode: string | null;
  readonly duplicateOf: string | null;
  /** When the outcome was decided (what the customer saw), ms since epoch. */
  readonly decidedAtMs: number;
}

export type SkipReason = 'already_invited' | 'duplicate_reading' | 'channel_not_surveyed' | 'stale' | 'not_sampled' | 'throttled';

export type InvitationDecision =
  | { readonly invite: true; readonly interaction: Interaction; readonly channel: SurveyChannel; readonly expiresAtMs: number }
  | { readonly invite: false; readonly interaction: Interaction; readonly reason: SkipReason };

/** What is already stored, as far as the batch's interactions are concerned. */
export interface InvitationHistory {
  readonly invitedReadingIds: ReadonlySet<string>;
  /** Interaction times (ms) of each account's existing invitations within the throttle range of the batch. */
  readonly invitationTimesByAccount: ReadonlyMap<string, readonly number[]>;
}

const DAY_MS = 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;

/** A deterministic, uniformly spread point in [0, 1) for an interaction. */
export function samplingPoint(readingId: string): number {
  const digest = createHash('sha256').update(`csat-sampling:${readingId}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function isSampled(readingId: string, samplingRate: number): boolean {
  if (samplingRate >= 1) return true;
  if (samplingRate <= 0) return false;
  return samplingPoint(readingId) < samplingRate;
}

/** True when another invitation of the account lies less than the minimum gap away, before or after. */
export function isThrottled(atMs: number, otherInvitationTimesMs: readonly number[], minDaysBetweenInvitations: number): boolean {
  if (minDaysBetweenInvitations <= 0) return false;
  const gap = minDaysBetweenInvitations * DAY_MS;
  return otherInvitationTimesMs.some((t) => Math.abs(t - atMs) < gap);
}

export const expiryOf = (decidedAtMs: number, ttlHours: number): number => decidedAtMs + ttlHours * HOUR_MS;

export const isSurveyChannel = (channel: string): channel is SurveyChannel => (SURVEY_CHANNELS as readonly string[]).includes(channel);

/** The range of interaction times whose invitations can throttle any interaction of the batch. */
export function throttleLookupRange(interactions: readonly Interaction[], policy: InvitationPolicy): { fromMs: number; toMs: number } | null {
  if (interactions.length === 0 || policy.minDaysBetweenInvitations <= 0) return null;
  const times = interactions.map((i) => i.decidedAtMs);
  const gap = policy.minDaysBetweenInvitations * DAY_MS;
  return { fromMs: Math.min(...times) - gap, toMs: Math.max(...times) + gap };
}

/**
 * Decides every interaction of a batch in order. Invitations planned earlier
 * in the batch count for the throttle and the one-per-interaction rule of
 * later ones, exactly as if they had been stored one by one.
 */
export function planInvitations(
  interactions: readonly Interaction[],
  history: InvitationHistory,
  policy: InvitationPolicy,
  nowMs: number,
): InvitationDecision[] {
  const invited = new Set(history.invitedReadingIds);
  const times = new Map<string, number[]>();
  for (const [account, list] of history.invitationTimesByAccount) times.set(account, [...list]);
  return interactions.map((interaction): InvitationDecision => {
    const skip = (reason: SkipReason): InvitationDecision => ({ invite: false, interaction, reason });
    if (invited.has(interaction.readingId)) return skip('already_invited');
    if (interaction.duplicateOf) return skip('duplicate_reading');
    if (!isSurveyChannel(interaction.channel)) return skip('channel_not_surveyed');
    const expiresAtMs = expiryOf(interaction.decidedAtMs, policy.ttlHours);
    if (expiresAtMs <= nowMs) return skip('stale');
    if (!isSampled(interaction.readingId, policy.samplingRate)) return skip('not_sampled');
    const accountTimes = times.get(interaction.accountId) ?? [];
    if (isThrottled(interaction.decidedAtMs, accountTimes, policy.minDaysBetweenInvitations)) return skip('throttled');
    invited.add(interaction.readingId);
    accountTimes.push(interaction.decidedAtMs);
    times.set(interaction.accountId, accountTimes);
    return { invite: true, interaction, channel: interaction.channel, expiresAtMs };
  });
}
