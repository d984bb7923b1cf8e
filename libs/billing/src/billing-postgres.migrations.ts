import type { PostgresMigration } from '@surge/postgres/postgres.migrator';

/** The tracking table of billing's own migrations (each component owns its list and table). */
export const BILLING_MIGRATIONS_TABLE = 'billing_schema_migrations';

/**
 * Billing's PostgreSQL schema, as ordered, append-only migrations (never edit
 * an applied one: add a new version). Run by the billing app at start-up and
 * by `npm run billing:seed` / `billing-cli migrate`.
 *
 * Choices (docs/decisions/0003-billing.md):
 * - Tariffs are ROWS, not JSON: one row per rate period, so the database
 *   itself refuses two rates on one day (exclusion constraints), settlement
 *   can join on them, and a rate can be audited with plain SQL.
 * - Dates are billing days (`date`, Europe/London calendar) and every span
 *   is half-open [from, to), `to` NULL meaning open-ended, like the domain lib.
 * - Money is whole pence in `bigint`; kWh, rates and VAT rates are `numeric`
 *   without a scale, so the exact decimal strings the domain lib produced come
 *   back byte for byte (a correction matches lines on those strings).
 * - A bill is issued once: UNIQUE (account, period, kind, revision), a guard
 *   that no two ordinary bills of an account share a day (an exclusion
 *   constraint in v2, a locking trigger from v4: see there), and triggers
 *   that refuse UPDATE/DELETE/TRUNCATE on bills and their lines.
 *   A correction is a NEW row (kind 'correction', revision n) that points at
 *   the bill it corrects; each bill can be corrected once (UNIQUE
 *   corrects_bill_id), so a redelivered correction job cannot issue two.
 */
