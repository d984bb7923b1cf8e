import type { PostgresMigration } from '@surge/postgres/postgres.migrator';

/** CSAT's own tracking table (public schema), so its schema evolves independently of billing's. */
export const CSAT_PG_TRACKING_TABLE = 'csat_schema_migrations';

/**
 * The transactional half of CSAT, in PostgreSQL schema `csat` (owned by this
 * component alone; nothing else reads or writes it). Append-only: add a new
 * version, never edit an applied one.
 */
export const CSAT_PG_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'invitations_answers_outbox',
    sql: `
      CREATE SCHEMA IF NOT EXISTS csat;

      -- Customer category per account, for breakdowns. Owned here until
      -- billing publishes account.updated (see docs/decisions/0004): as_of
      -- makes later updates win whatever order they arrive in.
      CREATE TABLE csat.account_categories (
        account_id text PRIMARY KEY,
        category char(1) NOT NULL CHECK (category IN ('A', 'B', 'C', 'D')),
        as_of timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      -- One invitation per interaction: the reading id is unique, so a
      -- redelivered outcome event can never create a second one. Channel,
      -- category and outcome are snapshotted: answers are attributed to what
      -- the customer saw, even if the account changes category later.
      CREATE TABLE csat.invitations (
        id uuid PRIMARY KEY,
        reading_id text NOT NULL,
        account_id text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('web', 'app', 'collector')),
        category char(1) NOT NULL CHECK (category IN ('A', 'B', 'C', 'D')),
        outcome text NOT NULL CHECK (outcome IN ('accepted', 'rejected', 'held')),
        reason_code text,
        outcome_message text,
        interaction_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        correlation_id text,
        CONSTRAINT invitations_one_per_interaction UNIQUE (reading_id)
      );
      CREATE INDEX invitations_by_account ON csat.invitations (account_id, interaction_at DESC, id DESC);

      -- One answer per invitation: the primary key is the invitation.
      CREATE TABLE csat.answers (
        invitation_id uuid PRIMARY KEY REFERENCES csat.invitations (id),
        score smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
        comment text CHECK (comment IS NULL OR char_length(comment) <= 1000),
        answered_at timestamptz NOT NULL,
        answered_by text NOT NULL
      );

      -- Transactional outbox: written in the same statement as the answer,
      -- deleted only once ClickHouse holds the answer and its hourly rollup.
      CREATE TABLE csat.analytics_outbox (
        invitation_id uuid PRIMARY KEY REFERENCES csat.answers (invitation_id),
        enqueued_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX analytics_outbox_by_age ON csat.analytics_outbox (enqueued_at);
    `,
  },
];
