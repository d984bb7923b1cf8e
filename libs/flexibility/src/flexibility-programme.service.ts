import type { Pool, PoolClient } from 'pg';
import type { Principal } from '@surge/auth/principal.model';
import { conflict, notFound } from '@surge/errors/app.error';
import { EARNED_VALUE_SCHEMA, NOTIFICATION_SCHEMA, type EarnedValueV1, type NotificationV1 } from '@surge/flexibility-contracts/flexibility.events';
import type { HalfHourUsage } from '@surge/flexibility-domain/baseline.calculator';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from '@surge/flexibility-domain/bank-holiday.catalog';
import { BASELINE_LOOKBACK_DAYS, deliveredIntervals, HALF_HOUR_MS } from '@surge/flexibility-domain/delivered-energy.calculator';
import { earnedValue, type IntervalUsage } from '@surge/flexibility-domain/earned-value.calculator';
import { londonTime } from '@surge/flexibility-domain/london-clock.helper';
import { endNotificationText } from '@surge/flexibility-domain/notification.composer';
import { inTransaction } from '@surge/postgres/postgres.transaction';
import { requireFlexScope } from './flexibility-access.policy';
import { guard, type FlexServiceOptions } from './flexibility-member.service';
import { enqueueFacts, type FlexFact } from './flexibility-outbox.writer';
import type { EventRequest, ProgrammeRequest } from './flexibility.schema';
import { dispatchEvent, type DispatchSummary, type EventRow } from './dispatch.engine';

/** Members not settled by a run, with why (a later run, after more reports, settles them once). */
export interface UnsettledMember {
  readonly accountId: string;
  readonly reason: 'no-usage' | 'no-baseline' | 'window-incomplete';
  readonly detail: string;
}

/**
 * The programme team's side (flex:manage): programmes, events, the dispatch run, settlement, and the
 * programme view (flex:read). Each write is one transaction with its outbox rows.
 */
export class FlexibilityProgrammeService {
  private readonly now: () => Date;

