import type { Pool, PoolClient } from 'pg';
import type { FlowReadingOutcome, FlowRejection, FlowState, ReadingDecision, StoredFlow } from './flow.model';
import { UNMATCHED_SUPPLY_POINT, type HeldFlowReading, type PendingReading } from './flow-reading.mapper';

type Queryable = Pool | PoolClient;

const FLOW_COLUMNS = `flow_id, owner, flow_type, sender_role, sender_mpid, file_id, sha256, bytes, lines, records, groups, received_via,
  file_name, state, received_at, started_at, finished_at, attempts, checkpoint_line, readings, readings_published, readings_rejected,
  groups_rejected, estimated, held_for_review, held_unmatched, released, last_error`;

export interface NewFlow {
  readonly flowId: string;
  readonly owner: string;
  readonly flowType: string;
  readonly senderRole: string;
  readonly senderMpid: string;
  readonly fileId: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly lines: number;
  readonly records: number;
  readonly groups: number;
  readonly receivedVia: 'api' | 'inbox';
  readonly fileName: string | null;
}

/** Progress of one processed batch, added to the flow's counts in the same transaction as its checkpoint. */
export interface FlowProgress {
  readonly checkpointLine: number;
  readonly readings: number;
  readonly published: number;
  readonly rejected: number;
  readonly groupsRejected: number;
  readonly estimated: number;
  readonly heldForReview: number;
  readonly rejections: readonly FlowRejection[];
  /** The lines this batch published and their supply points (a reading's id is its flow's and line's). */
  readonly publishedLines: readonly number[];
  readonly publishedSupplyPoints: readonly string[];
  /** The accounts the registry matched them to (industry-flows.v1's per-account announcement is counted from them). */
  readonly publishedAccounts: readonly string[];
  /** The readings this batch held because the registry does not know their register (yet). */
  readonly held: readonly HeldFlowReading[];
}

/** A held reading still waiting, as read back for its release. */
export interface WaitingReading {
  readonly flowId: string;
  readonly line: number;
  readonly readingId: string;
  readonly supplyPointId: string;
  readonly meterSerial: string;
  readonly registerId: string;
  readonly reading: PendingReading;
  /** When it was held, as PostgreSQL wrote it (microseconds): the release's keyset cursor. */
  readonly heldAt: string;
}

/** PostgreSQL access for industry flows; every multi-row change is one transaction of the caller's. */
export class FlowRepository {
  constructor(private readonly pool: Pool) {}

  async insertChunk(client: PoolClient, flowId: string, seq: number, data: Buffer): Promise<void> {
    await client.query('INSERT INTO industry_flow_chunks (flow_id, seq, data) VALUES ($1, $2, $3)', [flowId, seq, data]);
  }

  async insertFlow(client: PoolClient, f: NewFlow): Promise<void> {
    await client.query(
      `INSERT INTO industry_flows (flow_id, owner, flow_type, sender_role, sender_mpid, file_id, sha256, bytes, lines, records, groups, received_via, file_name, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'stored')`,
      [f.flowId, f.owner, f.flowType, f.senderRole, f.senderMpid, f.fileId, f.sha256, f.bytes, f.lines, f.records, f.groups, f.receivedVia, f.fileName],
    );
  }

  async find(flowId: string, db: Queryable = this.pool): Promise<StoredFlow | null> {
    const { rows } = await db.query(`SELECT ${FLOW_COLUMNS} FROM industry_flows WHERE flow_id = $1`, [flowId]);
    return rows[0] ? toFlow(rows[0]) : null;
  }

  /** The chunk at `seq`, or null past the last: one chunk in memory at a time while a flow is read back. */
  async chunk(flowId: string, seq: number): Promise<Buffer | null> {
    const { rows } = await this.pool.query<{ data: Buffer }>('SELECT data FROM industry_flow_chunks WHERE flow_id = $1 AND seq = $2', [flowId, seq]);
    return rows[0]?.data ?? null;
  }

