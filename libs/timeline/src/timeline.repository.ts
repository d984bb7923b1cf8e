import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '@surge/postgres/postgres.transaction';
import type { AccountIdentifiers, TimelineEntry, TimelineFamily, TimelineKind, TimelineLink, TimelineSource } from './timeline-entry.model';

export interface TimelinePageQuery {
  readonly accountId: string;
  readonly limit: number;
  readonly families?: readonly TimelineFamily[];
  /** Inclusive lower bound, ms since epoch. */
  readonly fromMs?: number;
  /** Exclusive upper bound, ms since epoch. */
  readonly toMs?: number;
  /** Entries strictly older than this position (keyset paging). */
  readonly before?: { readonly occurredAtMs: number; readonly entryId: string };
}

export interface StoredEntry extends TimelineEntry {
  readonly occurredAtMs: number;
}

/** What read-sink decided about one flow's readings for one account (each reading's latest decision). */
export interface FlowReadingCounts {
  readonly accepted: number;
  readonly held: number;
  readonly rejected: number;
}

export interface AccountMatch {
  readonly accountId: string;
  readonly matchedOn: 'account_id' | 'mpan' | 'meter_serial';
}

/** The timeline's read model. Every write is idempotent; `apply` is one transaction. */
export interface TimelineRepository {
  /** Resolves with the ids of the entries this call stored (a redelivered entry is not among them). */
  apply(entries: readonly TimelineEntry[], identifiers: readonly AccountIdentifiers[]): Promise<ReadonlySet<string>>;
  page(q: TimelinePageQuery): Promise<StoredEntry[]>;
  /** Whether the timeline knows the account at all (an entry or a registry snapshot). */
  knows(accountId: string): Promise<boolean>;
  find(term: string, limit: number): Promise<AccountMatch[]>;
  /** Per flow id, the decisions about the account's readings that came in it (latest decision per reading). */
  flowReadingCounts(accountId: string, flowIds: readonly string[]): Promise<ReadonlyMap<string, FlowReadingCounts>>;
}

interface EntryRow {
  entry_id: string;
  account_id: string;
  occurred_ms: number;
  kind: TimelineKind;
  family: TimelineFamily;
  source: TimelineSource;
  summary: string;
  link: TimelineLink;
  details: Record<string, unknown>;
  staff_note: string | null;
}

