import type { PoolClient } from 'pg';
import { DISPATCH_SCHEMA, NOTIFICATION_SCHEMA, type NotificationV1 } from '@surge/flexibility-contracts/flexibility.events';
import type { DeviceKind } from '@surge/flexibility-domain/device.model';
import { decideAll, type DispatchDecision, type DeviceToDecide } from '@surge/flexibility-domain/dispatch.decider';
import { startNotificationText } from '@surge/flexibility-domain/notification.composer';
import type { PreferenceVersion, PreferenceWindow } from '@surge/flexibility-domain/preference.model';

export interface EventRow {
  readonly event_id: string;
  readonly programme_id: string;
  readonly window_start: Date;
  readonly window_end: Date;
  readonly regions: string[] | null;
  readonly categories: string[] | null;
  readonly device_kinds: string[] | null;
}

export interface DispatchSummary {
  readonly eventId: string;
  readonly devices: number;
  readonly dispatched: number;
  readonly protected: number;
  readonly members: number;
  readonly decideMs: number;
  readonly recordMs: number;
}

const ROWS_PER_STATEMENT = 20_000;

/**
 * Decides every enrolled device of the event's target and records it, inside the caller's transaction
 * (the event row is locked FOR UPDATE by the caller, so a second dispatch waits and then finds it done).
 *
 *   1. one query: the target's devices with the latest preference version recorded before the decision;
 *   2. pure: decideAll (libs/flexibility-domain);
 *   3. bulk inserts (unnest of arrays, 20,000 rows a statement): the decisions and one start notification
 *      per member; then the outbox rows, built by PostgreSQL from those rows (one flex.dispatch.v1 record per
 *      member with all its devices' decisions, protected ones and why included; one flex.notifications.v1
 *      record per member).
 * All of it commits together or not at all; the relay publishes after the commit (at least once).
 */
