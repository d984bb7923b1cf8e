import type { Pool, PoolClient } from 'pg';
import type { Principal } from '@surge/auth/principal.model';
import { AppError, conflict, notFound, validationError } from '@surge/errors/app.error';
import { MEMBERSHIP_SCHEMA } from '@surge/flexibility-contracts/flexibility.events';
import { BASELINE_LOOKBACK_DAYS, HALF_HOUR_MS } from '@surge/flexibility-domain/delivered-energy.calculator';
import { checkPreference, type PreferenceWindow } from '@surge/flexibility-domain/preference.model';
import { inTransaction } from '@surge/postgres/postgres.transaction';
import { memberOf, ownAccount } from './flexibility-access.policy';
import { enqueueFacts, type FlexFact } from './flexibility-outbox.writer';
import type { EnrolmentRequest, PreferenceRequest, ReportRequest } from './flexibility.schema';

export interface FlexServiceOptions {
  readonly onCommitted?: () => void;
  readonly now?: () => Date;
}

export interface PreferenceVersionView {
  readonly version: number;
  readonly mode: string;
  readonly windows: readonly PreferenceWindow[];
  readonly recordedAt: string;
}

/**
 * The member's side: enrol devices, set preferences (each change a new version; all kept), post device
 * reports, read their own devices, decisions and notifications. One transaction per request, with its
 * outbox rows. A category D customer who enrols becomes an active participant: flexibility records
 * category C for its own targeting and publishes `category-change-requested` on flex.membership.v1 for
 * the registry (the owner of accounts) to apply; it never writes the registry's tables.
 */
export class FlexibilityMemberService {
  private readonly now: () => Date;

