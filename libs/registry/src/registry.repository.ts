import type { PoolClient } from 'pg';
import {
  ACCOUNT_SNAPSHOT_SCHEMA,
  type AccountSnapshotV1,
  TARIFF_SNAPSHOT_SCHEMA,
  type TariffSnapshotV1,
  tariffKey,
} from '@surge/registry-contracts/registry-change.event';
import type { CreateAccountRequest, CreateAgreementRequest, CreateTariffRequest } from './registry.schema';

/** A snapshot as queued: the relay adds the revision (the outbox seq) when it publishes. */
export type QueuedAccountSnapshot = Omit<AccountSnapshotV1, 'revision'>;
export type QueuedTariffSnapshot = Omit<TariffSnapshotV1, 'revision'>;

export interface AccountHistory {
  readonly categories: ReadonlyArray<{ version: number; effectiveFrom: string; category: string; recordedBy: string; recordedAt: string }>;
  readonly eac: ReadonlyArray<{ supplyPointId: string; meterSerial: string; registerId: string; version: number; effectiveFrom: string; eacKwh: string | null; recordedBy: string; recordedAt: string }>;
}

/**
 * SQL of the registry, always on the caller's transaction (one request, one transaction: a change, its
 * version row and its outbox row commit together or not at all). Dates travel as text (to_char) so no
 * time zone ever shifts a billing day; decimals as text so they come back exactly as written.
 */
export class RegistryRepository {
  async tariffExists(c: PoolClient, tariffId: string): Promise<{ fuel: string } | null> {
    const { rows } = await c.query<{ fuel: string }>('SELECT fuel FROM tariffs WHERE tariff_id = $1', [tariffId]);
    return rows[0] ?? null;
  }

  async insertTariff(c: PoolClient, t: CreateTariffRequest): Promise<void> {
    await c.query('INSERT INTO tariffs (tariff_id, name, fuel) VALUES ($1, $2, $3)', [t.tariffId, t.name, t.fuel]);
    await c.query(
      `INSERT INTO tariff_unit_rates (tariff_id, register_kind, valid_from, valid_to, unit_rate_ex_vat, unit_rate_inc_vat)
       SELECT $1, r.kind, r.valid_from::date, r.valid_to::date, r.ex::numeric, r.inc::numeric
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS r (kind, valid_from, valid_to, ex, inc)`,
      [t.tariffId, t.unitRates.map((r) => r.registerKind), t.unitRates.map((r) => r.validFrom), t.unitRates.map((r) => r.validTo ?? null), t.unitRates.map((r) => r.exVat), t.unitRates.map((r) => r.incVat)],
    );
    await c.query(
      `INSERT INTO tariff_standing_charges (tariff_id, valid_from, valid_to, pence_per_day_ex_vat, pence_per_day_inc_vat)
       SELECT $1, r.valid_from::date, r.valid_to::date, r.ex::numeric, r.inc::numeric
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS r (valid_from, valid_to, ex, inc)`,
      [t.tariffId, t.standingCharges.map((r) => r.validFrom), t.standingCharges.map((r) => r.validTo ?? null), t.standingCharges.map((r) => r.exVat), t.standingCharges.map((r) => r.incVat)],
    );
  }

  async tariffSnapshot(c: PoolClient, tariffId: string, change: string): Promise<QueuedTariffSnapshot | null> {
    const { rows } = await c.query<{ name: string; fuel: 'electricity' | 'gas' }>('SELECT name, fuel FROM tariffs WHERE tariff_id = $1', [tariffId]);
    const t = rows[0];
    if (!t) return null;
    const rates = await c.query<{ kind: TariffSnapshotV1['unitRates'][number]['registerKind']; f: string; t: string | null; ex: string; inc: string | null }>(
      `SELECT register_kind AS kind, to_char(valid_from, 'YYYY-MM-DD') AS f, to_char(valid_to, 'YYYY-MM-DD') AS t, unit_rate_ex_vat::text AS ex, unit_rate_inc_vat::text AS inc
       FROM tariff_unit_rates WHERE tariff_id = $1 ORDER BY register_kind, valid_from`,
      [tariffId],
    );
    const sc = await c.query<{ f: string; t: string | null; ex: string; inc: string | null }>(
      `SELECT to_char(valid_from, 'YYYY-MM-DD') AS f, to_char(valid_to, 'YYYY-MM-DD') AS t, pence_per_day_ex_vat::text AS ex, pence_per_day_inc_vat::text AS inc
       FROM tariff_standing_charges WHERE tariff_id = $1 ORDER BY valid_from`,
      [tariffId],
    );
    return {
      schema: TARIFF_SNAPSHOT_SCHEMA,
      tariffId,
      name: t.name,
      fuel: t.fuel,
      unitRates: rates.rows.map((r) => ({ registerKind: r.kind, validFrom: r.f, validTo: r.t, exVat: r.ex, incVat: r.inc })),
      standingCharges: sc.rows.map((r) => ({ validFrom: r.f, validTo: r.t, exVat: r.ex, incVat: r.inc })),
      change,
      changedAt: new Date().toISOString(),
    };
  }