  /**
   * Takes the oldest flow nobody holds (never taken, or its holder's lease ran out: a crashed processor) for
   * `leaseMs`. SKIP LOCKED: two processors never take the same flow at once.
   */
  async claim(owner: string, leaseMs: number): Promise<StoredFlow | null> {
    const { rows } = await this.pool.query(
      `UPDATE industry_flows SET state = 'processing', lease_owner = $1, lease_until = now() + $2 * interval '1 millisecond',
         attempts = attempts + 1, started_at = coalesce(started_at, now())
       WHERE flow_id = (
         SELECT flow_id FROM industry_flows
         WHERE state IN ('stored', 'processing') AND (lease_until IS NULL OR lease_until < now())
         ORDER BY received_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING ${FLOW_COLUMNS}`,
      [owner, leaseMs],
    );
    return rows[0] ? toFlow(rows[0]) : null;
  }

  /**
   * One batch's rejections, counts and checkpoint together, and the lease extended; false (nothing written)
   * when this processor no longer holds the flow (its lease ran out and another took it over).
   */
  async recordProgress(flowId: string, owner: string, leaseMs: number, p: FlowProgress): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rowCount } = await client.query(
        `UPDATE industry_flows SET checkpoint_line = $3, readings = readings + $4, readings_published = readings_published + $5,
           readings_rejected = readings_rejected + $6, groups_rejected = groups_rejected + $7, estimated = estimated + $8,
           held_for_review = held_for_review + $9, lease_until = now() + $10 * interval '1 millisecond', held_unmatched = held_unmatched + $11
         WHERE flow_id = $1 AND lease_owner = $2 AND state = 'processing' AND checkpoint_line < $3`,
        [flowId, owner, p.checkpointLine, p.readings, p.published, p.rejected, p.groupsRejected, p.estimated, p.heldForReview, leaseMs, p.held.length],
      );
      if (rowCount !== 1) {
        await client.query('ROLLBACK');
        return false;
      }
      if (p.rejections.length > 0) {
        await client.query(
          `INSERT INTO industry_flow_rejections (flow_id, line, mpan, meter_id, register_id, reason_code, message, readings)
           SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[])
           ON CONFLICT (flow_id, line) DO NOTHING`,
          [
            flowId,
            p.rejections.map((r) => r.line),
            p.rejections.map((r) => r.mpan),
            p.rejections.map((r) => r.meterId),
            p.rejections.map((r) => r.registerId),
            p.rejections.map((r) => r.reasonCode),
            p.rejections.map((r) => r.message),
            p.rejections.map((r) => r.readings),
          ],
        );
      }
      // One row for the batch's lines, written once: only with the checkpoint that counted them.
      if (p.publishedLines.length > 0) {
        await client.query('INSERT INTO industry_flow_published (flow_id, lines, supply_points, accounts) VALUES ($1, $2::int[], $3::text[], $4::text[])', [
          flowId,
          // Array literals written here: pg's own array encoding escapes every element with a regex, three
          // thousand a checkpoint. Lines are whole numbers; the strings are quoted as pg quotes them (pinned by a test).
          `{${p.publishedLines.join(',')}}`,
          textArrayLiteral(p.publishedSupplyPoints),
          textArrayLiteral(p.publishedAccounts),
        ]);
      }
      if (p.held.length > 0) {
        await client.query(
          `INSERT INTO industry_flow_held (flow_id, line, reading_id, supply_point_id, meter_serial, register_id, reason_code, message, reading)
           SELECT $1, * FROM unnest($2::int[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[])
           ON CONFLICT (flow_id, line) DO NOTHING`,
          [
            flowId,
            p.held.map((h) => h.line),
            p.held.map((h) => h.readingId),
            p.held.map((h) => h.supplyPointId),
            p.held.map((h) => h.meterSerial),
            p.held.map((h) => h.registerId),
            p.held.map((h) => h.reasonCode),
            p.held.map((h) => h.message),
            p.held.map((h) => JSON.stringify(h.reading)),
          ],
        );
      }
      await client.query('COMMIT');
      return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Supply points with readings still held for want of a registry match (what a registry change may release). */
  async waitingSupplyPoints(): Promise<string[]> {
    const { rows } = await this.pool.query<{ s: string }>('SELECT DISTINCT supply_point_id AS s FROM industry_flow_held WHERE released_at IS NULL');
    return rows.map((r) => r.s);
  }

  /**
   * Held readings of these supply points still waiting, in the order they were held (flow, line), `limit`
   * at most after `after` (keyset: a page of readings the registry still cannot match is stepped over).
   */
  async waitingReadings(supplyPointIds: readonly string[], limit: number, after?: WaitingReading): Promise<WaitingReading[]> {
    if (supplyPointIds.length === 0) return [];
    const { rows } = await this.pool.query(
      `SELECT flow_id, line, reading_id, supply_point_id, meter_serial, register_id, reading, held_at::text AS held_at FROM industry_flow_held
       WHERE released_at IS NULL AND supply_point_id = ANY($1::text[])
         AND ($3::timestamptz IS NULL OR (held_at, flow_id, line) > ($3::timestamptz, $4::uuid, $5::int))
       ORDER BY held_at, flow_id, line LIMIT $2`,
      [supplyPointIds, limit, after?.heldAt ?? null, after?.flowId ?? null, after?.line ?? null],
    );
    return rows.map((r) => ({
      flowId: r.flow_id,
      line: r.line,
      readingId: r.reading_id,
      supplyPointId: r.supply_point_id,
      meterSerial: r.meter_serial,
      registerId: r.register_id,
      reading: r.reading as PendingReading,
      heldAt: r.held_at as string, // PostgreSQL's text, to the microsecond: the keyset cursor must not round
    }));
  }

  /**
   * Marks held readings released (they were published, acks=all) with their per-reading rows and the flows'
   * counts, in one transaction. Only rows still waiting are counted, so two releasers (or a redelivery)
   * count each reading once; returns how many this call released.
   */
  async markReleased(readings: readonly (WaitingReading & { readonly accountId: string })[]): Promise<number> {
    if (readings.length === 0) return 0;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ flow_id: string; line: number; reading_id: string; supply_point_id: string }>(
        `UPDATE industry_flow_held SET released_at = now() WHERE reading_id = ANY($1::uuid[]) AND released_at IS NULL
         RETURNING flow_id, line, reading_id, supply_point_id`,
        [readings.map((r) => r.readingId)],
      );
      if (rows.length > 0) {
        const accountOf = new Map(readings.map((r) => [r.readingId, r.accountId]));
        const byFlow = new Map<string, { lines: number[]; supplyPoints: string[]; accounts: string[] }>();
        for (const r of [...rows].sort((x, y) => x.line - y.line)) {
          const f = byFlow.get(r.flow_id) ?? { lines: [], supplyPoints: [], accounts: [] };
          f.lines.push(r.line);
          f.supplyPoints.push(r.supply_point_id);
          f.accounts.push(accountOf.get(r.reading_id) ?? '');
          byFlow.set(r.flow_id, f);
        }
        for (const [flowId, f] of byFlow) {
          await client.query('INSERT INTO industry_flow_published (flow_id, lines, supply_points, accounts) VALUES ($1, $2::int[], $3::text[], $4::text[])', [flowId, f.lines, f.supplyPoints, f.accounts]);
        }
        await client.query(
          `UPDATE industry_flows f SET held_unmatched = f.held_unmatched - t.n, released = f.released + t.n, readings_published = f.readings_published + t.n
           FROM unnest($1::uuid[], $2::int[]) AS t (flow_id, n) WHERE f.flow_id = t.flow_id`,
          [[...byFlow.keys()], [...byFlow.values()].map((f) => f.lines.length)],
        );
      }
      await client.query('COMMIT');
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async finish(flowId: string, owner: string, state: Extract<FlowState, 'done' | 'failed'>, error: string | null): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE industry_flows SET state = $3, finished_at = now(), lease_owner = NULL, lease_until = NULL, last_error = $4
       WHERE flow_id = $1 AND lease_owner = $2 AND state = 'processing'`,
      [flowId, owner, state, error],
    );
    return rowCount === 1;
  }

  /** Lets another processor (or this one, later) take the flow at once, e.g. when the registry is not caught up yet. */
  async release(flowId: string, owner: string, error: string | null): Promise<void> {
    await this.pool.query(`UPDATE industry_flows SET lease_until = NULL, lease_owner = NULL, last_error = $3 WHERE flow_id = $1 AND lease_owner = $2`, [flowId, owner, error]);
  }

  /**
   * The accounts a flow's published readings were for, with their counts and supply points (from the checkpointed
   * rows, so readings published before a crash are counted too): what the flow's announcement says per account.
   */
  async accountsTouched(flowId: string): Promise<Array<{ accountId: string; readings: number; supplyPointIds: string[] }>> {
    const { rows } = await this.pool.query<{ account_id: string; n: number; supply_points: string[] }>(
      `SELECT u.a AS account_id, count(*)::int AS n, array_agg(DISTINCT u.s ORDER BY u.s) AS supply_points
       FROM industry_flow_published p, unnest(p.supply_points, p.accounts) AS u (s, a)
       WHERE p.flow_id = $1 AND u.a IS NOT NULL AND u.a <> '' GROUP BY u.a ORDER BY u.a`,
      [flowId],
    );
    return rows.map((r) => ({ accountId: r.account_id, readings: r.n, supplyPointIds: r.supply_points }));
  }

  /** Rejections in line order, `limit` at a time after `afterLine` (the report is streamed, never held whole). */
  async rejections(flowId: string, afterLine: number, limit: number): Promise<FlowRejection[]> {
    const { rows } = await this.pool.query(
      `SELECT line, mpan, meter_id, register_id, reason_code, message, readings FROM industry_flow_rejections
       WHERE flow_id = $1 AND line > $2 ORDER BY line LIMIT $3`,
      [flowId, afterLine, limit],
    );
    return rows.map((r) => ({ line: r.line, mpan: r.mpan, meterId: r.meter_id, registerId: r.register_id, reasonCode: r.reason_code, message: r.message, readings: r.readings }));
  }

  /** The sink's decisions, first one kept (an outcome event is delivered at least once). */
  async recordDecisions(decisions: readonly ReadingDecision[]): Promise<void> {
    if (decisions.length === 0) return;
    await this.pool.query(
      `INSERT INTO industry_flow_outcomes (reading_id, flow_id, status, reason_code, duplicate_of, decided_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
       ON CONFLICT (reading_id) DO NOTHING`,
      [decisions.map((d) => d.readingId), decisions.map((d) => d.flowId), decisions.map((d) => d.status), decisions.map((d) => d.reasonCode), decisions.map((d) => d.duplicateOf), decisions.map((d) => d.decidedAt)],
    );
  }

  /**
   * The sink's decisions about the flow's readings (accepted, duplicate, held and rejected by reason), and
   * its readings still held for want of a registry match. Undecided = published less decided (FlowStatusService).
   */
  async outcomeCounts(flowId: string): Promise<Array<{ status: string | null; reasonCode: string; duplicate: boolean; n: number }>> {
    const { rows } = await this.pool.query(
      `SELECT status, reason_code, duplicate_of <> '' AS duplicate, count(*)::int AS n FROM industry_flow_outcomes WHERE flow_id = $1 GROUP BY 1, 2, 3
       UNION ALL
       SELECT 'held', $2, false, count(*)::int FROM industry_flow_held WHERE flow_id = $1 AND released_at IS NULL HAVING count(*) > 0`,
      [flowId, UNMATCHED_SUPPLY_POINT],
    );
    return rows.map((r) => ({ status: r.status, reasonCode: r.reason_code, duplicate: r.duplicate, n: r.n }));
  }

  /** The next batch of published lines after `afterId` (in publishing order), or null past the last. */
  async publishedBatch(flowId: string, afterId: string): Promise<{ id: string; lines: number[]; supplyPoints: string[] } | null> {
    const { rows } = await this.pool.query(
      'SELECT id::text AS id, lines, supply_points FROM industry_flow_published WHERE flow_id = $1 AND id > $2::bigint ORDER BY id LIMIT 1',
      [flowId, afterId],
    );
    return rows[0] ? { id: rows[0].id, lines: rows[0].lines, supplyPoints: rows[0].supply_points } : null;
  }

  /** The sink's decisions about these readings (absent: undecided). */
  async decisionsOf(readingIds: readonly string[]): Promise<Map<string, Pick<FlowReadingOutcome, 'status' | 'reasonCode' | 'duplicateOf'>>> {
    if (readingIds.length === 0) return new Map();
    const { rows } = await this.pool.query('SELECT reading_id, status, reason_code, duplicate_of FROM industry_flow_outcomes WHERE reading_id = ANY($1::uuid[])', [readingIds]);
    return new Map(rows.map((r) => [r.reading_id as string, { status: r.status, reasonCode: r.reason_code, duplicateOf: r.duplicate_of }]));
  }

  /** Readings still held for want of a registry match, in line order, `limit` at a time after `afterLine`. */
  async heldReadings(flowId: string, afterLine: number, limit: number): Promise<Array<{ line: number; readingId: string; supplyPointId: string; reasonCode: string }>> {
    const { rows } = await this.pool.query(
      `SELECT line, reading_id, supply_point_id, reason_code FROM industry_flow_held WHERE flow_id = $1 AND line > $2 AND released_at IS NULL ORDER BY line LIMIT $3`,
      [flowId, afterLine, limit],
    );
    return rows.map((r) => ({ line: r.line, readingId: r.reading_id, supplyPointId: r.supply_point_id, reasonCode: r.reason_code }));
  }

  /** Rejected readings by reason, for the status. */
  async rejectionsByReason(flowId: string): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ reason_code: string; n: string }>(
      'SELECT reason_code, sum(readings)::text AS n FROM industry_flow_rejections WHERE flow_id = $1 GROUP BY reason_code ORDER BY reason_code',
      [flowId],
    );
    return Object.fromEntries(rows.map((r) => [r.reason_code, Number(r.n)]));
  }
}

const iso = (v: Date | null): string | null => (v ? v.toISOString() : null);

function toFlow(r: Record<string, any>): StoredFlow {
  return {
    flowId: r.flow_id,
    owner: r.owner,
    flowType: r.flow_type,
    senderRole: r.sender_role,
    senderMpid: r.sender_mpid,
    fileId: r.file_id,
    sha256: r.sha256,
    bytes: Number(r.bytes),
    lines: r.lines,
    records: r.records,
    groups: r.groups,
    receivedVia: r.received_via,
    fileName: r.file_name,
    state: r.state,
    receivedAt: (r.received_at as Date).toISOString(),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    attempts: r.attempts,
    checkpointLine: r.checkpoint_line,
    readings: r.readings,
    readingsPublished: r.readings_published,
    readingsRejected: r.readings_rejected,
    groupsRejected: r.groups_rejected,
    estimated: r.estimated,
    heldForReview: r.held_for_review,
    heldUnmatched: r.held_unmatched,
    released: r.released,
    lastError: r.last_error,
  };
}

/** A PostgreSQL text[] literal: every element double-quoted, its backslashes and quotes escaped (no NULLs). */
export function textArrayLiteral(values: readonly string[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out += (i === 0 ? '"' : ',"') + (v.includes('"') || v.includes('\\') ? v.replace(/[\\"]/g, '\\$&') : v) + '"';
  }
  return out + '}';
}