  constructor(private readonly pool: Pool, private readonly options: FlexServiceOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async enrol(principal: Principal, accountId: string, req: EnrolmentRequest) {
    memberOf(principal, accountId);
    req.devices.forEach((d) => d.preference && checkPreference(d.preference.mode, d.preference.windows));
    const at = this.now().toISOString();
    const category = req.category === 'D' ? 'C' : req.category;
    return this.write(async (c) => {
      const existing = await c.query<{ account_id: string }>('SELECT account_id FROM flex_members WHERE account_id = $1 FOR UPDATE', [accountId]);
      await c.query(
        `INSERT INTO flex_members (account_id, category, region, enrolled_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_id) DO UPDATE SET region = EXCLUDED.region`,
        [accountId, category, req.region, at],
      );
      const taken = await c.query<{ device_id: string }>('SELECT device_id FROM flex_devices WHERE device_id = ANY($1)', [req.devices.map((d) => d.deviceId)]);
      if (taken.rowCount) throw conflict('DEVICE_ALREADY_ENROLLED', `Device ${taken.rows[0]!.device_id} is already enrolled; change its preferences with PUT .../devices/${taken.rows[0]!.device_id}/preference.`);
      for (const d of req.devices) {
        await c.query('INSERT INTO flex_devices (device_id, account_id, kind, name, enrolled_at) VALUES ($1, $2, $3, $4, $5)', [d.deviceId, accountId, d.kind, d.name ?? d.kind, at]);
        if (d.preference) await this.insertVersion(c, d.deviceId, d.preference);
      }
      const facts: FlexFact[] = [];
      if (existing.rowCount === 0) {
        facts.push({ topic: 'flexMembership', payload: { schema: MEMBERSHIP_SCHEMA, membershipEventId: `${accountId}:enrolled`, accountId, change: 'enrolled', categoryFrom: req.category, categoryTo: category, reason: 'Enrolled in flexibility', at } });
        if (req.category === 'D') {
          facts.push({
            topic: 'flexMembership',
            payload: { schema: MEMBERSHIP_SCHEMA, membershipEventId: `${accountId}:category-D-C`, accountId, change: 'category-change-requested', categoryFrom: 'D', categoryTo: 'C', reason: 'A passive consumer who enrols flexible devices becomes a passive participant (C)', at },
          });
        }
      }
      await enqueueFacts(c, facts);
      return { accountId, category, region: req.region, devices: await this.devicesOf(c, accountId), categoryChange: req.category === 'D' && existing.rowCount === 0 ? { from: 'D', to: 'C' } : null };
    });
  }

  async setPreference(principal: Principal, accountId: string, deviceId: string, req: PreferenceRequest) {
    memberOf(principal, accountId);
    checkPreference(req.mode, req.windows);
    return this.write(async (c) => {
      await this.requireDevice(c, accountId, deviceId, true);
      const version = await this.insertVersion(c, deviceId, req);
      return { deviceId, ...version, history: await this.history(c, deviceId) };
    });
  }

  async devices(principal: Principal, accountId: string) {
    ownAccount(principal, accountId);
    return this.read(async (c) => {
      const member = await c.query('SELECT account_id, category, region, enrolled_at FROM flex_members WHERE account_id = $1', [accountId]);
      if (!member.rowCount) throw notFound('ACCOUNT_NOT_FOUND', `Account ${accountId} is not enrolled in flexibility.`);
      return { accountId, category: member.rows[0].category, region: member.rows[0].region, devices: await this.devicesOf(c, accountId) };
    });
  }

  /** Decisions about the member's devices and the notifications they were sent (customer service sees the same). */
  async activity(principal: Principal, accountId: string) {
    ownAccount(principal, accountId);
    return this.read(async (c) => {
      const decisions = await c.query(
        `SELECT event_id AS "eventId", device_id AS "deviceId", kind, action, reason, preference_version AS "preferenceVersion", decided_window AS "window",
                resume_at AS "resumeAt", explanation, decided_at AS "decidedAt"
           FROM flex_dispatch_decisions WHERE account_id = $1 ORDER BY decided_at DESC, device_id LIMIT 500`,
        [accountId],
      );
      const notifications = await c.query(
        `SELECT notification_id AS "notificationId", event_id AS "eventId", moment, text, sent_at AS "sentAt" FROM flex_notifications WHERE account_id = $1 ORDER BY sent_at DESC LIMIT 200`,
        [accountId],
      );
      const earned = await c.query(
        `SELECT event_id AS "eventId", delivered_kwh::text AS "deliveredKwh", earned_pence::text AS "earnedPence", settled_at AS "settledAt" FROM flex_earned_values WHERE account_id = $1 ORDER BY settled_at DESC LIMIT 200`,
        [accountId],
      );
      return { accountId, decisions: decisions.rows, notifications: notifications.rows, earned: earned.rows };
    });
  }

  /**
   * A device report for an event (OpenADR 3 report: half-hours of USAGE per resource, kWh). The member's
   * own account only. Intervals may cover the event window and the BASELINE_LOOKBACK_DAYS before it: the
   * history our baseline is computed from (the event asks for it: reportDescriptors, historical). Each
   * half-hour is kept once in flex_usage_intervals; the same value again is a no-op (a VEN retrying, or the
   * same history sent with the next event's report), another value is 409 USAGE_ALREADY_REPORTED and
   * nothing of the report is stored. The same reportId with other content is 409 REPORT_ALREADY_RECEIVED.
   */
  async report(principal: Principal, accountId: string, eventId: string, req: ReportRequest) {
    ownAccount(principal, accountId);
    return this.write(async (c) => {
      const ev = await c.query<{ window_start: Date; window_end: Date }>(
        `SELECT e.window_start, e.window_end FROM flex_events e
          WHERE e.event_id = $1 AND EXISTS (SELECT 1 FROM flex_dispatch_decisions d WHERE d.event_id = e.event_id AND d.account_id = $2)`,
        [eventId, accountId],
      );
      if (!ev.rowCount) throw notFound('FLEX_EVENT_NOT_FOUND', `No dispatched event ${eventId} for account ${accountId}.`);
      const { window_start: ws, window_end: we } = ev.rows[0]!;
      const earliest = ws.getTime() - BASELINE_LOOKBACK_DAYS * 24 * 3600_000;
      const seen = new Set<string>();
      req.intervals.forEach((i, n) => {
        const s = Date.parse(i.start);
        if (i.durationMinutes !== 30 || s % HALF_HOUR_MS !== 0) {
          throw validationError('REPORT_INTERVAL_NOT_HALF_HOUR', `Interval ${n} (${i.start}, ${i.durationMinutes} min) is not a half-hour starting on the hour or half past; report usage per half-hour (PT30M).`, [
            { code: 'REPORT_INTERVAL_NOT_HALF_HOUR', field: `intervals[${n}]`, message: 'a half-hour (PT30M) starting on the hour or half past' },
          ]);
        }
        if (s < earliest || s + HALF_HOUR_MS > we.getTime()) {
          throw validationError('REPORT_OUTSIDE_WINDOW', `Interval ${n} (${i.start}) lies outside what event ${eventId} takes: its window up to ${we.toISOString()} and the ${BASELINE_LOOKBACK_DAYS} days before ${ws.toISOString()}.`, [
            { code: 'REPORT_OUTSIDE_WINDOW', field: `intervals[${n}].start`, message: `inside the event window or the ${BASELINE_LOOKBACK_DAYS} days before it` },
          ]);
        }
        const key = `${i.resource}|${s}`;
        if (seen.has(key)) {
          throw validationError('VALIDATION_FAILED', `Interval ${n} repeats the half-hour from ${i.start} of resource ${i.resource}; send each half-hour once.`, [
            { code: 'DUPLICATE_INTERVAL', field: `intervals[${n}].start`, message: 'each half-hour of a resource once' },
          ]);
        }
        seen.add(key);
      });
      if (req.deviceId) await this.requireDevice(c, accountId, req.deviceId, false);
      const ins = await c.query(
        `INSERT INTO flex_reports (report_id, event_id, account_id, device_id, client_name, intervals) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (report_id) DO NOTHING`,
        [req.reportId, eventId, accountId, req.deviceId ?? null, req.clientName, JSON.stringify(req.intervals)],
      );
      if (!ins.rowCount) {
        const same = await c.query('SELECT 1 FROM flex_reports WHERE report_id = $1 AND event_id = $2 AND account_id = $3 AND intervals = $4::jsonb', [req.reportId, eventId, accountId, JSON.stringify(req.intervals)]);
        if (!same.rowCount) throw conflict('REPORT_ALREADY_RECEIVED', `Report ${req.reportId} was already received with other content; send a new reportId.`);
        return { reportId: req.reportId, eventId, accountId, intervals: req.intervals.length, newIntervals: 0 };
      }
      // One statement: the new half-hours inserted, and the already stored ones that disagree found (the
      // CTE's inserts are not visible to the outer SELECT, so only earlier rows are compared).
      const { rows } = await c.query<{ resource: string; at: Date; kwh: string; inserted: string }>(
        `WITH x AS (SELECT * FROM json_to_recordset($1::json) AS x(resource text, interval_start timestamptz, kwh numeric)),
              ins AS (INSERT INTO flex_usage_intervals (account_id, resource, interval_start, kwh, report_id)
                      SELECT $2, resource, interval_start, kwh, $3 FROM x ON CONFLICT DO NOTHING RETURNING 1)
         SELECT x.resource, x.interval_start AS at, u.kwh::text AS kwh, (SELECT count(*) FROM ins)::text AS inserted
           FROM x LEFT JOIN flex_usage_intervals u ON u.account_id = $2 AND u.resource = x.resource AND u.interval_start = x.interval_start AND u.kwh <> x.kwh
          ORDER BY u.kwh IS NULL, x.interval_start LIMIT 1`,
        [JSON.stringify(req.intervals.map((i) => ({ resource: i.resource, interval_start: i.start, kwh: i.usageKwh }))), accountId, req.reportId],
      );
      const clash = rows[0];
      if (clash?.kwh != null) {
        throw conflict('USAGE_ALREADY_REPORTED', `The half-hour from ${clash.at.toISOString()} of resource ${clash.resource} was already reported as ${clash.kwh} kWh; reported usage is not rewritten. Nothing of report ${req.reportId} was stored.`);
      }
      return { reportId: req.reportId, eventId, accountId, intervals: req.intervals.length, newIntervals: Number(clash?.inserted ?? 0) };
    });
  }

  private async insertVersion(c: PoolClient, deviceId: string, p: PreferenceRequest): Promise<PreferenceVersionView> {
    const { rows } = await c.query<{ version: number; recorded_at: Date }>(
      `INSERT INTO flex_preference_versions (device_id, version, mode, windows)
       SELECT $1, coalesce(max(version), 0) + 1, $2, $3::jsonb FROM flex_preference_versions WHERE device_id = $1
       RETURNING version, recorded_at`,
      [deviceId, p.mode, JSON.stringify(p.windows)],
    );
    return { version: rows[0]!.version, mode: p.mode, windows: p.windows, recordedAt: rows[0]!.recorded_at.toISOString() };
  }

  private async requireDevice(c: PoolClient, accountId: string, deviceId: string, lock: boolean): Promise<void> {
    const r = await c.query(`SELECT 1 FROM flex_devices WHERE device_id = $1 AND account_id = $2 ${lock ? 'FOR UPDATE' : ''}`, [deviceId, accountId]);
    if (!r.rowCount) throw notFound('DEVICE_NOT_FOUND', `No device ${deviceId} on account ${accountId}.`);
  }

  private async history(c: PoolClient, deviceId: string): Promise<PreferenceVersionView[]> {
    const { rows } = await c.query<{ version: number; mode: string; windows: PreferenceWindow[]; recorded_at: Date }>(
      'SELECT version, mode, windows, recorded_at FROM flex_preference_versions WHERE device_id = $1 ORDER BY version',
      [deviceId],
    );
    return rows.map((r) => ({ version: r.version, mode: r.mode, windows: r.windows, recordedAt: r.recorded_at.toISOString() }));
  }

  private async devicesOf(c: PoolClient, accountId: string) {
    const { rows } = await c.query<{ device_id: string; kind: string; name: string }>('SELECT device_id, kind, name FROM flex_devices WHERE account_id = $1 ORDER BY device_id', [accountId]);
    return Promise.all(rows.map(async (r) => ({ deviceId: r.device_id, kind: r.kind, name: r.name, preferences: await this.history(c, r.device_id) })));
  }

  private async write<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    const result = await guard(() => inTransaction(this.pool, work));
    this.options.onCommitted?.();
    return result;
  }

  private read<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    return guard(async () => {
      const c = await this.pool.connect();
      try {
        return await work(c);
      } finally {
        c.release();
      }
    });
  }
}

/** Our refusals pass through; a lost database is 503 (retriable), never a 500 or a false 2xx. */
export async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof AppError) throw e;
    const code = (e as { code?: string }).code;
    if (code === '23505') throw conflict('FLEX_EVENT_ALREADY_EXISTS', 'That already exists.');
    if (code && /^(08|57P|53)/.test(code)) throw new AppError('unavailable', 'DEPENDENCY_UNAVAILABLE', 'The flexibility database is unavailable; retry after Retry-After seconds.', { retryAfterSeconds: 5, cause: e });
    if (/ECONNREFUSED|ETIMEDOUT|terminat|Connection/i.test(String((e as Error).message))) {
      throw new AppError('unavailable', 'DEPENDENCY_UNAVAILABLE', 'The flexibility database is unavailable; retry after Retry-After seconds.', { retryAfterSeconds: 5, cause: e });
    }
    throw e;
  }
}
