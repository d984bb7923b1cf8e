import type { Pool } from 'pg';
import type { FieldIssue } from '@surge/errors/app.error';
import { inTransaction } from '@surge/postgres/postgres.transaction';
import { ACCOUNT_SNAPSHOT_SCHEMA } from '@surge/registry-contracts/registry-change.event';
import type { QueuedAccountSnapshot } from './registry.repository';
import type { CreateAccountRequest } from './registry.schema';

export interface ImportCheckpoint {
  readonly lastLine: number;
  readonly imported: number;
  readonly rejected: number;
}

export interface BatchResult {
  readonly imported: number;
  readonly rejected: ReadonlyArray<{ accountId: string; issues: readonly FieldIssue[] }>;
}

/**
 * Writes one batch of imported accounts in ONE transaction with the import's checkpoint: the accounts,
 * their version-1 history rows, supply points, meters, registers and one outbox snapshot each (so
 * registry.v1 learns them like any other change), bulk-inserted with unnest (one statement per table,
 * not per row). An account whose id or supply point already exists is rejected with a reason, never
 * merged or overwritten; the rest of the batch goes in.
 */
export class AccountImportWriter {
  constructor(private readonly pool: Pool, private readonly importId: string, private readonly recordedBy: string) {}

  async checkpoint(): Promise<ImportCheckpoint | null> {
    const { rows } = await this.pool.query<{ last_line: string; imported: string; rejected: string }>(
      'SELECT last_line, imported, rejected FROM registry_import_checkpoints WHERE import_id = $1',
      [this.importId],
    );
    const r = rows[0];
    return r ? { lastLine: Number(r.last_line), imported: Number(r.imported), rejected: Number(r.rejected) } : null;
  }

