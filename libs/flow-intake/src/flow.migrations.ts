import type { PostgresMigration } from '@surge/postgres/postgres.migrator';

/** The tracking table of flow-intake's own migrations (one list and table per component). */
export const FLOW_MIGRATIONS_TABLE = 'flow_intake_schema_migrations';

/**
 * Industry flows (docs/decisions/0011-industry-flow-intake.md), in their own tables of the platform database:
 * - industry_flows: one row per file taken, unique by its sender and file id (a resubmission finds it), with
 *   the processor's lease and checkpoint (the last line whose reading is published and counted).
 * - industry_flow_chunks: the raw bytes, as received, in order; written in the same transaction as the flow
 *   row, so a committed flow always has all its bytes and a refused or interrupted upload leaves none.
 * - industry_flow_rejections: per line, what was not published and why (the rejection report).
 */
export const FLOW_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'flows_chunks_rejections',
    sql: `
      CREATE TABLE industry_flows (
        flow_id uuid PRIMARY KEY,
        owner text NOT NULL,
        flow_type text NOT NULL,
        sender_role text NOT NULL,
        sender_mpid text NOT NULL,
        file_id text NOT NULL,
        sha256 char(64) NOT NULL,
        bytes bigint NOT NULL,
        lines integer NOT NULL,
        records integer NOT NULL,
        groups integer NOT NULL,
        received_via text NOT NULL CHECK (received_via IN ('api', 'inbox')),
        file_name text,
        state text NOT NULL CHECK (state IN ('stored', 'processing', 'done', 'failed')),
        received_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        lease_owner text,
        lease_until timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        checkpoint_line integer NOT NULL DEFAULT 0,
        readings integer NOT NULL DEFAULT 0,
        readings_published integer NOT NULL DEFAULT 0,
        readings_rejected integer NOT NULL DEFAULT 0,
        groups_rejected integer NOT NULL DEFAULT 0,
        estimated integer NOT NULL DEFAULT 0,
        held_for_review integer NOT NULL DEFAULT 0,
        last_error text,
        UNIQUE (flow_type, sender_role, sender_mpid, file_id)
      );
      CREATE INDEX industry_flows_pending ON industry_flows (received_at) WHERE state IN ('stored', 'processing');

      CREATE TABLE industry_flow_chunks (
        flow_id uuid NOT NULL,
        seq integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (flow_id, seq)
      );

      CREATE TABLE industry_flow_rejections (
        flow_id uuid NOT NULL REFERENCES industry_flows (flow_id),
        line integer NOT NULL,
        mpan text NOT NULL,
        meter_id text NOT NULL,
        register_id text NOT NULL,
        reason_code text NOT NULL,
        message text NOT NULL,
        readings integer NOT NULL,
        PRIMARY KEY (flow_id, line)
      );
    `,
  },
  {
    version: 2,
    name: 'flow_readings_and_outcomes',
    // Per-reading outcomes with line numbers: which reading each published line became (written with the
    // batch's checkpoint), and what the sink decided about it (from the outcome topics, in any order, first
    // decision kept). Two tables, joined on reading id, because an outcome can arrive before its checkpoint.
    sql: `
      CREATE TABLE industry_flow_readings (
        reading_id uuid PRIMARY KEY,
        flow_id uuid NOT NULL REFERENCES industry_flows (flow_id),
        line integer NOT NULL,
        supply_point_id text NOT NULL
      );
      CREATE INDEX industry_flow_readings_by_line ON industry_flow_readings (flow_id, line);

      CREATE TABLE industry_flow_outcomes (
        reading_id uuid PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('accepted', 'rejected', 'held')),
        reason_code text NOT NULL,
        duplicate_of text NOT NULL,
        decided_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'flow_readings_account',
    // Which account each published reading is for (the registry's answer when it was matched), written with
    // the batch's checkpoint: at the flow's end its per-account announcement (industry-flows.v1) is counted
    // from here, so a flow resumed after a crash still counts the readings published before it. Null for
    // readings published before this version (those flows were done and announced nothing).
    sql: `ALTER TABLE industry_flow_readings ADD COLUMN account_id text;`,
  },
  {
    version: 4,
    name: 'held_unmatched_readings',
    // Readings the registry could not match when their flow was processed (an unknown supply point, meter
    // or register): held here, never dropped, with the event they will be (less account and digits), and
    // released (published, then marked in one transaction with their published-lines row) when
    // registry.v1 brings their register. released_at IS NULL is what still waits.
    sql: `
      CREATE TABLE industry_flow_held (
        flow_id uuid NOT NULL REFERENCES industry_flows (flow_id),
        line integer NOT NULL,
        reading_id uuid NOT NULL UNIQUE,
        supply_point_id text NOT NULL,
        meter_serial text NOT NULL,
        register_id text NOT NULL,
        reason_code text NOT NULL,
        message text NOT NULL,
        reading jsonb NOT NULL,
        held_at timestamptz NOT NULL DEFAULT now(),
        released_at timestamptz,
        PRIMARY KEY (flow_id, line)
      );
      CREATE INDEX industry_flow_held_waiting ON industry_flow_held (supply_point_id) WHERE released_at IS NULL;
      ALTER TABLE industry_flows ADD COLUMN held_unmatched integer NOT NULL DEFAULT 0, ADD COLUMN released integer NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 5,
    name: 'published_lines_per_batch',
    // Which lines a flow published, one row per batch (and per release) instead of one row per reading: a
    // 1,000,000-reading flow wrote 1,000,000 rows with a foreign-key check each inside its checkpoints,
    // which took most of its processing time. A reading's id is derived from its flow and line
    // (flow-id.ts), so the lines are all it takes. The sink's decisions now carry their flow (from the
    // outcome's correlation id) so a flow's counts need no join; existing rows are carried over.
    sql: `
      CREATE TABLE industry_flow_published (
        id bigserial PRIMARY KEY,
        flow_id uuid NOT NULL REFERENCES industry_flows (flow_id),
        lines integer[] NOT NULL,
        supply_points text[] NOT NULL,
        accounts text[] NOT NULL
      );
      CREATE INDEX industry_flow_published_by_flow ON industry_flow_published (flow_id, id);
      INSERT INTO industry_flow_published (flow_id, lines, supply_points, accounts)
        SELECT flow_id, array_agg(line ORDER BY line), array_agg(supply_point_id ORDER BY line), array_agg(coalesce(account_id, '') ORDER BY line)
        FROM industry_flow_readings GROUP BY flow_id;

      ALTER TABLE industry_flow_outcomes ADD COLUMN flow_id uuid;
      UPDATE industry_flow_outcomes o SET flow_id = r.flow_id FROM industry_flow_readings r WHERE r.reading_id = o.reading_id;
      CREATE INDEX industry_flow_outcomes_by_flow ON industry_flow_outcomes (flow_id);
      DROP TABLE industry_flow_readings;
    `,
  },
];