  constructor(private readonly pool: Pool, private readonly options: FlexServiceOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async createProgramme(principal: Principal, req: ProgrammeRequest) {
    requireFlexScope(principal, 'flex:manage');
    return this.write(async (c) => {
      const r = await c.query('INSERT INTO flex_programmes (programme_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [req.programmeId, req.name]);
      if (!r.rowCount) throw conflict('PROGRAMME_ALREADY_EXISTS', `Programme ${req.programmeId} exists.`);
      return { programmeId: req.programmeId, name: req.name };
    });
  }

  async createEvent(principal: Principal, programmeId: string, req: EventRequest) {
    requireFlexScope(principal, 'flex:manage');
    return this.write(async (c) => {
      const p = await c.query('SELECT 1 FROM flex_programmes WHERE programme_id = $1', [programmeId]);
      if (!p.rowCount) throw notFound('PROGRAMME_NOT_FOUND', `No programme ${programmeId}.`);
      const r = await c.query(
        `INSERT INTO flex_events (event_id, programme_id, window_start, window_end, regions, categories, device_kinds, requested_kw, price_pence_per_kwh)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
        [req.eventId, programmeId, req.windowStart, req.windowEnd, req.target.regions ?? null, req.target.categories ?? null, req.target.deviceKinds ?? null, req.requestedKw, req.pricePencePerKwh],
      );
      if (!r.rowCount) throw conflict('FLEX_EVENT_ALREADY_EXISTS', `Event ${req.eventId} exists; events are not overwritten.`);
      return this.eventView(c, req.eventId);
    });
  }

  async getEvent(principal: Principal, eventId: string) {
    requireFlexScope(principal, 'flex:read');
    return guard(async () => {
      const c = await this.pool.connect();
      try {
        return await this.eventView(c, eventId);
      } finally {
        c.release();
      }
    });
  }

  /** Idempotent: a second call (a retry after a lost response) returns the recorded outcome, decides nothing again. */
  async dispatch(principal: Principal, eventId: string): Promise<DispatchSummary & { alreadyDispatched: boolean }> {
    requireFlexScope(principal, 'flex:manage');
    return this.write(async (c) => {
      const event = await this.lockEvent(c, eventId);
      if (event.status !== 'scheduled') {
        const { rows } = await c.query<{ n: string; dispatched: string; members: string }>(
          `SELECT count(*) AS n, count(*) FILTER (WHERE action = 'dispatch') AS dispatched, count(DISTINCT account_id) AS members FROM flex_dispatch_decisions WHERE event_id = $1`,
          [eventId],
        );
        const r = rows[0]!;
        return { eventId, devices: Number(r.n), dispatched: Number(r.dispatched), protected: Number(r.n) - Number(r.dispatched), members: Number(r.members), decideMs: 0, recordMs: 0, alreadyDispatched: true };
      }
      const summary = await dispatchEvent(c, event, this.now());
      await c.query(`UPDATE flex_events SET status = 'dispatched', dispatched_at = $2 WHERE event_id = $1`, [eventId, this.now()]);
      return { ...summary, alreadyDispatched: false };
    });
  }

  /**
   * Earned value for every member with a dispatched device, after the window ended, from the half-hours
   * their VENs reported (flex_usage_intervals): per resource, OUR baseline (the mean of the same London
   * half-hours over the previous 10 working days, the member's earlier event days and bank holidays left
   * out; flexibility-domain/baseline.calculator.ts) minus the usage measured in the window. A VEN's own
   * BASELINE is never paid on. A member without a baseline or with a half-hour of the window missing is not
   * settled now and is listed with the reason; each member settles once: (event, account) is the key of
   * flex_earned_values, so running it again (after late reports) adds only the newly settleable members;
   * the credit id `<event>:<account>` lets billing apply it once whatever the redeliveries.
   */
  async settle(principal: Principal, eventId: string) {
    requireFlexScope(principal, 'flex:manage');
    return this.write(async (c) => {
      const event = await this.lockEvent(c, eventId);
      if (event.status === 'scheduled') throw conflict('FLEX_EVENT_NOT_DISPATCHED', `Event ${eventId} has not been dispatched.`);
      if (event.window_end.getTime() > this.now().getTime()) throw conflict('FLEX_EVENT_NOT_ENDED', `Event ${eventId} ends at ${event.window_end.toISOString()}; settle it after that.`);
      const t0 = performance.now();
      const { members: rows, unsettled, readMs } = await this.deliveredByMember(c, event);
      const at = this.now().toISOString();
      const facts: FlexFact[] = [];
      const values = rows.map((r) => {
        const v = earnedValue(r.intervals, event.price);
        const credit: EarnedValueV1 = {
          schema: EARNED_VALUE_SCHEMA,
          creditId: `${eventId}:${r.account_id}`,
          eventId,
          programmeId: event.programme_id,
          programmeName: event.programme_name,
          accountId: r.account_id,
          category: r.category as EarnedValueV1['category'],
          windowStart: event.window_start.toISOString(),
          windowEnd: event.window_end.toISOString(),
          ...v,
          source: 'device-report',
          settledAt: at,
        };
        const note: NotificationV1 = { schema: NOTIFICATION_SCHEMA, notificationId: `${eventId}:${r.account_id}:end`, eventId, accountId: r.account_id, moment: 'end', text: endNotificationText(v.deliveredKwh, v.earnedPence), sentAt: at };
        facts.push({ topic: 'flexEarnedValue', payload: credit }, { topic: 'flexNotifications', payload: note });
        return { credit, note };
      });
      const recordStart = performance.now();
      if (values.length > 0) {
        await c.query(
          `INSERT INTO flex_earned_values (event_id, account_id, category, baseline_kwh, actual_kwh, delivered_kwh, price_pence_per_kwh, earned_pence, source, settled_at)
           SELECT x.* FROM json_to_recordset($1::json) AS x(event_id text, account_id text, category text, baseline_kwh numeric, actual_kwh numeric, delivered_kwh numeric, price_pence_per_kwh numeric, earned_pence bigint, source text, settled_at timestamptz)`,
          [JSON.stringify(values.map(({ credit: v }) => ({ event_id: eventId, account_id: v.accountId, category: v.category, baseline_kwh: v.baselineKwh, actual_kwh: v.actualKwh, delivered_kwh: v.deliveredKwh, price_pence_per_kwh: v.pricePencePerKwh, earned_pence: v.earnedPence, source: v.source, settled_at: at })))],
        );
        await c.query(
          `INSERT INTO flex_notifications (notification_id, event_id, account_id, moment, text, sent_at)
           SELECT x.id, x.event_id, x.account_id, 'end', x.text, x.sent_at FROM json_to_recordset($1::json) AS x(id text, event_id text, account_id text, text text, sent_at timestamptz) ON CONFLICT DO NOTHING`,
          [JSON.stringify(values.map(({ note }) => ({ id: note.notificationId, event_id: eventId, account_id: note.accountId, text: note.text, sent_at: at })))],
        );
        await enqueueFacts(c, facts);
      }
      await c.query(`UPDATE flex_events SET status = 'settled', settled_at = $2 WHERE event_id = $1`, [eventId, at]);
      return {
        eventId,
        settledMembers: values.length,
        credits: values.map(({ credit, note }) => ({ accountId: credit.accountId, deliveredKwh: credit.deliveredKwh, earnedPence: credit.earnedPence, text: note.text })),
        unsettledMembers: unsettled.length,
        unsettled: unsettled.slice(0, 100),
        // Where the time went (the bench prints it): reading the stored half-hours and event days, the
        // baseline and value of every member, recording earned values, notes and outbox rows.
        readMs: Math.round(readMs),
        computeMs: Math.round(recordStart - t0 - readMs),
        recordMs: Math.round(performance.now() - recordStart),
      };
    });
  }

  /**
   * The members of the event not yet settled, with their delivered-energy intervals. One query for the
   * stored half-hours that can matter (the window, and the window's London times of day over the lookback),
   * one for the members' earlier event days; the method itself is the pure domain's.
   */
  private async deliveredByMember(c: PoolClient, event: EventRow & { event_id: string }) {
    const ws = event.window_start;
    const we = event.window_end;
    const from = new Date(ws.getTime() - BASELINE_LOOKBACK_DAYS * 24 * 3600_000);
    const times: string[] = [];
    for (let t = ws.getTime(); t < we.getTime(); t += HALF_HOUR_MS) {
      const m = londonTime(new Date(t)).minuteOfDay;
      times.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
    }
    const pending = `SELECT account_id, min(category) AS category FROM flex_dispatch_decisions d
                      WHERE d.event_id = $1 AND d.action = 'dispatch'
                        AND NOT EXISTS (SELECT 1 FROM flex_earned_values v WHERE v.event_id = $1 AND v.account_id = d.account_id)
                      GROUP BY account_id`;
    const r0 = performance.now();
    // rowMode array: a 100k-device event brings a million half-hours; no per-row objects for them.
    const usage = await c.query<[string, string, string, string]>({
      text: `SELECT u.account_id, u.resource, (extract(epoch FROM u.interval_start) * 1000)::bigint::text, u.kwh::text
               FROM (${pending}) m JOIN flex_usage_intervals u ON u.account_id = m.account_id
              WHERE u.interval_start >= $2 AND u.interval_start < $3
                AND (u.interval_start >= $4 OR to_char(u.interval_start AT TIME ZONE 'Europe/London', 'HH24:MI') = ANY($5::text[]))`,
      values: [event.event_id, from, we, ws, times],
      rowMode: 'array',
    });
    const members = await c.query<{ account_id: string; category: string; days: string[] | null }>(
      `SELECT m.account_id, m.category,
              (SELECT array_agg(DISTINCT x.day) FROM flex_dispatch_decisions d2 JOIN flex_events e2 ON e2.event_id = d2.event_id,
                      LATERAL (VALUES (to_char(e2.window_start AT TIME ZONE 'Europe/London', 'YYYY-MM-DD')), (to_char((e2.window_end - interval '1 microsecond') AT TIME ZONE 'Europe/London', 'YYYY-MM-DD'))) x(day)
                WHERE d2.account_id = m.account_id AND d2.action = 'dispatch' AND e2.event_id <> $1 AND e2.window_end > $2 AND e2.window_start < $3) AS days
         FROM (${pending}) m`,
      [event.event_id, from, ws],
    );
    const readMs = performance.now() - r0;
    const byAccount = new Map<string, Map<string, HalfHourUsage[]>>();
    for (const [account, resource, at, kWh] of usage.rows) {
      let resources = byAccount.get(account);
      if (!resources) byAccount.set(account, (resources = new Map()));
      let list = resources.get(resource);
      if (!list) resources.set(resource, (list = []));
      list.push({ start: Number(at), kWh });
    }
    const settled: Array<{ account_id: string; category: string; intervals: IntervalUsage[] }> = [];
    const unsettled: UnsettledMember[] = [];
    for (const m of members.rows) {
      const excluded = m.days?.length ? new Set([...ENGLAND_AND_WALES_BANK_HOLIDAYS, ...m.days]) : ENGLAND_AND_WALES_BANK_HOLIDAYS;
      const r = deliveredIntervals({ windowStart: ws, windowEnd: we, usageByResource: byAccount.get(m.account_id) ?? new Map(), excludedDays: excluded });
      if (r.ok) settled.push({ account_id: m.account_id, category: m.category, intervals: r.intervals });
      else unsettled.push({ accountId: m.account_id, reason: r.reason, detail: r.detail });
    }
    return { members: settled, unsettled, readMs };
  }

  /**
   * The programme view: participation (members and devices targeted, dispatched, protected), protection
   * rates by device kind and part of the day ("47% of members with stoves protect them in evening windows":
   * members who had a device of the kind targeted and protected by their own preference, over members
   * with that kind targeted), and delivered kWh and value by category A-D.
   */
  async view(principal: Principal, programmeId: string) {
    requireFlexScope(principal, 'flex:read');
    return guard(async () => {
      const p = await this.pool.query('SELECT name FROM flex_programmes WHERE programme_id = $1', [programmeId]);
      if (!p.rowCount) throw notFound('PROGRAMME_NOT_FOUND', `No programme ${programmeId}.`);
      const [participation, protection, delivered] = await Promise.all([
        this.pool.query(
          `SELECT count(DISTINCT e.event_id)::int AS events, count(DISTINCT d.account_id)::int AS members, count(*)::int AS "deviceDecisions",
                  count(*) FILTER (WHERE d.action = 'dispatch')::int AS dispatched, count(*) FILTER (WHERE d.action = 'protect' AND d.reason <> 'kind-not-targeted')::int AS protected,
                  count(DISTINCT d.account_id) FILTER (WHERE d.action = 'dispatch')::int AS "membersDispatched"
             FROM flex_events e JOIN flex_dispatch_decisions d ON d.event_id = e.event_id WHERE e.programme_id = $1`,
          [programmeId],
        ),
        this.pool.query(
          `WITH per_member AS (
             SELECT d.kind, CASE WHEN extract(hour FROM e.window_start AT TIME ZONE 'Europe/London') < 6 THEN 'night'
                                 WHEN extract(hour FROM e.window_start AT TIME ZONE 'Europe/London') < 12 THEN 'morning'
                                 WHEN extract(hour FROM e.window_start AT TIME ZONE 'Europe/London') < 16 THEN 'afternoon'
                                 WHEN extract(hour FROM e.window_start AT TIME ZONE 'Europe/London') < 22 THEN 'evening' ELSE 'night' END AS "dayPart",
                    d.account_id, bool_or(d.action = 'protect') AS protected
               FROM flex_events e JOIN flex_dispatch_decisions d ON d.event_id = e.event_id
              WHERE e.programme_id = $1 AND d.reason <> 'kind-not-targeted'
              GROUP BY 1, 2, 3)
           SELECT kind, "dayPart", count(*)::int AS members, count(*) FILTER (WHERE protected)::int AS "membersProtecting",
                  round(100.0 * count(*) FILTER (WHERE protected) / count(*))::int AS "protectionRatePercent"
             FROM per_member GROUP BY 1, 2 ORDER BY 1, 2`,
          [programmeId],
        ),
        this.pool.query(
          `SELECT v.category, count(*)::int AS members, coalesce(sum(v.delivered_kwh), 0)::text AS "deliveredKwh", coalesce(sum(v.earned_pence), 0)::text AS "earnedPence"
             FROM flex_earned_values v JOIN flex_events e ON e.event_id = v.event_id WHERE e.programme_id = $1 GROUP BY 1 ORDER BY 1`,
          [programmeId],
        ),
      ]);
      const byCategory = Object.fromEntries(['A', 'B', 'C', 'D'].map((k) => [k, delivered.rows.find((r) => r.category === k) ?? { category: k, members: 0, deliveredKwh: '0', earnedPence: '0' }]));
      return {
        programmeId,
        name: p.rows[0].name,
        participation: participation.rows[0],
        protection: protection.rows.map((r) => ({ ...r, insight: `${r.protectionRatePercent}% of members with a ${r.kind.replace('_', ' ')} protect it in ${r.dayPart} windows` })),
        deliveredByCategory: byCategory,
      };
    });
  }

  private async lockEvent(c: PoolClient, eventId: string): Promise<EventRow & { status: string; price: string; programme_name: string }> {
    const { rows } = await c.query(
      `SELECT e.event_id, e.programme_id, p.name AS programme_name, e.window_start, e.window_end, e.regions, e.categories, e.device_kinds, e.status, e.price_pence_per_kwh::text AS price
         FROM flex_events e JOIN flex_programmes p ON p.programme_id = e.programme_id WHERE e.event_id = $1 FOR UPDATE OF e`,
      [eventId],
    );
    if (!rows[0]) throw notFound('FLEX_EVENT_NOT_FOUND', `No event ${eventId}.`);
    return rows[0];
  }

  private async eventView(c: PoolClient, eventId: string) {
    const { rows } = await c.query(
      `SELECT event_id AS "eventId", programme_id AS "programmeId", window_start AS "windowStart", window_end AS "windowEnd",
              json_build_object('regions', regions, 'categories', categories, 'deviceKinds', device_kinds) AS target,
              requested_kw::text AS "requestedKw", price_pence_per_kwh::text AS "pricePencePerKwh", status, dispatched_at AS "dispatchedAt", settled_at AS "settledAt"
         FROM flex_events WHERE event_id = $1`,
      [eventId],
    );
    if (!rows[0]) throw notFound('FLEX_EVENT_NOT_FOUND', `No event ${eventId}.`);
    return rows[0];
  }

  private async write<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    const result = await guard(() => inTransaction(this.pool, work));
    this.options.onCommitted?.();
    return result;
  }
}

/** Programs and events as a VEN sees them (any authenticated caller: programme terms are not secret). */
export class OpenAdrCatalogue {
  constructor(private readonly pool: Pool) {}

  programs() {
    return guard(async () => (await this.pool.query('SELECT programme_id, name, created_at FROM flex_programmes ORDER BY programme_id LIMIT 200')).rows);
  }

  events(programId: string | undefined) {
    return guard(
      async () =>
        (
          await this.pool.query(
            `SELECT event_id, programme_id, window_start, window_end, price_pence_per_kwh::text AS price, created_at FROM flex_events
              WHERE ($1::text IS NULL OR programme_id = $1) ORDER BY window_start DESC LIMIT 200`,
            [programId ?? null],
          )
        ).rows,
    );
  }
}