  /** Locks the account row (changes to one account queue behind each other; NO KEY, the lock billing's bill trigger takes, so neither waits longer than the other's statement); false when there is none. */
  async lockAccount(c: PoolClient, accountId: string): Promise<boolean> {
    const { rowCount } = await c.query('SELECT 1 FROM accounts WHERE account_id = $1 FOR NO KEY UPDATE', [accountId]);
    return (rowCount ?? 0) > 0;
  }

  async registeredSupplyPoints(c: PoolClient, ids: readonly string[]): Promise<string[]> {
    const { rows } = await c.query<{ id: string }>('SELECT supply_point_id AS id FROM supply_points WHERE supply_point_id = ANY($1::text[])', [ids]);
    return rows.map((r) => r.id);
  }

  async insertAccount(c: PoolClient, a: CreateAccountRequest, effectiveFrom: string, by: string): Promise<void> {
    await c.query('INSERT INTO accounts (account_id, category, domestic, vulnerable, vat_rate) VALUES ($1, $2, $3, $4, $5::numeric)', [
      a.accountId,
      a.category,
      a.domestic,
      a.vulnerable,
      a.vatRate,
    ]);
    await c.query('INSERT INTO registry_account_versions (account_id, version, effective_from, category, recorded_by) VALUES ($1, 1, $2::date, $3, $4)', [
      a.accountId,
      effectiveFrom,
      a.category,
      by,
    ]);
    for (const sp of a.supplyPoints) {
      await c.query('INSERT INTO supply_points (supply_point_id, account_id, fuel, supply_start) VALUES ($1, $2, $3, $4::date)', [sp.supplyPointId, a.accountId, sp.fuel, sp.supplyStart]);
      for (const m of sp.meters) {
        await c.query('INSERT INTO meters (supply_point_id, meter_serial, installed_on) VALUES ($1, $2, $3::date)', [sp.supplyPointId, m.meterSerial, m.installedOn]);
        for (const r of m.registers) {
          const eac = r.eacKwh ?? null;
          await c.query('INSERT INTO registers (supply_point_id, meter_serial, register_id, kind, digits, unit, eac_kwh) VALUES ($1, $2, $3, $4, $5, $6, $7::numeric)', [
            sp.supplyPointId, m.meterSerial, r.registerId, r.kind, r.digits, r.unit, eac,
          ]);
          await c.query(
            'INSERT INTO registry_register_eac_versions (supply_point_id, meter_serial, register_id, version, effective_from, eac_kwh, recorded_by) VALUES ($1, $2, $3, 1, $4::date, $5::numeric, $6)',
            [sp.supplyPointId, m.meterSerial, r.registerId, m.installedOn, eac, by],
          );
        }
      }
    }
  }

  async supplyPointOfAccount(c: PoolClient, accountId: string, supplyPointId: string): Promise<{ fuel: string } | null> {
    const { rows } = await c.query<{ fuel: string }>('SELECT fuel FROM supply_points WHERE supply_point_id = $1 AND account_id = $2', [supplyPointId, accountId]);
    return rows[0] ?? null;
  }

  /** Billing's trigger refuses an overlap (exclusion_violation), locking the supply point so two requests cannot both pass. */
  async insertAgreement(c: PoolClient, accountId: string, a: CreateAgreementRequest): Promise<string> {
    const { rows } = await c.query<{ id: string }>(
      'INSERT INTO agreements (account_id, supply_point_id, tariff_id, valid_from, valid_to) VALUES ($1, $2, $3, $4::date, $5::date) RETURNING agreement_id::text AS id',
      [accountId, a.supplyPointId, a.tariffId, a.validFrom, a.validTo ?? null],
    );
    return rows[0]!.id;
  }

  async latestCategoryVersion(c: PoolClient, accountId: string): Promise<{ version: number; effectiveFrom: string }> {
    const { rows } = await c.query<{ version: number; f: string }>(
      `SELECT version, to_char(effective_from, 'YYYY-MM-DD') AS f FROM registry_account_versions WHERE account_id = $1 ORDER BY version DESC LIMIT 1`,
      [accountId],
    );
    return rows[0] ? { version: rows[0].version, effectiveFrom: rows[0].f } : { version: 0, effectiveFrom: '0000-01-01' };
  }