export class PgTimelineRepository implements TimelineRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Entries: ON CONFLICT DO NOTHING on the derived id (a redelivery is a no-op; an entry's content depends
   * only on its event, so the first copy is as good as any). Identifiers: replaced only by a higher
   * revision, so a redelivered or older snapshot (topics are at least once) changes nothing.
   */
  async apply(entries: readonly TimelineEntry[], identifiers: readonly AccountIdentifiers[]): Promise<ReadonlySet<string>> {
    if (entries.length === 0 && identifiers.length === 0) return new Set();
    return inTransaction(this.pool, async (client) => {
      let stored = new Set<string>();
      if (entries.length > 0) {
        stored = await insertEntries(client, entries);
        await insertReadingIdentifiers(client, entries);
      }
      if (identifiers.length > 0) await upsertIdentifiers(client, latestPerAccount(identifiers));
      return stored;
    });
  }

  async page(q: TimelinePageQuery): Promise<StoredEntry[]> {
    const params: unknown[] = [q.accountId];
    const where = ['account_id = $1'];
    if (q.families && q.families.length > 0) {
      params.push(q.families);
      where.push(`family = ANY($${params.length}::text[])`);
    }
    if (q.fromMs !== undefined) {
      params.push(q.fromMs);
      where.push(`occurred_at >= to_timestamp($${params.length}::float8 / 1000.0)`);
    }
    if (q.toMs !== undefined) {
      params.push(q.toMs);
      where.push(`occurred_at < to_timestamp($${params.length}::float8 / 1000.0)`);
    }
    if (q.before) {
      params.push(q.before.occurredAtMs, q.before.entryId);
      where.push(`(occurred_at, entry_id) < (to_timestamp($${params.length - 1}::float8 / 1000.0), $${params.length})`);
    }
    params.push(q.limit);
    const { rows } = await this.pool.query<EntryRow>(
      `SELECT entry_id, account_id, (extract(epoch FROM occurred_at) * 1000)::float8 AS occurred_ms, kind, family, source, summary, link, details, staff_note
       FROM timeline.entries WHERE ${where.join(' AND ')}
       ORDER BY occurred_at DESC, entry_id DESC
       LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => {
      const ms = Math.round(r.occurred_ms);
      return {
        entryId: r.entry_id,
        accountId: r.account_id,
        kind: r.kind,
        family: r.family,
        occurredAt: new Date(ms).toISOString(),
        occurredAtMs: ms,
        source: r.source,
        summary: r.summary,
        link: r.link,
        details: r.details,
        staffNote: r.staff_note,
      };
    });
  }

  async knows(accountId: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ known: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM timeline.accounts WHERE account_id = $1) OR EXISTS (SELECT 1 FROM timeline.entries WHERE account_id = $1) AS known`,
      [accountId],
    );
    return rows[0]?.known === true;
  }

  /**
   * Reads only the account's reading entries that came in these flows (partial index entries_by_flow), and of each
   * reading its newest decision: a held reading accepted on review counts as accepted.
   */
  async flowReadingCounts(accountId: string, flowIds: readonly string[]): Promise<ReadonlyMap<string, FlowReadingCounts>> {
    const out = new Map<string, { accepted: number; held: number; rejected: number }>();
    if (flowIds.length === 0) return out;
    const { rows } = await this.pool.query<{ flow_id: string; status: string; n: number }>(
      `SELECT flow_id, status, count(*)::int AS n FROM (
         SELECT DISTINCT ON (details->>'readingId') details->>'flowId' AS flow_id, details->>'status' AS status
         FROM timeline.entries
         WHERE account_id = $1 AND family = 'reading' AND details ? 'flowId' AND details->>'flowId' = ANY($2::text[])
         ORDER BY details->>'readingId', occurred_at DESC, entry_id DESC
       ) latest GROUP BY flow_id, status`,
      [accountId, flowIds],
    );
    for (const r of rows) {
      const c = out.get(r.flow_id) ?? { accepted: 0, held: 0, rejected: 0 };
      if (r.status === 'accepted' || r.status === 'held' || r.status === 'rejected') c[r.status] += r.n;
      out.set(r.flow_id, c);
    }
    return out;
  }

  /** Exact matches only (an MPAN, a serial or an account id as typed, trimmed): a search must not leak near neighbours. */
  async find(term: string, limit: number): Promise<AccountMatch[]> {
    const { rows } = await this.pool.query<AccountMatch & { matched_on: AccountMatch['matchedOn']; account_id: string }>(
      `SELECT account_id, matched_on FROM (
         SELECT account_id, 'account_id' AS matched_on, 0 AS rank FROM timeline.accounts WHERE account_id = $1
         UNION SELECT DISTINCT account_id, 'account_id', 0 FROM (SELECT account_id FROM timeline.entries WHERE account_id = $1 LIMIT 1) e
         UNION SELECT account_id, kind, 1 FROM timeline.account_identifiers WHERE value = $1 OR value = upper($1)
         UNION SELECT account_id, kind, 1 FROM timeline.reading_identifiers WHERE value = $1 OR value = upper($1)
       ) m ORDER BY rank, account_id LIMIT $2`,
      [term, limit],
    );
    return rows.map((r) => ({ accountId: r.account_id, matchedOn: r.matched_on }));
  }
}

