import type { Pool, PoolClient } from 'pg';
import type { FlowReadingOutcome, FlowRejection, FlowState, ReadingDecision, StoredFlow } from './flow.model';

type Queryable = Pool | PoolClient;

const FLOW_COLUMNS = `flow_id, owner, flow_type, sender_role, sender_mpid, file_id, sha256, bytes, lines, records, groups, received_via,
  file_name, state, received_at, started_at, finished_at, attempts, checkpoint_line, readings, readings_published, readings_rejected,
  groups_rejected, estimated, held_for_review, last_error`;

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
  /** The readings this batch published: line, reading id, supply point and the account it was matched to. */
  readonly publishedReadings: readonly { readonly line: number; readonly readingId: string; readonly supplyPointId: string; readonly accountId: string }[];
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
           held_for_review = held_for_review + $9, lease_until = now() + $10 * interval '1 millisecond'
         WHERE flow_id = $1 AND lease_owner = $2 AND state = 'processing' AND checkpoint_line < $3`,
        [flowId, owner, p.checkpointLine, p.readings, p.published, p.rejected, p.groupsRejected, p.estimated, p.heldForReview, leaseMs],
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
      if (p.publishedReadings.length > 0) {
        await client.query(
          `INSERT INTO industry_flow_readings (reading_id, flow_id, line, supply_point_id, account_id)
           SELECT r, $1, l, s, a FROM unnest($2::uuid[], $3::int[], $4::text[], $5::text[]) AS t (r, l, s, a)
           ON CONFLICT (reading_id) DO NOTHING`,
          [flowId, p.publishedReadings.map((r) => r.readingId), p.publishedReadings.map((r) => r.line), p.publishedReadings.map((r) => r.supplyPointId), p.publishedReadings.map((r) => r.accountId)],
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
      `SELECT account_id, count(*)::int AS n, array_agg(DISTINCT supply_point_id ORDER BY supply_point_id) AS supply_points
       FROM industry_flow_readings WHERE flow_id = $1 AND account_id IS NOT NULL AND account_id <> '' GROUP BY account_id ORDER BY account_id`,
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
      `INSERT INTO industry_flow_outcomes (reading_id, status, reason_code, duplicate_of, decided_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
       ON CONFLICT (reading_id) DO NOTHING`,
      [decisions.map((d) => d.readingId), decisions.map((d) => d.status), decisions.map((d) => d.reasonCode), decisions.map((d) => d.duplicateOf), decisions.map((d) => d.decidedAt)],
    );
  }

  /** Published readings by what the sink decided: accepted, duplicate, held and rejected by reason, undecided. */
  async outcomeCounts(flowId: string): Promise<Array<{ status: string | null; reasonCode: string; duplicate: boolean; n: number }>> {
    const { rows } = await this.pool.query(
      `SELECT o.status, coalesce(o.reason_code, '') AS reason_code, coalesce(o.duplicate_of, '') <> '' AS duplicate, count(*)::int AS n
       FROM industry_flow_readings r LEFT JOIN industry_flow_outcomes o USING (reading_id)
       WHERE r.flow_id = $1 GROUP BY 1, 2, 3`,
      [flowId],
    );
    return rows.map((r) => ({ status: r.status, reasonCode: r.reason_code, duplicate: r.duplicate, n: r.n }));
  }

  /** Published readings with their outcomes in line order, `limit` at a time after `afterLine`. */
  async readingOutcomes(flowId: string, afterLine: number, limit: number): Promise<FlowReadingOutcome[]> {
    const { rows } = await this.pool.query(
      `SELECT r.line, r.reading_id, r.supply_point_id, o.status, coalesce(o.reason_code, '') AS reason_code, coalesce(o.duplicate_of, '') AS duplicate_of
       FROM industry_flow_readings r LEFT JOIN industry_flow_outcomes o USING (reading_id)
       WHERE r.flow_id = $1 AND r.line > $2 ORDER BY r.line LIMIT $3`,
      [flowId, afterLine, limit],
    );
    return rows.map((r) => ({ line: r.line, readingId: r.reading_id, supplyPointId: r.supply_point_id, status: r.status, reasonCode: r.reason_code, duplicateOf: r.duplicate_of }));
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
    lastError: r.last_error,
  };
}