export const BILLING_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'accounts_supply_points_meters_tariffs_agreements',
    sql: `
      CREATE EXTENSION IF NOT EXISTS btree_gist;

      CREATE TABLE accounts (
        account_id text PRIMARY KEY CHECK (account_id ~ '^[A-Za-z0-9._-]{1,64}$'),
        category char(1) NOT NULL CHECK (category IN ('A', 'B', 'C', 'D')),
        domestic boolean NOT NULL,
        vulnerable boolean NOT NULL DEFAULT false,
        -- a fraction: 0.05 domestic fuel and power, 0.20 business standard rate
        vat_rate numeric NOT NULL CHECK (vat_rate >= 0 AND vat_rate < 1),
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE supply_points (
        supply_point_id text PRIMARY KEY,
        account_id text NOT NULL REFERENCES accounts (account_id),
        fuel text NOT NULL CHECK (fuel IN ('electricity', 'gas')),
        supply_start date NOT NULL,
        CONSTRAINT supply_point_id_format CHECK (
          (fuel = 'electricity' AND supply_point_id ~ '^[0-9]{13}$') OR (fuel = 'gas' AND supply_point_id ~ '^[0-9]{6,11}$')
        )
      );
      CREATE INDEX supply_points_by_account ON supply_points (account_id);

      CREATE TABLE meters (
        supply_point_id text NOT NULL REFERENCES supply_points (supply_point_id),
        meter_serial text NOT NULL CHECK (meter_serial ~ '^[A-Za-z0-9]{1,10}$'),
        installed_on date NOT NULL,
        removed_on date,
        PRIMARY KEY (supply_point_id, meter_serial),
        CHECK (removed_on IS NULL OR removed_on > installed_on)
      );

      CREATE TABLE registers (
        supply_point_id text NOT NULL,
        meter_serial text NOT NULL,
        register_id text NOT NULL CHECK (register_id IN ('S', 'EXPORT', 'DAY', 'NIGHT', 'GAS')),
        kind text NOT NULL CHECK (kind IN ('import', 'export', 'day', 'night', 'gas')),
        digits smallint NOT NULL CHECK (digits BETWEEN 1 AND 15),
        unit text NOT NULL CHECK (unit IN ('kWh', 'm3', 'ft3x100')),
        -- estimated annual consumption in kWh: the estimate of last resort (fewer than two actual reads)
        eac_kwh numeric CHECK (eac_kwh >= 0),
        PRIMARY KEY (supply_point_id, meter_serial, register_id),
        FOREIGN KEY (supply_point_id, meter_serial) REFERENCES meters (supply_point_id, meter_serial),
        CHECK ((kind = 'gas') = (unit <> 'kWh'))
      );

      CREATE TABLE tariffs (
        tariff_id text PRIMARY KEY,
        name text NOT NULL,
        fuel text NOT NULL CHECK (fuel IN ('electricity', 'gas'))
      );

      -- Unit rates per register kind (export: what the supplier pays per kWh exported).
      CREATE TABLE tariff_unit_rates (
        tariff_id text NOT NULL REFERENCES tariffs (tariff_id),
        register_kind text NOT NULL CHECK (register_kind IN ('import', 'export', 'day', 'night', 'gas')),
        valid_from date NOT NULL,
        valid_to date,
        unit_rate_ex_vat numeric NOT NULL CHECK (unit_rate_ex_vat >= 0),
        unit_rate_inc_vat numeric CHECK (unit_rate_inc_vat >= 0),
        PRIMARY KEY (tariff_id, register_kind, valid_from),
        CHECK (valid_to IS NULL OR valid_to > valid_from),
        CONSTRAINT tariff_unit_rates_no_overlap EXCLUDE USING gist (tariff_id WITH =, register_kind WITH =, daterange(valid_from, valid_to) WITH &&)
      );

      -- One standing charge per supply point per day (an Economy 7 meter pays it once).
      CREATE TABLE tariff_standing_charges (
        tariff_id text NOT NULL REFERENCES tariffs (tariff_id),
        valid_from date NOT NULL,
        valid_to date,
        pence_per_day_ex_vat numeric NOT NULL CHECK (pence_per_day_ex_vat >= 0),
        pence_per_day_inc_vat numeric CHECK (pence_per_day_inc_vat >= 0),
        PRIMARY KEY (tariff_id, valid_from),
        CHECK (valid_to IS NULL OR valid_to > valid_from),
        CONSTRAINT tariff_standing_charges_no_overlap EXCLUDE USING gist (tariff_id WITH =, daterange(valid_from, valid_to) WITH &&)
      );

      -- Which tariff a supply point of an account is on, from when.
      CREATE TABLE agreements (
        agreement_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        account_id text NOT NULL REFERENCES accounts (account_id),
        supply_point_id text NOT NULL REFERENCES supply_points (supply_point_id),
        tariff_id text NOT NULL REFERENCES tariffs (tariff_id),
        valid_from date NOT NULL,
        valid_to date,
        CHECK (valid_to IS NULL OR valid_to > valid_from),
        CONSTRAINT agreements_no_overlap EXCLUDE USING gist (supply_point_id WITH =, daterange(valid_from, valid_to) WITH &&)
      );
      CREATE INDEX agreements_by_account ON agreements (account_id);

      -- Gas calorific value (MJ/m3), published per day or month; a bill uses the days-weighted mean over its period.
      CREATE TABLE calorific_values (
        valid_from date PRIMARY KEY,
        valid_to date,
        mj_per_m3 numeric NOT NULL CHECK (mj_per_m3 > 0),
        CHECK (valid_to IS NULL OR valid_to > valid_from),
        CONSTRAINT calorific_values_no_overlap EXCLUDE USING gist (daterange(valid_from, valid_to) WITH &&)
      );
    `,
  },
  {
    version: 2,
    name: 'bill_runs_bills_lines',
    sql: `
      CREATE TABLE bill_runs (
        run_id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('bill', 'correction')),
        period_start date NOT NULL,
        period_end date NOT NULL,
        selection text NOT NULL CHECK (selection IN ('all', 'accounts')),
        -- the caller's idempotency key: starting the "same" run twice returns the first
        client_ref text UNIQUE,
        requested_by text NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'completed', 'completed_with_failures')),
        chunk_size integer NOT NULL CHECK (chunk_size > 0),
        total_accounts integer NOT NULL DEFAULT 0,
        total_chunks integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        CHECK (period_end > period_start)
      );
      CREATE INDEX bill_runs_by_status ON bill_runs (status, created_at DESC);

      -- The unit of work (one BullMQ job, id "<run_id>.<chunk_index>"); progress counters live here
      -- so status is a sum over chunks, not a count over every account.
      CREATE TABLE bill_run_chunks (
        run_id uuid NOT NULL REFERENCES bill_runs (run_id) ON DELETE CASCADE,
        chunk_index integer NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
        accounts integer NOT NULL,
        billed integer NOT NULL DEFAULT 0,
        skipped integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        finished_at timestamptz,
        PRIMARY KEY (run_id, chunk_index)
      );
      CREATE INDEX bill_run_chunks_unfinished ON bill_run_chunks (run_id, chunk_index) WHERE status <> 'done';

      CREATE TABLE bill_run_items (
        run_id uuid NOT NULL,
        account_id text NOT NULL,
        chunk_index integer NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'billed', 'skipped', 'failed')),
        bill_id uuid,
        reason_code text,
        reason text,
        updated_at timestamptz,
        PRIMARY KEY (run_id, account_id),
        FOREIGN KEY (run_id, chunk_index) REFERENCES bill_run_chunks (run_id, chunk_index) ON DELETE CASCADE
      );
      CREATE INDEX bill_run_items_by_chunk ON bill_run_items (run_id, chunk_index);
      CREATE INDEX bill_run_items_failed ON bill_run_items (run_id, account_id) WHERE status = 'failed';

      CREATE TABLE bills (
        bill_id uuid PRIMARY KEY,
        account_id text NOT NULL REFERENCES accounts (account_id),
        period_start date NOT NULL,
        period_end date NOT NULL,
        kind text NOT NULL CHECK (kind IN ('bill', 'correction')),
        revision integer NOT NULL DEFAULT 0,
        corrects_bill_id uuid UNIQUE REFERENCES bills (bill_id),
        run_id uuid REFERENCES bill_runs (run_id),
        category char(1) NOT NULL CHECK (category IN ('A', 'B', 'C', 'D')),
        domestic boolean NOT NULL,
        supply_days integer NOT NULL,
        -- any line estimated (on a correction: any of its difference lines)
        estimated boolean NOT NULL,
        -- whether the bill this row brings the account to is estimated (what a correction run looks for)
        result_estimated boolean NOT NULL,
        net_pence bigint NOT NULL,
        vat_pence bigint NOT NULL,
        total_pence bigint NOT NULL,
        -- the domain Bill's registers (readings used, advance, kWh) as computed
        registers jsonb NOT NULL,
        -- where each reading came from: ClickHouse reading ids and instants, or the previous bill
        reading_sources jsonb NOT NULL,
        -- corrections only: the full recomputed bill the account is brought to (the base of the next correction)
        recomputed jsonb,
        issued_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT bills_one_per_period UNIQUE (account_id, period_start, period_end, kind, revision),
        CONSTRAINT bills_no_overlap EXCLUDE USING gist (account_id WITH =, daterange(period_start, period_end) WITH &&) WHERE (kind = 'bill'),
        CHECK (period_end > period_start),
        CHECK ((kind = 'bill') = (revision = 0)),
        CHECK ((kind = 'bill') = (corrects_bill_id IS NULL)),
        CHECK ((kind = 'bill') = (recomputed IS NULL)),
        CHECK (total_pence = net_pence + vat_pence)
      );
      CREATE INDEX bills_by_period ON bills (period_start, period_end);
      CREATE INDEX bills_by_account_end ON bills (account_id, period_end);

      CREATE TABLE bill_lines (
        bill_id uuid NOT NULL REFERENCES bills (bill_id),
        line_no smallint NOT NULL,
        kind text NOT NULL CHECK (kind IN ('energy', 'export-credit', 'standing-charge', 'vat')),
        description text NOT NULL,
        period_from date NOT NULL,
        period_to date NOT NULL,
        supply_point_id text,
        fuel text CHECK (fuel IN ('electricity', 'gas')),
        tariff_id text,
        rate_period_from date,
        rate_period_to date,
        register_id text,
        register_kind text,
        kwh numeric,
        days integer,
        rate_pence numeric,
        vat_rate numeric,
        base_pence bigint,
        amount_pence bigint NOT NULL,
        estimated boolean NOT NULL,
        PRIMARY KEY (bill_id, line_no)
      );

      -- An issued bill never changes: a correction is a new bill.
      CREATE FUNCTION billing_issued_bills_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'issued bills are immutable (% on %): issue a correction instead', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'restrict_violation';
      END
      $$;
      CREATE TRIGGER bills_immutable BEFORE UPDATE OR DELETE ON bills
        FOR EACH ROW EXECUTE FUNCTION billing_issued_bills_are_immutable();
      CREATE TRIGGER bills_no_truncate BEFORE TRUNCATE ON bills
        FOR EACH STATEMENT EXECUTE FUNCTION billing_issued_bills_are_immutable();
      CREATE TRIGGER bill_lines_immutable BEFORE UPDATE OR DELETE ON bill_lines
        FOR EACH ROW EXECUTE FUNCTION billing_issued_bills_are_immutable();
      CREATE TRIGGER bill_lines_no_truncate BEFORE TRUNCATE ON bill_lines
        FOR EACH STATEMENT EXECUTE FUNCTION billing_issued_bills_are_immutable();
    `,
  },
  {
    version: 3,
    name: 'bill_run_write_path',
    // Measured with benchmarks/billing.bench.ts and write-only experiments (docs/decisions/0003-billing.md):
    // * bill_lines -> bills and bills -> bill_runs foreign keys cost a row lock per checked row on every
    //   chunk write (about 100 us per bill together). Lines are only ever written with their bill, in the
    //   same transaction (insertBills), bills and runs are never deleted (bills: triggers), so neither
    //   reference can dangle; bills -> accounts stays declared.
    // * Each run item is written once and updated once. With no index on the columns that change (status,
    //   bill, reason) and half of each page free, that update is a HOT update: no new index entries.
    //   Failures are found through the chunks' failed counters instead of a partial index.
    sql: `
      ALTER TABLE bill_lines DROP CONSTRAINT bill_lines_bill_id_fkey;
      ALTER TABLE bills DROP CONSTRAINT bills_run_id_fkey;
      DROP INDEX bill_run_items_failed;
      ALTER TABLE bill_run_items SET (fillfactor = 50);
    `,
  },
  {
    version: 4,
    name: 'overlap_guards_as_locking_triggers',
    // Measured with benchmarks/billing.bench.ts and write-only experiments (docs/decisions/0003-billing.md):
    // * GiST exclusion constraints (btree_gist on a text key) cost about 130 us of PostgreSQL CPU per row
    //   inserted, against about 5 us for a btree unique index: 130 s per million bills. The two on big
    //   tables (bills: no two ordinary bills of an account share a day; agreements: no two on a supply point
    //   at once) become BEFORE INSERT triggers that lock the account (supply point) row, then look for an
    //   overlap through a btree index, so concurrent writers for the same account queue and the second sees
    //   the first's bill. An exact repeat of a bill is left to the unique constraint (ON CONFLICT DO NOTHING
    //   keeps re-runs idempotent); an overlap raises exclusion_violation. The small tariff and calorific
    //   value tables keep their exclusion constraints.
    sql: `
      ALTER TABLE bills DROP CONSTRAINT bills_no_overlap;
      CREATE FUNCTION billing_bills_no_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        other uuid;
      BEGIN
        PERFORM 1 FROM accounts WHERE account_id = NEW.account_id FOR NO KEY UPDATE;
        SELECT bill_id INTO other FROM bills
          WHERE account_id = NEW.account_id AND kind = 'bill' AND period_end > NEW.period_start AND period_start < NEW.period_end
            AND NOT (period_start = NEW.period_start AND period_end = NEW.period_end)
          LIMIT 1;
        IF other IS NOT NULL THEN
          RAISE EXCEPTION 'bills_no_overlap: account % already has bill % overlapping % to %', NEW.account_id, other, NEW.period_start, NEW.period_end
            USING ERRCODE = 'exclusion_violation';
        END IF;
        RETURN NEW;
      END
      $$;
      CREATE TRIGGER bills_no_overlap BEFORE INSERT ON bills
        FOR EACH ROW WHEN (NEW.kind = 'bill') EXECUTE FUNCTION billing_bills_no_overlap();

      ALTER TABLE agreements DROP CONSTRAINT agreements_no_overlap;
      CREATE INDEX agreements_by_supply_point ON agreements (supply_point_id, valid_from);
      CREATE FUNCTION billing_agreements_no_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM 1 FROM supply_points WHERE supply_point_id = NEW.supply_point_id FOR NO KEY UPDATE;
        IF EXISTS (
          SELECT 1 FROM agreements
          WHERE supply_point_id = NEW.supply_point_id AND agreement_id <> NEW.agreement_id
            AND daterange(valid_from, valid_to) && daterange(NEW.valid_from, NEW.valid_to)
        ) THEN
          RAISE EXCEPTION 'agreements_no_overlap: supply point % already has an agreement overlapping % to %', NEW.supply_point_id, NEW.valid_from, NEW.valid_to
            USING ERRCODE = 'exclusion_violation';
        END IF;
        RETURN NEW;
      END
      $$;
      CREATE TRIGGER agreements_no_overlap BEFORE INSERT OR UPDATE ON agreements
        FOR EACH ROW EXECUTE FUNCTION billing_agreements_no_overlap();
    `,
  },
  {
    version: 5,
    name: 'billed_reading_outbox',
    // "Later billed" on the read path: which bills used which ClickHouse readings. Billing may not talk
    // to the read path, so the hand-over goes through ClickHouse (table reading_bills), fed from this
    // transactional outbox (billed-reading.relay.ts):
    // * one row per NEW bill (original or correction) with the reading ids it used, written by
    //   insertBills in the chunk's transaction, in one bulk statement like the lines: a committed bill
    //   always has its row queued, a rolled-back chunk has none. One row per bill, not per reading,
    //   keeps the added write cost at one small heap row and one btree entry per bill.
    // * no foreign key to bills (v3: a row lock per checked row; the row is written with its bill and
    //   bills are never deleted) and no index besides the primary key: the relay takes the oldest rows
    //   by bill_id (UUIDv7, time-ordered) and deletes them by bill_id once ClickHouse confirmed.
    // * bills issued before this version get their rows here, so their readings report "billed" too.
    sql: `
      CREATE TABLE billed_reading_outbox (
        bill_id uuid PRIMARY KEY,
        account_id text NOT NULL,
        period_start date NOT NULL,
        period_end date NOT NULL,
        -- JSON array of ClickHouse reading ids (opening, intermediate and closing reads; never history)
        reading_ids jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      INSERT INTO billed_reading_outbox (bill_id, account_id, period_start, period_end, reading_ids, created_at)
      SELECT b.bill_id, b.account_id, b.period_start, b.period_end, ids.reading_ids, b.issued_at
      FROM bills b
      CROSS JOIN LATERAL (
        SELECT jsonb_agg(DISTINCT s.source ->> 'readingId') AS reading_ids
        FROM jsonb_array_elements(b.reading_sources) AS r (register),
             jsonb_array_elements(jsonb_build_array(r.register -> 'opening', r.register -> 'closing') || coalesce(r.register -> 'intermediate', '[]'::jsonb)) AS s (source)
        WHERE s.source ->> 'from' = 'reading'
      ) ids
      WHERE jsonb_typeof(b.reading_sources) = 'array' AND ids.reading_ids IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'bill_event_outbox',
    // Bills for the rest of the platform (billing.bills.v1, libs/billing-contracts; the account timeline):
    // one row per new bill, its whole bill.issued.v1 event, written by insertBills in the chunk's
    // transaction, deleted only after Kafka acknowledged it (the billing-events process,
    // apps/billing-events/src/main.ts; the billing API and workers never talk to Kafka). Bills issued
    // before this version are not announced (the timeline starts with the bills issued after it).
    sql: `
      CREATE TABLE bill_event_outbox (
        seq bigserial PRIMARY KEY,
        record_key text NOT NULL,
        payload jsonb NOT NULL,
        enqueued_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
    `,
  },
  {
    version: 7,
    name: 'flexibility_credits',
    // Flexibility credits (issue 17): billing's OWN copy of flex.earned-value.v1, written by the credit
    // intake (flex-credits/flexibility-credit.intake.ts), never by flexibility. credit_id = <event>:<account> is
    // the key: a redelivered event inserts nothing. bill_id is set once, by the chunk transaction of the
    // bill that carries the credit line (UPDATE ... WHERE bill_id IS NULL), so a credit lands on one bill.
    sql: `
      ALTER TABLE bill_lines DROP CONSTRAINT bill_lines_kind_check;
      ALTER TABLE bill_lines ADD CONSTRAINT bill_lines_kind_check CHECK (kind IN ('energy', 'export-credit', 'standing-charge', 'vat', 'flexibility-credit'));
      CREATE TABLE flexibility_credits (
        credit_id text PRIMARY KEY,
        account_id text NOT NULL,
        event_id text NOT NULL,
        programme_name text NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        delivered_kwh numeric NOT NULL,
        price_pence_per_kwh numeric NOT NULL,
        earned_pence bigint NOT NULL CHECK (earned_pence >= 0),
        received_at timestamptz NOT NULL DEFAULT now(),
        bill_id uuid,
        applied_period_start date,
        applied_period_end date
      );
      CREATE INDEX flexibility_credits_pending ON flexibility_credits (account_id) WHERE bill_id IS NULL;
      CREATE INDEX flexibility_credits_applied ON flexibility_credits (account_id, applied_period_start) WHERE bill_id IS NOT NULL;
    `,
  },
  {
    version: 8,
    name: 'settlement_summary',
    // Settlement over a million bills in well under 10 s (issue 18): the report sums 7.5 million lines
    // joined to their bills in about 60 s on this machine. Instead, every chunk transaction that inserts
    // bills also inserts their settlement sums, computed in SQL from the rows it just wrote (so the summary
    // says exactly what was committed, and commits or rolls back with it): one row per bill period x
    // settlement group per chunk, append-only like the bills (bills are never updated or deleted, so the
    // sums never go stale). count(DISTINCT bill) adds up across rows because each bill is in one chunk.
    // The report sums these rows (settlement.service.ts): tens of thousands instead of millions. Bills
    // issued before this version are summed here once.
    sql: `
      CREATE TABLE settlement_line_totals (
        period_start date NOT NULL,
        period_end date NOT NULL,
        tariff_id text,
        rate_period_from date,
        rate_period_to date,
        fuel text,
        category char(1) NOT NULL,
        kind text NOT NULL,
        estimated boolean NOT NULL,
        kwh numeric,
        amount_pence numeric NOT NULL,
        line_count bigint NOT NULL,
        bill_count bigint NOT NULL
      );
      CREATE INDEX settlement_line_totals_by_period ON settlement_line_totals (period_start, period_end);
      CREATE TABLE settlement_bill_totals (
        period_start date NOT NULL,
        period_end date NOT NULL,
        kind text NOT NULL,
        bills bigint NOT NULL,
        vat_pence numeric NOT NULL,
        total_pence numeric NOT NULL
      );
      CREATE INDEX settlement_bill_totals_by_period ON settlement_bill_totals (period_start, period_end);
      CREATE TRIGGER settlement_line_totals_immutable BEFORE UPDATE OR DELETE ON settlement_line_totals
        FOR EACH ROW EXECUTE FUNCTION billing_issued_bills_are_immutable();
      CREATE TRIGGER settlement_bill_totals_immutable BEFORE UPDATE OR DELETE ON settlement_bill_totals
        FOR EACH ROW EXECUTE FUNCTION billing_issued_bills_are_immutable();

      INSERT INTO settlement_line_totals
      SELECT b.period_start, b.period_end, l.tariff_id, l.rate_period_from, l.rate_period_to, l.fuel, b.category, l.kind, l.estimated,
             sum(l.kwh), sum(l.amount_pence), count(*), count(DISTINCT l.bill_id)
      FROM bills b JOIN bill_lines l ON l.bill_id = b.bill_id
      WHERE l.kind <> 'vat'
      GROUP BY b.period_start, b.period_end, l.tariff_id, l.rate_period_from, l.rate_period_to, l.fuel, b.category, l.kind, l.estimated;
      INSERT INTO settlement_bill_totals
      SELECT period_start, period_end, kind, count(*), sum(vat_pence), sum(total_pence) FROM bills GROUP BY period_start, period_end, kind;
    `,
  },
  {
    version: 9,
    name: 'bill_event_outbox_payload_json',
    // Issue 18, measured per chunk (PostgreSQL backend CPU): decoding each event into jsonb cost about 70 us a
    // bill, a sixth of the chunk's PostgreSQL time. The outbox only holds the text until the relay publishes it
    // (it reads the document whole, never queries inside it), so json (text checked to be JSON, kept as
    // written) serves as well at a fraction of the cost.
    sql: `ALTER TABLE bill_event_outbox ALTER COLUMN payload TYPE json USING payload::json;`,
  },
  {
    version: 10,
    name: 'bills_overlap_check_per_statement',
    // Issue 18, measured per chunk (benchmarks/billing-chunk-cost.bench.ts, PostgreSQL backend CPU): the v4 row
    // trigger's overlap query is planned once per connection and cached (PL/pgSQL); planned while bills is empty (a
    // fresh database) it is a sequential scan of bills for every row inserted until an autoanalyze replans it:
    // COPY bills cost 182-1,650 us a bill over 10-30 chunks then, 104-112 once replanned, 82-87 without the trigger,
    // and 103-114 with this version (about the row trigger's good state, with no bad state). The same
    // guard now runs once per statement over the statement's new rows (a transition table) and is planned afresh
    // each time (EXECUTE: a chunk's statement is planned against the table as it is, about 0.1 ms):
    //   1. lock the accounts of the new ordinary bills FOR NO KEY UPDATE in account order (one statement; two
    //      writers lock in the same order, so they cannot deadlock), as the row trigger locked them one by one;
    //   2. then (a new snapshot: READ COMMITTED) look for an ordinary bill of those accounts, committed or new in
    //      this statement, that overlaps a new one without being the same period, and raise exclusion_violation.
    // Why it is as safe as the row trigger: the check runs while the transaction holds the account locks, which
    // it keeps until it ends, so of two writers racing for one account the second to lock sees the first's
    // committed bills; an exact repeat is still the unique constraint's (ON CONFLICT DO NOTHING keeps re-runs
    // idempotent, and a statement's transition table holds only the rows it really inserted). Any INSERT or COPY
    // into bills runs it: the database, not the code path, still forbids a day billed twice.
    sql: `
      DROP TRIGGER bills_no_overlap ON bills;
      DROP FUNCTION billing_bills_no_overlap();
      CREATE FUNCTION billing_bills_no_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        clash_account text;
        other uuid;
        clash_start date;
        clash_end date;
      BEGIN
        EXECUTE 'SELECT count(*) FROM (SELECT 1 FROM accounts WHERE account_id IN (SELECT account_id FROM new_bills WHERE kind = ''bill'')
                 ORDER BY account_id FOR NO KEY UPDATE) AS locked';
        EXECUTE 'SELECT n.account_id, o.bill_id AS other, n.period_start, n.period_end
                 FROM new_bills n CROSS JOIN LATERAL (
                   SELECT b.bill_id FROM bills b
                   WHERE b.account_id = n.account_id AND b.kind = ''bill'' AND b.period_end > n.period_start AND b.period_start < n.period_end
                     AND NOT (b.period_start = n.period_start AND b.period_end = n.period_end)
                   LIMIT 1) AS o
                 WHERE n.kind = ''bill''
                 LIMIT 1' INTO clash_account, other, clash_start, clash_end;
        IF other IS NOT NULL THEN
          RAISE EXCEPTION 'bills_no_overlap: account % already has bill % overlapping % to %', clash_account, other, clash_start, clash_end
            USING ERRCODE = 'exclusion_violation';
        END IF;
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER bills_no_overlap AFTER INSERT ON bills REFERENCING NEW TABLE AS new_bills
        FOR EACH STATEMENT EXECUTE FUNCTION billing_bills_no_overlap();
    `,
  },
  {
    version: 11,
    name: 'bill_documents_json',
    // Issue 18, third round, measured per chunk (benchmarks/billing-chunk-cost.bench.ts --setup-sql, PostgreSQL
    // backend CPU): decoding a bill's documents into jsonb was about a quarter of COPY bills (96 -> 71 us a bill).
    // Nothing queries inside them: the bill pages, corrections and the next bill's opening readings read each
    // document whole, settlement uses the lines and the v8 summary, and v5's backfill (the one jsonb query on
    // reading_sources) ran before this. json keeps the text as written (checked to be JSON), so a document comes
    // back with the domain's field order. Cost: this rewrites bills under an exclusive lock once, which on a
    // table of millions of issued bills needs a planned window (decision 0003, "Issue 18, third round").
    sql: `ALTER TABLE bills
            ALTER COLUMN registers TYPE json USING registers::json,
            ALTER COLUMN reading_sources TYPE json USING reading_sources::json,
            ALTER COLUMN recomputed TYPE json USING recomputed::json;`,
  },
  {
    version: 12,
    name: 'bill_event_outbox_by_reference',
    // Issue 18, fourth round, measured per chunk (benchmarks/billing-chunk-cost.bench.ts, 1,000,000-account
    // population): the outbox row with the whole event (1.8 KB of JSON a bill, the lines again) cost about 37 us a
    // bill of PostgreSQL CPU (json check, heap and WAL; then its delete and vacuum), besides building, stringifying
    // and COPY-escaping it in the worker. A bill's event only restates its bill and line rows, which are immutable
    // once committed (v1 triggers), so a row now carries just the bill id, and the billing-events relay renders
    // the event from those rows in its own transaction when it publishes (bill-event.renderer.ts): the same event,
    // field for field. Rows queued before this version keep their payload and are published as they are. Adding a
    // nullable column is instant; the CHECK reads the outbox once (a drained outbox is small).
    sql: `
      ALTER TABLE bill_event_outbox ADD COLUMN bill_id uuid, ALTER COLUMN payload DROP NOT NULL;
      ALTER TABLE bill_event_outbox ADD CONSTRAINT bill_event_outbox_payload_or_bill CHECK (payload IS NOT NULL OR bill_id IS NOT NULL);
    `,
  },
  {
    version: 13,
    name: 'bills_account_reference_per_statement',
    // Issue 18, sixth round, measured per chunk (benchmarks/billing-chunk-cost.bench.ts --setup-sql, 1,000,000-account
    // population, 20 chunks of 1,000, alternated 2x each): the bills -> accounts foreign key is checked row by row
    // (an SPI query and a FOR KEY SHARE row lock per bill), and COPY bills cost 77 us a bill with it, 62-63 without;
    // PostgreSQL CPU an account 221-223 us with it, 205-206 without. The v10 statement trigger already locks the
    // accounts of a statement's new bills (in account order) to guard overlaps, so the reference is now checked
    // there, on the same locks, once per statement:
    //   * every account of the statement's new bills (corrections too, no longer only ordinary bills) is locked
    //     FOR NO KEY UPDATE in account order; fewer rows locked than distinct accounts named means a bill names an
    //     account that does not exist (or was deleted before the lock was granted), and the statement fails with
    //     foreign_key_violation, the SQLSTATE the declared key raised, so callers classify it as before;
    //   * an account that has bills cannot be deleted, renumbered or truncated away (row and TRUNCATE triggers on
    //     accounts). A DELETE or key UPDATE needs the row FOR UPDATE, which conflicts with the inserter's FOR NO KEY
    //     UPDATE: whichever commits first, the other sees it (READ COMMITTED gives each trigger query a fresh
    //     snapshot, taken after its lock was granted), so no bill is left pointing at nothing. Nothing in the code
    //     deletes accounts; this keeps a hand-written DELETE from doing it.
    sql: `
      ALTER TABLE bills DROP CONSTRAINT bills_account_id_fkey;
      DROP TRIGGER bills_no_overlap ON bills;
      DROP FUNCTION billing_bills_no_overlap();
      CREATE FUNCTION billing_bills_no_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        locked bigint;
        named bigint;
        missing text;
        clash_account text;
        other uuid;
        clash_start date;
        clash_end date;
      BEGIN
        EXECUTE 'SELECT count(*) FROM (SELECT 1 FROM accounts WHERE account_id IN (SELECT account_id FROM new_bills)
                 ORDER BY account_id FOR NO KEY UPDATE) AS locked' INTO locked;
        EXECUTE 'SELECT count(DISTINCT account_id) FROM new_bills' INTO named;
        IF locked < named THEN
          EXECUTE 'SELECT n.account_id FROM new_bills n WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.account_id = n.account_id) LIMIT 1' INTO missing;
          RAISE EXCEPTION 'bills_account_exists: a bill names account %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        EXECUTE 'SELECT n.account_id, o.bill_id AS other, n.period_start, n.period_end
                 FROM new_bills n CROSS JOIN LATERAL (
                   SELECT b.bill_id FROM bills b
                   WHERE b.account_id = n.account_id AND b.kind = ''bill'' AND b.period_end > n.period_start AND b.period_start < n.period_end
                     AND NOT (b.period_start = n.period_start AND b.period_end = n.period_end)
                   LIMIT 1) AS o
                 WHERE n.kind = ''bill''
                 LIMIT 1' INTO clash_account, other, clash_start, clash_end;
        IF other IS NOT NULL THEN
          RAISE EXCEPTION 'bills_no_overlap: account % already has bill % overlapping % to %', clash_account, other, clash_start, clash_end
            USING ERRCODE = 'exclusion_violation';
        END IF;
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER bills_no_overlap AFTER INSERT ON bills REFERENCING NEW TABLE AS new_bills
        FOR EACH STATEMENT EXECUTE FUNCTION billing_bills_no_overlap();

      CREATE FUNCTION billing_accounts_keep_billed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND NEW.account_id = OLD.account_id THEN
          RETURN NEW;
        END IF;
        IF EXISTS (SELECT 1 FROM bills WHERE account_id = OLD.account_id) THEN
          RAISE EXCEPTION 'bills_account_exists: account % has issued bills, so it cannot be deleted or renumbered', OLD.account_id
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
          RETURN OLD;
        END IF;
        RETURN NEW;
      END
      $$;
      CREATE TRIGGER accounts_keep_billed BEFORE DELETE OR UPDATE OF account_id ON accounts
        FOR EACH ROW EXECUTE FUNCTION billing_accounts_keep_billed();
      CREATE FUNCTION billing_accounts_no_truncate_when_billed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM bills) THEN
          RAISE EXCEPTION 'bills_account_exists: accounts cannot be truncated while bills reference them'
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER accounts_keep_billed_no_truncate BEFORE TRUNCATE ON accounts
        FOR EACH STATEMENT EXECUTE FUNCTION billing_accounts_no_truncate_when_billed();
    `,
  },
  {
    version: 14,
    name: 'bill_run_items_chunk_reference_per_statement',
    // Issue 18, sixth round: planning a run of 1,000,000 accounts (one INSERT ... SELECT of its items) took 16.2-17.0 s
    // with the declared bill_run_items -> bill_run_chunks foreign key and 5.5-7.7 s without it (psql on a copy of the
    // million-account population, alternated 2x): the key is checked row by row, an SPI query and a FOR KEY SHARE
    // lock per item, a million times for a thousand chunks. With this version 8.8-8.9 s against 12.0-17.6 s before
    // (alternated 2x); the statement check itself is within the host's noise (10.1-11.7 s with it, 10.7-12.9 s with
    // the trigger dropped, alternated 2x). The same reference is now checked once per statement:
    //   * the distinct chunks a statement's new items name are locked FOR KEY SHARE (as the key's check locked
    //     them); fewer locked than named means an item names a chunk that does not exist, and the statement fails
    //     with foreign_key_violation, the key's SQLSTATE;
    //   * an item's chunk and a chunk's key never change (row triggers on those columns refuse it), and deleting a
    //     chunk deletes its items first, as ON DELETE CASCADE did (a run's delete still cascades to its chunks
    //     through their declared key, and from there to the items). A chunk's DELETE needs it FOR UPDATE, which
    //     waits for an inserter's FOR KEY SHARE; whichever commits first, the other's trigger query (READ
    //     COMMITTED: a fresh snapshot, taken after its lock was granted) sees it, so no item is left without its
    //     chunk. TRUNCATE of the chunks is refused while items exist. Nothing in the code deletes runs or chunks;
    //     this keeps a hand-written DELETE whole.
    // The per-chunk UPDATE of items sets none of the key columns, so it fires none of these triggers.
    sql: `
      ALTER TABLE bill_run_items DROP CONSTRAINT bill_run_items_run_id_chunk_index_fkey;
      CREATE FUNCTION billing_run_items_chunk_exists() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        locked bigint;
        named bigint;
      BEGIN
        -- One pass over the new items (a planning statement has a million): their distinct chunks, then those locked.
        EXECUTE 'WITH named AS MATERIALIZED (SELECT DISTINCT run_id, chunk_index FROM new_items)
                 SELECT (SELECT count(*) FROM named),
                        (SELECT count(*) FROM (SELECT 1 FROM named n JOIN bill_run_chunks c ON c.run_id = n.run_id AND c.chunk_index = n.chunk_index
                                               FOR KEY SHARE OF c) AS l)'
          INTO named, locked;
        IF locked < named THEN
          RAISE EXCEPTION 'bill_run_items_chunk_exists: % of the % chunks these run items name do not exist', named - locked, named
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER bill_run_items_chunk_exists AFTER INSERT ON bill_run_items REFERENCING NEW TABLE AS new_items
        FOR EACH STATEMENT EXECUTE FUNCTION billing_run_items_chunk_exists();

      CREATE FUNCTION billing_run_chunk_keys_are_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.run_id IS DISTINCT FROM OLD.run_id OR NEW.chunk_index IS DISTINCT FROM OLD.chunk_index THEN
          RAISE EXCEPTION 'bill_run_items_chunk_exists: a % never changes its run or chunk index', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NEW;
      END
      $$;
      CREATE TRIGGER bill_run_items_chunk_fixed BEFORE UPDATE OF run_id, chunk_index ON bill_run_items
        FOR EACH ROW EXECUTE FUNCTION billing_run_chunk_keys_are_fixed();
      CREATE TRIGGER bill_run_chunks_key_fixed BEFORE UPDATE OF run_id, chunk_index ON bill_run_chunks
        FOR EACH ROW EXECUTE FUNCTION billing_run_chunk_keys_are_fixed();

      CREATE FUNCTION billing_run_chunk_delete_items() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM bill_run_items WHERE run_id = OLD.run_id AND chunk_index = OLD.chunk_index;
        RETURN OLD;
      END
      $$;
      CREATE TRIGGER bill_run_chunks_delete_items BEFORE DELETE ON bill_run_chunks
        FOR EACH ROW EXECUTE FUNCTION billing_run_chunk_delete_items();
      CREATE FUNCTION billing_run_chunks_no_truncate_with_items() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM bill_run_items) THEN
          RAISE EXCEPTION 'bill_run_items_chunk_exists: truncate bill_run_items before bill_run_chunks'
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER bill_run_chunks_no_truncate_with_items BEFORE TRUNCATE ON bill_run_chunks
        FOR EACH STATEMENT EXECUTE FUNCTION billing_run_chunks_no_truncate_with_items();
    `,
  },
];