export async function dispatchEvent(c: PoolClient, event: EventRow, decidedAt: Date): Promise<DispatchSummary> {
  const { rows } = await c.query<{ device_id: string; account_id: string; kind: DeviceKind; category: string; version: number | null; mode: 'allow' | 'protect' | null; windows: PreferenceWindow[] | null; recorded_at: Date | null }>(
    `SELECT d.device_id, d.account_id, d.kind, m.category, p.version, p.mode, p.windows, p.recorded_at
       FROM flex_devices d
       JOIN flex_members m ON m.account_id = d.account_id
       LEFT JOIN LATERAL (
         SELECT version, mode, windows, recorded_at FROM flex_preference_versions v
          WHERE v.device_id = d.device_id AND v.recorded_at <= $3 ORDER BY version DESC LIMIT 1) p ON true
      WHERE ($1::text[] IS NULL OR m.region = ANY($1)) AND ($2::text[] IS NULL OR m.category = ANY($2))
      ORDER BY d.account_id, d.device_id`,
    [event.regions, event.categories, decidedAt],
  );
  const t0 = performance.now();
  const devices: DeviceToDecide[] = rows.map((r) => ({
    deviceId: r.device_id,
    kind: r.kind,
    preference: r.version === null ? null : ({ deviceId: r.device_id, version: r.version, mode: r.mode!, windows: r.windows ?? [], recordedAt: r.recorded_at!.toISOString() } satisfies PreferenceVersion),
  }));
  const decisions = decideAll({ start: event.window_start, end: event.window_end, deviceKinds: (event.device_kinds as DeviceKind[] | null) ?? null }, devices);
  const byAccount = new Map<string, { category: string; decisions: DispatchDecision[] }>();
  decisions.forEach((d, i) => {
    const r = rows[i]!;
    let a = byAccount.get(r.account_id);
    if (!a) byAccount.set(r.account_id, (a = { category: r.category, decisions: [] }));
    a.decisions.push(d);
  });
  const at = decidedAt.toISOString();
  const notifications: NotificationV1[] = [];
  for (const [accountId, a] of byAccount) {
    const note: NotificationV1 = { schema: NOTIFICATION_SCHEMA, notificationId: `${event.event_id}:${accountId}:start`, eventId: event.event_id, accountId, moment: 'start', text: startNotificationText(a.decisions), sentAt: at };
    notifications.push(note);
  }
  const decideMs = performance.now() - t0;
  const t1 = performance.now();
  for (let i = 0; i < decisions.length; i += ROWS_PER_STATEMENT) {
    const part = decisions.slice(i, i + ROWS_PER_STATEMENT);
    const src = rows.slice(i, i + ROWS_PER_STATEMENT);
    await c.query(
      `INSERT INTO flex_dispatch_decisions (event_id, device_id, account_id, kind, category, action, reason, preference_version, decided_window, resume_at, explanation, decided_at)
       SELECT $1, * , $11 FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::json[], $10::timestamptz[], $12::text[])
       ON CONFLICT DO NOTHING`,
      [
        event.event_id,
        part.map((d) => d.deviceId),
        src.map((r) => r.account_id),
        part.map((d) => d.kind),
        src.map((r) => r.category),
        part.map((d) => d.action),
        part.map((d) => d.reason),
        part.map((d) => d.preferenceVersion),
        part.map((d) => (d.window ? JSON.stringify(d.window) : null)),
        part.map((d) => d.resumeAt),
        at,
        part.map((d) => d.explanation),
      ],
    );
  }
  for (let i = 0; i < notifications.length; i += ROWS_PER_STATEMENT) {
    const part = notifications.slice(i, i + ROWS_PER_STATEMENT);
    await c.query(
      `INSERT INTO flex_notifications (notification_id, event_id, account_id, moment, text, sent_at)
       SELECT n, $2, a, 'start', t, $3 FROM unnest($1::text[], $4::text[], $5::text[]) AS x(n, a, t) ON CONFLICT DO NOTHING`,
      [part.map((n) => n.notificationId), event.event_id, at, part.map((n) => n.accountId), part.map((n) => n.text)],
    );
  }
  // The outbox records are built by PostgreSQL from the rows just written (immutable: append-only triggers),
  // in the same transaction: no second copy of 100,000 decisions crosses the wire or gets escaped in JS.
  await c.query(
    `INSERT INTO flex_outbox (topic, record_key, payload)
     SELECT 'flexDispatch', d.account_id, json_build_object(
              'schema', $2::text, 'dispatchId', $1 || ':' || d.account_id, 'eventId', $1, 'programmeId', $3::text, 'accountId', d.account_id,
              'windowStart', $4::text, 'windowEnd', $5::text, 'decidedAt', $6::text,
              'devices', json_agg(json_build_object('deviceId', d.device_id, 'kind', d.kind, 'action', d.action, 'reason', d.reason, 'preferenceVersion', d.preference_version,
                                                    'window', d.decided_window, 'resumeAt', to_char(d.resume_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'explanation', d.explanation) ORDER BY d.device_id))
       FROM flex_dispatch_decisions d WHERE d.event_id = $1 GROUP BY d.account_id ORDER BY d.account_id`,
    [event.event_id, DISPATCH_SCHEMA, event.programme_id, event.window_start.toISOString(), event.window_end.toISOString(), at],
  );
  await c.query(
    `INSERT INTO flex_outbox (topic, record_key, payload)
     SELECT 'flexNotifications', n.account_id, json_build_object('schema', $2::text, 'notificationId', n.notification_id, 'eventId', n.event_id, 'accountId', n.account_id,
              'moment', n.moment, 'text', n.text, 'sentAt', $3::text)
       FROM flex_notifications n WHERE n.event_id = $1 AND n.moment = 'start' ORDER BY n.account_id`,
    [event.event_id, NOTIFICATION_SCHEMA, at],
  );
  const dispatched = decisions.filter((d) => d.action === 'dispatch').length;
  return { eventId: event.event_id, devices: decisions.length, dispatched, protected: decisions.length - dispatched, members: byAccount.size, decideMs, recordMs: performance.now() - t1 };
}
