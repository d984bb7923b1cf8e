import type { PostgresMigration } from '@surge/postgres/postgres.migrator';

/** The timeline's own tracking table, so its schema evolves independently of billing's, CSAT's and the registry's. */
export const TIMELINE_PG_TRACKING_TABLE = 'timeline_schema_migrations';

/**
 * The timeline's read model, in PostgreSQL schema `timeline` (owned by this feature alone: nothing else
 * reads or writes it; production points TIMELINE's DATABASE_URL at a database of its own). Everything in
 * it is derived from the topics, so dropping the schema and consuming again from the beginning rebuilds
 * it (docs/runbook.md, "Rebuild the timeline"). Append-only: add a version, never edit an applied one.
 */
export const TIMELINE_PG_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'entries_and_account_identifiers',
    sql: `
      CREATE SCHEMA IF NOT EXISTS timeline;

      -- One row per thing that happened. entry_id is derived from the source event's identity, so a
      -- redelivered event is an ON CONFLICT no-op: idempotent without reading first.
      CREATE TABLE timeline.entries (
        entry_id text PRIMARY KEY,
        account_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        kind text NOT NULL,
        family text NOT NULL CHECK (family IN ('reading', 'bill', 'survey', 'registry')),
        source text NOT NULL,
        summary text NOT NULL,
        link jsonb NOT NULL,
        details jsonb NOT NULL,
        staff_note text
      );
      -- The page query: one account, newest first, keyset on (occurred_at, entry_id): a first page of
      -- 50 out of 10,000 entries reads 50 index entries, not 10,000.
      CREATE INDEX entries_by_account ON timeline.entries (account_id, occurred_at DESC, entry_id DESC);
      CREATE INDEX entries_by_account_family ON timeline.entries (account_id, family, occurred_at DESC, entry_id DESC);

      -- The account's identifiers from registry.v1 (highest revision wins), for the customer-service search.
      CREATE TABLE timeline.accounts (
        account_id text PRIMARY KEY,
        revision bigint NOT NULL
      );
      CREATE TABLE timeline.account_identifiers (
        account_id text NOT NULL REFERENCES timeline.accounts (account_id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('mpan', 'meter_serial')),
        value text NOT NULL,
        PRIMARY KEY (kind, value, account_id)
      );
      CREATE INDEX account_identifiers_by_account ON timeline.account_identifiers (account_id);

      -- MPANs and serials as readings name them (reading outcome events), for accounts the registry has not
      -- announced (seeded or migrated before registry.v1). Only ever added to: a search also finds an
      -- account by a meter it used to have, which is what a caller with an old bill needs.
      CREATE TABLE timeline.reading_identifiers (
        kind text NOT NULL CHECK (kind IN ('mpan', 'meter_serial')),
        value text NOT NULL,
        account_id text NOT NULL,
        PRIMARY KEY (kind, value, account_id)
      );
    `,
  },
  {
    version: 2,
    name: 'flexibility_family',
    sql: `
      -- Flexibility facts (dispatch decisions, notifications, earned value, enrolment) join the story.
      ALTER TABLE timeline.entries DROP CONSTRAINT IF EXISTS entries_family_check;
      ALTER TABLE timeline.entries ADD CONSTRAINT entries_family_check
        CHECK (family IN ('reading', 'bill', 'survey', 'registry', 'flexibility'));
    `,
  },
  {
    version: 3,
    name: 'industry_flow_family',
    sql: `
      -- Industry flows (industry-flows.v1, one entry per flow and account) join the story.
      ALTER TABLE timeline.entries DROP CONSTRAINT IF EXISTS entries_family_check;
      ALTER TABLE timeline.entries ADD CONSTRAINT entries_family_check
        CHECK (family IN ('reading', 'bill', 'survey', 'registry', 'flexibility', 'flow'));
      -- A flow entry's outcome counts are read from the account's reading entries of that flow when a page
      -- shows it: only readings that came in a flow are in this index, so it costs the surge's web readings nothing.
      CREATE INDEX entries_by_flow ON timeline.entries (account_id, (details->>'flowId')) WHERE family = 'reading' AND details ? 'flowId';
    `,
  },
];