  /** A new version row, and the projection billing reads; the old version row is never touched. */
  async appendCategory(c: PoolClient, accountId: string, version: number, effectiveFrom: string, category: string, by: string): Promise<void> {
    await c.query('INSERT INTO registry_account_versions (account_id, version, effective_from, category, recorded_by) VALUES ($1, $2, $3::date, $4, $5)', [
      accountId, version, effectiveFrom, category, by,
    ]);
    await c.query('UPDATE accounts SET category = $2 WHERE account_id = $1', [accountId, category]);
  }

  async registerOfAccount(c: PoolClient, accountId: string, supplyPointId: string, meterSerial: string, registerId: string): Promise<boolean> {
    const { rowCount } = await c.query(
      `SELECT 1 FROM registers r JOIN supply_points sp USING (supply_point_id)
       WHERE sp.account_id = $1 AND r.supply_point_id = $2 AND r.meter_serial = $3 AND r.register_id = $4 FOR UPDATE OF r`,
      [accountId, supplyPointId, meterSerial, registerId],
    );
    return (rowCount ?? 0) > 0;
  }

  async latestEacVersion(c: PoolClient, supplyPointId: string, meterSerial: string, registerId: string): Promise<{ version: number; effectiveFrom: string }> {
    const { rows } = await c.query<{ version: number; f: string }>(
      `SELECT version, to_char(effective_from, 'YYYY-MM-DD') AS f FROM registry_register_eac_versions
       WHERE supply_point_id = $1 AND meter_serial = $2 AND register_id = $3 ORDER BY version DESC LIMIT 1`,
      [supplyPointId, meterSerial, registerId],
    );
    return rows[0] ? { version: rows[0].version, effectiveFrom: rows[0].f } : { version: 0, effectiveFrom: '0000-01-01' };
  }

  async appendEac(c: PoolClient, key: { supplyPointId: string; meterSerial: string; registerId: string }, version: number, effectiveFrom: string, eacKwh: string, by: string): Promise<void> {
    await c.query(
      'INSERT INTO registry_register_eac_versions (supply_point_id, meter_serial, register_id, version, effective_from, eac_kwh, recorded_by) VALUES ($1, $2, $3, $4, $5::date, $6::numeric, $7)',
      [key.supplyPointId, key.meterSerial, key.registerId, version, effectiveFrom, eacKwh, by],
    );
    await c.query('UPDATE registers SET eac_kwh = $4::numeric WHERE supply_point_id = $1 AND meter_serial = $2 AND register_id = $3', [
      key.supplyPointId, key.meterSerial, key.registerId, eacKwh,
    ]);
  }