  async writeBatch(accounts: readonly CreateAccountRequest[], lastLine: number, rejectedBefore: number): Promise<BatchResult> {
    return inTransaction(this.pool, async (c) => {
      const ids = accounts.map((a) => a.accountId);
      const sps = accounts.flatMap((a) => a.supplyPoints.map((s) => s.supplyPointId));
      const existing = await c.query<{ id: string }>('SELECT account_id AS id FROM accounts WHERE account_id = ANY($1::text[])', [ids]);
      const takenSp = await c.query<{ id: string }>('SELECT supply_point_id AS id FROM supply_points WHERE supply_point_id = ANY($1::text[])', [sps]);
      const takenIds = new Set(existing.rows.map((r) => r.id));
      const takenSps = new Set(takenSp.rows.map((r) => r.id));
      const rejected: Array<{ accountId: string; issues: FieldIssue[] }> = [];
      const seenSp = new Set<string>();
      const good = accounts.filter((a) => {
        if (takenIds.has(a.accountId)) {
          rejected.push({ accountId: a.accountId, issues: [{ code: 'ACCOUNT_ALREADY_EXISTS', field: 'account_id', message: `account ${a.accountId} exists already` }] });
          return false;
        }
        const clash = a.supplyPoints.find((s) => takenSps.has(s.supplyPointId) || seenSp.has(s.supplyPointId));
        if (clash) {
          rejected.push({ accountId: a.accountId, issues: [{ code: 'SUPPLY_POINT_ALREADY_REGISTERED', field: 'supply_point_id', message: `supply point ${clash.supplyPointId} is already registered` }] });
          return false;
        }
        for (const s of a.supplyPoints) seenSp.add(s.supplyPointId);
        return true;
      });
      if (good.length > 0) {
        const spRows = good.flatMap((a) => a.supplyPoints.map((s) => ({ a, s })));
        const meterRows = spRows.flatMap(({ s }) => s.meters.map((m) => ({ s, m })));
        const regRows = meterRows.flatMap(({ s, m }) => m.registers.map((r) => ({ s, m, r })));
        const firstDay = (a: CreateAccountRequest) => a.effectiveFrom ?? a.supplyPoints.map((s) => s.supplyStart).sort()[0]!;
        await c.query(
          `INSERT INTO accounts (account_id, category, domestic, vulnerable, vat_rate)
           SELECT * FROM unnest($1::text[], $2::char(1)[], $3::boolean[], $4::boolean[], $5::numeric[])`,
          [good.map((a) => a.accountId), good.map((a) => a.category), good.map((a) => a.domestic), good.map((a) => a.vulnerable), good.map((a) => a.vatRate)],
        );
        await c.query(
          `INSERT INTO registry_account_versions (account_id, version, effective_from, category, recorded_by)
           SELECT a, 1, f, cat, $4 FROM unnest($1::text[], $2::date[], $3::char(1)[]) AS t (a, f, cat)`,
          [good.map((a) => a.accountId), good.map(firstDay), good.map((a) => a.category), this.recordedBy],
        );
        await c.query(
          `INSERT INTO supply_points (supply_point_id, account_id, fuel, supply_start)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[])`,
          [spRows.map((x) => x.s.supplyPointId), spRows.map((x) => x.a.accountId), spRows.map((x) => x.s.fuel), spRows.map((x) => x.s.supplyStart)],
        );
        await c.query(
          `INSERT INTO meters (supply_point_id, meter_serial, installed_on) SELECT * FROM unnest($1::text[], $2::text[], $3::date[])`,
          [meterRows.map((x) => x.s.supplyPointId), meterRows.map((x) => x.m.meterSerial), meterRows.map((x) => x.m.installedOn)],
        );
        await c.query(
          `INSERT INTO registers (supply_point_id, meter_serial, register_id, kind, digits, unit, eac_kwh)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::text[], $7::numeric[])`,
          [regRows.map((x) => x.s.supplyPointId), regRows.map((x) => x.m.meterSerial), regRows.map((x) => x.r.registerId), regRows.map((x) => x.r.kind), regRows.map((x) => x.r.digits), regRows.map((x) => x.r.unit), regRows.map((x) => x.r.eacKwh ?? null)],
        );
        await c.query(
          `INSERT INTO registry_register_eac_versions (supply_point_id, meter_serial, register_id, version, effective_from, eac_kwh, recorded_by)
           SELECT sp, ms, rid, 1, f, eac, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::numeric[]) AS t (sp, ms, rid, f, eac)`,
          [regRows.map((x) => x.s.supplyPointId), regRows.map((x) => x.m.meterSerial), regRows.map((x) => x.r.registerId), regRows.map((x) => x.m.installedOn), regRows.map((x) => x.r.eacKwh ?? null), this.recordedBy],
        );
        const changedAt = new Date().toISOString();
        const snapshots: QueuedAccountSnapshot[] = good.map((a) => ({
          schema: ACCOUNT_SNAPSHOT_SCHEMA,
          accountId: a.accountId,
          category: a.category,
          categoryEffectiveFrom: firstDay(a),
          domestic: a.domestic,
          vulnerable: a.vulnerable,
          vatRate: a.vatRate,
          supplyPoints: a.supplyPoints.map((s) => ({
            supplyPointId: s.supplyPointId,
            fuel: s.fuel,
            supplyStart: s.supplyStart,
            meters: s.meters.map((m) => ({
              meterSerial: m.meterSerial,
              installedOn: m.installedOn,
              removedOn: null,
              registers: m.registers.map((r) => ({ registerId: r.registerId, kind: r.kind, digits: r.digits, unit: r.unit, eacKwh: r.eacKwh ?? null, eacEffectiveFrom: m.installedOn })),
            })),
          })),
          agreements: [],
          change: 'account.imported',
          changedAt,
        }));
        await c.query('INSERT INTO registry_outbox (record_key, payload) SELECT * FROM unnest($1::text[], $2::jsonb[])', [
          snapshots.map((s) => s.accountId),
          snapshots.map((s) => JSON.stringify(s)),
        ]);
      }
      await c.query(
        `INSERT INTO registry_import_checkpoints (import_id, last_line, imported, rejected) VALUES ($1, $2, $3, $4)
         ON CONFLICT (import_id) DO UPDATE SET last_line = EXCLUDED.last_line, imported = registry_import_checkpoints.imported + $3,
           rejected = $4, updated_at = now()`,
        [this.importId, lastLine, good.length, rejectedBefore + rejected.length],
      );
      return { imported: good.length, rejected };
    });
  }
}
