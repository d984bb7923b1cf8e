import type { PostgresMigration } from '@surge/postgres/postgres.migrator';

export const FLEXIBILITY_MIGRATIONS_TABLE = 'flexibility_schema_migrations';

/**
 * The flexibility feature's own tables (nobody else reads or writes them; other features learn its facts
 * from the flex.* topics). Append-only where it matters: preference versions and dispatch decisions are
 * never updated (triggers refuse it), so "what did the member say, and what did we decide" stays true.
 * Money whole pence (bigint), kWh numeric without scale (exact decimal strings round-trip).
 */
export const FLEXIBILITY_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'flexibility_v1',
    sql: `
      CREATE TABLE flex_members (
        account_id text PRIMARY KEY,
        category text NOT NULL CHECK (category IN ('A', 'B', 'C', 'D')),
        region text NOT NULL,
        enrolled_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE flex_devices (
        device_id text PRIMARY KEY,
        account_id text NOT NULL REFERENCES flex_members (account_id),
        kind text NOT NULL,
        name text NOT NULL,
        enrolled_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX flex_devices_account ON flex_devices (account_id);
      CREATE TABLE flex_preference_versions (
        device_id text NOT NULL REFERENCES flex_devices (device_id),
        version integer NOT NULL CHECK (version > 0),
        mode text NOT NULL CHECK (mode IN ('allow', 'protect')),
        windows jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (device_id, version)
      );
      CREATE TABLE flex_programmes (
        programme_id text PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE flex_events (
        event_id text PRIMARY KEY,
        programme_id text NOT NULL REFERENCES flex_programmes (programme_id),
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL CHECK (window_end > window_start),
        regions text[],
        categories text[],
        device_kinds text[],
        requested_kw numeric NOT NULL CHECK (requested_kw > 0),
        price_pence_per_kwh numeric NOT NULL CHECK (price_pence_per_kwh >= 0),
        status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'dispatched', 'settled')),
        dispatched_at timestamptz,
        settled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- No foreign key to flex_events: the dispatch holds the event row locked, and a per-row FK check
      -- would cost 100,000 lookups in the one transaction that must finish in seconds.
      CREATE TABLE flex_dispatch_decisions (
        event_id text NOT NULL,
        device_id text NOT NULL,
        account_id text NOT NULL,
        kind text NOT NULL,
        category text NOT NULL,
        action text NOT NULL CHECK (action IN ('dispatch', 'protect')),
        reason text NOT NULL,
        preference_version integer,
        decided_window json,
        resume_at timestamptz,
        explanation text NOT NULL,
        decided_at timestamptz NOT NULL,
        PRIMARY KEY (event_id, device_id)
      );
      CREATE INDEX flex_decisions_account ON flex_dispatch_decisions (account_id, event_id);
      CREATE TABLE flex_notifications (
        notification_id text PRIMARY KEY,
        event_id text NOT NULL,
        account_id text NOT NULL,
        moment text NOT NULL CHECK (moment IN ('start', 'end')),
        text text NOT NULL,
        sent_at timestamptz NOT NULL
      );
      CREATE INDEX flex_notifications_account ON flex_notifications (account_id, sent_at);
      -- OpenADR 3 reports from the member's devices (VEN): per interval usage and baseline, kWh.
      CREATE TABLE flex_reports (
        report_id text PRIMARY KEY,
        event_id text NOT NULL REFERENCES flex_events (event_id),
        account_id text NOT NULL,
        device_id text,
        client_name text NOT NULL,
        intervals jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX flex_reports_event ON flex_reports (event_id, account_id);
      CREATE TABLE flex_earned_values (
        event_id text NOT NULL REFERENCES flex_events (event_id),
        account_id text NOT NULL,
        category text NOT NULL,
        baseline_kwh numeric NOT NULL,
        actual_kwh numeric NOT NULL,
        delivered_kwh numeric NOT NULL,
        price_pence_per_kwh numeric NOT NULL,
        earned_pence bigint NOT NULL CHECK (earned_pence >= 0),
        source text NOT NULL,
        settled_at timestamptz NOT NULL,
        PRIMARY KEY (event_id, account_id)
      );
      -- Every fact for the backbone, written in the transaction that made it (never a dual write).
      CREATE TABLE flex_outbox (
        seq bigserial PRIMARY KEY,
        topic text NOT NULL,
        record_key text NOT NULL,
        -- json, not jsonb: written once, read once as text by the relay; no parsing into jsonb on the way in.
        payload json NOT NULL
      );
      CREATE FUNCTION flex_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME; END $$;
      CREATE TRIGGER flex_preference_versions_append_only BEFORE UPDATE OR DELETE ON flex_preference_versions FOR EACH ROW EXECUTE FUNCTION flex_refuse_change();
      CREATE TRIGGER flex_dispatch_decisions_append_only BEFORE UPDATE OR DELETE ON flex_dispatch_decisions FOR EACH ROW EXECUTE FUNCTION flex_refuse_change();
    `,
  },
  {
    version: 2,
    name: 'usage_intervals',
    // Half-hourly usage from the members' VEN reports (OpenADR 3 USAGE), history and event windows alike:
    // the settlement computes OUR baseline from it (the previous 10 working days) instead of paying the
    // BASELINE a VEN states. One row per member, resource and half-hour; a reported half-hour is never
    // rewritten (a different value later is refused: rewriting history before a settlement is how a
    // baseline is gamed). kWh numeric without scale: exact decimal strings round-trip.
    sql: `
      CREATE TABLE flex_usage_intervals (
        account_id text NOT NULL,
        resource text NOT NULL,
        interval_start timestamptz NOT NULL,
        kwh numeric NOT NULL CHECK (kwh >= 0),
        report_id text NOT NULL,
        PRIMARY KEY (account_id, resource, interval_start)
      );
      CREATE TRIGGER flex_usage_intervals_append_only BEFORE UPDATE OR DELETE ON flex_usage_intervals FOR EACH ROW EXECUTE FUNCTION flex_refuse_change();
    `,
  },
];