  async accountSnapshot(c: PoolClient, accountId: string, change: string): Promise<QueuedAccountSnapshot | null> {
    const acc = await c.query<{ category: AccountSnapshotV1['category']; domestic: boolean; vulnerable: boolean; vat: string; cf: string | null }>(
      `SELECT a.category, a.domestic, a.vulnerable, a.vat_rate::text AS vat,
              (SELECT to_char(effective_from, 'YYYY-MM-DD') FROM registry_account_versions v WHERE v.account_id = a.account_id ORDER BY version DESC LIMIT 1) AS cf
       FROM accounts a WHERE a.account_id = $1`,
      [accountId],
    );
    const a = acc.rows[0];
    if (!a) return null;
    const regs = await c.query<{
      sp: string; fuel: 'electricity' | 'gas'; start: string; serial: string | null; installed: string | null; removed: string | null;
      rid: string | null; kind: AccountSnapshotV1['supplyPoints'][number]['meters'][number]['registers'][number]['kind'] | null; digits: number | null;
      unit: 'kWh' | 'm3' | 'ft3x100' | null; eac: string | null; ef: string | null;
    }>(
      `SELECT sp.supply_point_id AS sp, sp.fuel, to_char(sp.supply_start, 'YYYY-MM-DD') AS start,
              m.meter_serial AS serial, to_char(m.installed_on, 'YYYY-MM-DD') AS installed, to_char(m.removed_on, 'YYYY-MM-DD') AS removed,
              r.register_id AS rid, r.kind, r.digits, r.unit, r.eac_kwh::text AS eac,
              (SELECT to_char(effective_from, 'YYYY-MM-DD') FROM registry_register_eac_versions v
                WHERE v.supply_point_id = r.supply_point_id AND v.meter_serial = r.meter_serial AND v.register_id = r.register_id
                ORDER BY version DESC LIMIT 1) AS ef
       FROM supply_points sp
       LEFT JOIN meters m ON m.supply_point_id = sp.supply_point_id
       LEFT JOIN registers r ON r.supply_point_id = m.supply_point_id AND r.meter_serial = m.meter_serial
       WHERE sp.account_id = $1
       ORDER BY sp.supply_point_id, m.meter_serial, r.register_id`,
      [accountId],
    );
    type Sp = { supplyPointId: string; fuel: 'electricity' | 'gas'; supplyStart: string; meters: Array<{ meterSerial: string; installedOn: string; removedOn: string | null; registers: AccountSnapshotV1['supplyPoints'][number]['meters'][number]['registers'][number][] }> };
    const sps = new Map<string, Sp>();
    for (const row of regs.rows) {
      let sp = sps.get(row.sp);
      if (!sp) sps.set(row.sp, (sp = { supplyPointId: row.sp, fuel: row.fuel, supplyStart: row.start, meters: [] }));
      if (row.serial === null) continue;
      let m = sp.meters.find((x) => x.meterSerial === row.serial);
      if (!m) sp.meters.push((m = { meterSerial: row.serial, installedOn: row.installed!, removedOn: row.removed, registers: [] }));
      if (row.rid === null) continue;
      m.registers.push({ registerId: row.rid, kind: row.kind!, digits: row.digits!, unit: row.unit!, eacKwh: row.eac, eacEffectiveFrom: row.ef });
    }
    const ags = await c.query<{ id: string; sp: string; tariff: string; f: string; t: string | null }>(
      `SELECT agreement_id::text AS id, supply_point_id AS sp, tariff_id AS tariff, to_char(valid_from, 'YYYY-MM-DD') AS f, to_char(valid_to, 'YYYY-MM-DD') AS t
       FROM agreements WHERE account_id = $1 ORDER BY supply_point_id, valid_from`,
      [accountId],
    );
    return {
      schema: ACCOUNT_SNAPSHOT_SCHEMA,
      accountId,
      category: a.category,
      categoryEffectiveFrom: a.cf ?? '1970-01-01',
      domestic: a.domestic,
      vulnerable: a.vulnerable,
      vatRate: a.vat,
      supplyPoints: [...sps.values()],
      agreements: ags.rows.map((r) => ({ agreementId: r.id, supplyPointId: r.sp, tariffId: r.tariff, validFrom: r.f, validTo: r.t })),
      change,
      changedAt: new Date().toISOString(),
    };
  }

  async accountHistory(c: PoolClient, accountId: string): Promise<AccountHistory> {
    const cats = await c.query<{ version: number; f: string; category: string; by: string; at: string }>(
      `SELECT version, to_char(effective_from, 'YYYY-MM-DD') AS f, category, recorded_by AS by, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
       FROM registry_account_versions WHERE account_id = $1 ORDER BY version`,
      [accountId],
    );
    const eac = await c.query<{ sp: string; serial: string; rid: string; version: number; f: string; eac: string | null; by: string; at: string }>(
      `SELECT v.supply_point_id AS sp, v.meter_serial AS serial, v.register_id AS rid, v.version, to_char(v.effective_from, 'YYYY-MM-DD') AS f, v.eac_kwh::text AS eac,
              v.recorded_by AS by, to_char(v.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
       FROM registry_register_eac_versions v JOIN supply_points sp USING (supply_point_id)
       WHERE sp.account_id = $1 ORDER BY v.supply_point_id, v.meter_serial, v.register_id, v.version`,
      [accountId],
    );
    return {
      categories: cats.rows.map((r) => ({ version: r.version, effectiveFrom: r.f, category: r.category, recordedBy: r.by, recordedAt: r.at })),
      eac: eac.rows.map((r) => ({ supplyPointId: r.sp, meterSerial: r.serial, registerId: r.rid, version: r.version, effectiveFrom: r.f, eacKwh: r.eac, recordedBy: r.by, recordedAt: r.at })),
    };
  }

  /** Queues the snapshot in the change's own transaction: a committed change always has its event queued. */
  async enqueue(c: PoolClient, snapshot: QueuedAccountSnapshot | QueuedTariffSnapshot): Promise<void> {
    const key = snapshot.schema === ACCOUNT_SNAPSHOT_SCHEMA ? snapshot.accountId : tariffKey(snapshot.tariffId);
    await c.query('INSERT INTO registry_outbox (record_key, payload) VALUES ($1, $2::jsonb)', [key, JSON.stringify(snapshot)]);
  }
}