async function insertEntries(client: PoolClient, entries: readonly TimelineEntry[]): Promise<Set<string>> {
  const { rows } = await client.query<{ entry_id: string }>(
    `INSERT INTO timeline.entries (entry_id, account_id, occurred_at, kind, family, source, summary, link, details, staff_note)
     SELECT entry_id, account_id, occurred_at, kind, family, source, summary, link, details, staff_note
     FROM json_to_recordset($1::json) AS x(entry_id text, account_id text, occurred_at timestamptz, kind text, family text, source text, summary text, link jsonb, details jsonb, staff_note text)
     ON CONFLICT (entry_id) DO NOTHING
     RETURNING entry_id`,
    [
      JSON.stringify(
        entries.map((e) => ({
          entry_id: e.entryId,
          account_id: e.accountId,
          occurred_at: e.occurredAt,
          kind: e.kind,
          family: e.family,
          source: e.source,
          summary: e.summary,
          link: e.link,
          details: e.details,
          staff_note: e.staffNote,
        })),
      ),
    ],
  );
  return new Set(rows.map((r) => r.entry_id));
}

async function insertReadingIdentifiers(client: PoolClient, entries: readonly TimelineEntry[]): Promise<void> {
  const seen = new Map<string, { kind: string; value: string; accountId: string }>();
  for (const e of entries) {
    if (e.family !== 'reading') continue;
    for (const [kind, value] of [['mpan', e.details.supplyPointId], ['meter_serial', e.details.meterSerial]] as const) {
      if (typeof value === 'string' && value !== '') seen.set(`${kind}|${value}|${e.accountId}`, { kind, value, accountId: e.accountId });
    }
  }
  if (seen.size === 0) return;
  const rows = [...seen.values()];
  await client.query(
    `INSERT INTO timeline.reading_identifiers (kind, value, account_id) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
    [rows.map((r) => r.kind), rows.map((r) => r.value), rows.map((r) => r.accountId)],
  );
}

/**
 * A batch's snapshots in three statements whatever their number (a registry republish is one snapshot per account):
 * the accounts whose revision this batch advanced, then their identifiers replaced. `all` holds one snapshot per
 * account (latestPerAccount), so no row is touched twice by one statement.
 */
async function upsertIdentifiers(client: PoolClient, all: readonly AccountIdentifiers[]): Promise<void> {
  const { rows } = await client.query<{ account_id: string }>(
    `INSERT INTO timeline.accounts (account_id, revision) SELECT * FROM unnest($1::text[], $2::bigint[])
     ON CONFLICT (account_id) DO UPDATE SET revision = EXCLUDED.revision WHERE timeline.accounts.revision < EXCLUDED.revision
     RETURNING account_id`,
    [all.map((i) => i.accountId), all.map((i) => i.revision.toString())],
  );
  // An older or the same revision is not returned: what we hold is at least as new.
  const advanced = new Set(rows.map((r) => r.account_id));
  if (advanced.size === 0) return;
  await client.query('DELETE FROM timeline.account_identifiers WHERE account_id = ANY($1::text[])', [[...advanced]]);
  const accountIds: string[] = [];
  const kinds: string[] = [];
  const values: string[] = [];
  for (const ids of all) {
    if (!advanced.has(ids.accountId)) continue;
    const add = (kind: string, value: string) => {
      accountIds.push(ids.accountId);
      kinds.push(kind);
      values.push(value);
    };
    for (const v of ids.supplyPointIds) add('mpan', v);
    for (const v of ids.meterSerials) add('meter_serial', v);
  }
  if (accountIds.length === 0) return;
  await client.query(
    `INSERT INTO timeline.account_identifiers (account_id, kind, value)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
    [accountIds, kinds, values],
  );
}

function latestPerAccount(all: readonly AccountIdentifiers[]): AccountIdentifiers[] {
  const latest = new Map<string, AccountIdentifiers>();
  for (const ids of all) {
    const held = latest.get(ids.accountId);
    if (!held || held.revision < ids.revision) latest.set(ids.accountId, ids);
  }
  return [...latest.values()];
}
