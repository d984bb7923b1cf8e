import { expiryOf, isSampled, isThrottled, planInvitations, samplingPoint, throttleLookupRange, type Interaction, type InvitationHistory } from './invitation.policy';

const DAY = 24 * 3600 * 1000;
const T0 = Date.parse('2022-03-31T09:00:00Z');
const policy = { samplingRate: 1, minDaysBetweenInvitations: 30, ttlHours: 72 };
const empty: InvitationHistory = { invitedReadingIds: new Set(), invitationTimesByAccount: new Map() };
let n = 0;
const interaction = (o: Partial<Interaction> = {}): Interaction => ({
  readingId: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  accountId: 'A-1',
  channel: 'web',
  status: 'accepted',
  reasonCode: null,
  duplicateOf: null,
  decidedAtMs: T0,
  ...o,
});

describe('sampling', () => {
  it('is deterministic per reading id and spreads evenly', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `reading-${i}`);
    expect(ids.map(samplingPoint)).toEqual(ids.map(samplingPoint));
    const share = ids.filter((id) => isSampled(id, 0.3)).length / ids.length;
    expect(share).toBeGreaterThan(0.28);
    expect(share).toBeLessThan(0.32);
  });

  it('rate 1 invites everyone and rate 0 no one', () => {
    expect(['a', 'b', 'c'].every((id) => isSampled(id, 1))).toBe(true);
    expect(['a', 'b', 'c'].some((id) => isSampled(id, 0))).toBe(false);
  });

  it('a higher rate keeps every reading a lower rate sampled (nested samples)', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `r-${i}`);
    for (const id of ids.filter((x) => isSampled(x, 0.1))) expect(isSampled(id, 0.5)).toBe(true);
  });
});

describe('throttle and expiry', () => {
  it('blocks another invitation less than N days away, before or after', () => {
    expect(isThrottled(T0, [T0 - 29 * DAY], 30)).toBe(true);
    expect(isThrottled(T0, [T0 + 29 * DAY], 30)).toBe(true);
    expect(isThrottled(T0, [T0 - 30 * DAY], 30)).toBe(false);
    expect(isThrottled(T0, [T0], 0)).toBe(false);
  });

  it('expires TTL hours after the interaction', () => {
    expect(expiryOf(T0, 72)).toBe(T0 + 3 * DAY);
  });

  it('looks up history over the batch span widened by N days each side', () => {
    expect(throttleLookupRange([interaction({ decidedAtMs: T0 }), interaction({ decidedAtMs: T0 + DAY })], policy)).toEqual({ fromMs: T0 - 30 * DAY, toMs: T0 + 31 * DAY });
    expect(throttleLookupRange([interaction()], { ...policy, minDaysBetweenInvitations: 0 })).toBeNull();
  });
});

describe('planInvitations', () => {
  const now = T0 + 1000;

  it('invites with an expiry and skips what the rules exclude, with the reason', () => {
    const invited = interaction();
    const decisions = planInvitations(
      [
        invited,
        interaction({ accountId: 'A-2', duplicateOf: invited.readingId }),
        interaction({ accountId: 'A-3', channel: 'd0010' }),
        interaction({ accountId: 'A-4', decidedAtMs: now - 73 * 3600 * 1000 }),
      ],
      empty,
      policy,
      now,
    );
    expect(decisions[0]).toMatchObject({ invite: true, channel: 'web', expiresAtMs: T0 + 3 * DAY });
    expect(decisions.slice(1).map((d) => (d.invite ? 'invite' : d.reason))).toEqual(['duplicate_reading', 'channel_not_surveyed', 'stale']);
  });

  it('at most one invitation per interaction, in the batch and against history', () => {
    const a = interaction({ accountId: 'A-10' });
    const decisions = planInvitations([a, { ...a }], { ...empty, invitedReadingIds: new Set() }, { ...policy, minDaysBetweenInvitations: 0 }, now);
    expect(decisions.map((d) => d.invite)).toEqual([true, false]);
    const again = planInvitations([a], { invitedReadingIds: new Set([a.readingId]), invitationTimesByAccount: new Map([['A-10', [T0]]]) }, policy, now);
    expect(again[0]).toMatchObject({ invite: false, reason: 'already_invited' });
  });

  it('one invitation per account per N days, within a batch and against history', () => {
    const decisions = planInvitations(
      [interaction({ accountId: 'A-20' }), interaction({ accountId: 'A-20', decidedAtMs: T0 + DAY }), interaction({ accountId: 'A-21' })],
      empty,
      policy,
      now,
    );
    expect(decisions.map((d) => (d.invite ? 'invite' : d.reason))).toEqual(['invite', 'throttled', 'invite']);
    const withHistory = planInvitations([interaction({ accountId: 'A-22' })], { invitedReadingIds: new Set(), invitationTimesByAccount: new Map([['A-22', [T0 - 10 * DAY]]]) }, policy, now);
    expect(withHistory[0]).toMatchObject({ invite: false, reason: 'throttled' });
  });

  it('an unsampled interaction does not use up the account\u2019s allowance', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `x-${i}`);
    const unsampled = ids.find((id) => !isSampled(id, 0.5))!;
    const sampled = ids.find((id) => isSampled(id, 0.5))!;
    const decisions = planInvitations(
      [interaction({ accountId: 'A-30', readingId: unsampled }), interaction({ accountId: 'A-30', readingId: sampled, decidedAtMs: T0 + 1 })],
      empty,
      { ...policy, samplingRate: 0.5 },
      now,
    );
    expect(decisions.map((d) => (d.invite ? 'invite' : d.reason))).toEqual(['not_sampled', 'invite']);
  });

  it('a redelivered batch decides the same as the first delivery would, given the same history', () => {
    const batch = Array.from({ length: 50 }, (_, i) => interaction({ accountId: `A-${40 + (i % 7)}`, decidedAtMs: T0 + i * 1000 }));
    const p = { ...policy, samplingRate: 0.6 };
    expect(planInvitations(batch, empty, p, now)).toEqual(planInvitations(batch, empty, p, now));
  });
});
