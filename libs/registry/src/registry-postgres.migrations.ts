import type { PostgresMigration } from '@surge/postgres/postgres.migrator';

/** The tracking table of the registry's own migrations (libs/postgres migrator: one list and table per component). */
export const REGISTRY_MIGRATIONS_TABLE = 'registry_schema_migrations';

/**
 * The registry's part of billing's database (docs/decisions/0008-registry.md). The registry's entity tables
 * (accounts, supply_points, meters, registers, tariffs and their rates, agreements) are created by billing's
 * migration v1, which must have run first; these migrations add what only the registry needs:
 * - version tables: every category and EAC a row, effective-dated, never updated or deleted (triggers). The
 *   columns billing reads (accounts.category, registers.eac_kwh) are the current projection, written in the
 *   same transaction as the version that makes them current.
 * - the outbox: one row per change, with the whole snapshot to publish on registry.v1, written in the
 *   change's transaction and deleted only after Kafka acknowledged it (registry-outbox.relay.ts).
 */
export const REGISTRY_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'versions_and_outbox',
    sql: `
      DO $$
      BEGIN
        IF to_regclass('accounts') IS NULL OR to_regclass('registers') IS NULL OR to_regclass('agreements') IS NULL THEN
          RAISE EXCEPTION 'the registry''s tables are created by billing''s migrations (billing_schema_migrations v1): run them first';
        END IF;
      END
      $$;

      CREATE TABLE registry_account_versions (
        account_id text NOT NULL REFERENCES accounts (account_id),
        version integer NOT NULL CHECK (version >= 1),
        effective_from date NOT NULL,
        category char(1) NOT NULL CHECK (category IN ('A', 'B', 'C', 'D')),
        recorded_by text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (account_id, version)
      );

      CREATE TABLE registry_register_eac_versions (
        supply_point_id text NOT NULL,
        meter_serial text NOT NULL,
        register_id text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        effective_from date NOT NULL,
        eac_kwh numeric CHECK (eac_kwh >= 0),
        recorded_by text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (supply_point_id, meter_serial, register_id, version),
        FOREIGN KEY (supply_point_id, meter_serial, register_id) REFERENCES registers (supply_point_id, meter_serial, register_id)
      );

      CREATE FUNCTION registry_versions_are_history() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'registry history is append-only (% on %): record a new version instead', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'restrict_violation';
      END
      $$;
      CREATE TRIGGER registry_account_versions_immutable BEFORE UPDATE OR DELETE ON registry_account_versions
        FOR EACH ROW EXECUTE FUNCTION registry_versions_are_history();
      CREATE TRIGGER registry_register_eac_versions_immutable BEFORE UPDATE OR DELETE ON registry_register_eac_versions
        FOR EACH ROW EXECUTE FUNCTION registry_versions_are_history();

      -- Version 1 of what exists already (seeded accounts), so every account and register has a history.
      INSERT INTO registry_account_versions (account_id, version, effective_from, category, recorded_by)
      SELECT a.account_id, 1, coalesce((SELECT min(sp.supply_start) FROM supply_points sp WHERE sp.account_id = a.account_id), a.created_at::date), a.category, 'migration'
      FROM accounts a;
      INSERT INTO registry_register_eac_versions (supply_point_id, meter_serial, register_id, version, effective_from, eac_kwh, recorded_by)
      SELECT r.supply_point_id, r.meter_serial, r.register_id, 1, m.installed_on, r.eac_kwh, 'migration'
      FROM registers r JOIN meters m USING (supply_point_id, meter_serial);

      -- Relayed in seq order by one relay at a time; rows are deleted once Kafka acknowledged them.
      CREATE TABLE registry_outbox (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        record_key text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 2,
    name: 'import_checkpoints',
    // The bulk import's progress, committed in the same transaction as each batch it stands for: a resumed
    // import starts after the last committed line, so no account is written twice or skipped.
    sql: `
      CREATE TABLE registry_import_checkpoints (
        import_id text PRIMARY KEY,
        last_line bigint NOT NULL,
        imported bigint NOT NULL,
        rejected bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 3,
    name: 'flexibility_membership_requests',
    // Category changes asked for on flex.membership.v1 (issue 17), one row per request id, written in the
    // transaction that applied (or declined) it: a redelivered request finds its row and changes nothing.
    sql: `
      CREATE TABLE registry_membership_requests (
        request_id text PRIMARY KEY,
        account_id text NOT NULL,
        category_from char(1) NOT NULL,
        category_to char(1) NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('applied', 'already-moved', 'unknown-account', 'not-allowed')),
        category_version integer,
        requested_at timestamptz NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX registry_membership_requests_account ON registry_membership_requests (account_id);
    `,
  },
];
