// Seed data: the price-cap tariffs around 1 April 2022, a calorific value, and
// the deterministic demo population (PostgreSQL) with its readings
// (ClickHouse). Bulk inserts: one statement per table per batch, rows as one
// JSON document (json_to_recordset), so a million accounts is a few dozen
// statements per table, not millions. Idempotent: re-seeding the same
// accounts inserts nothing new (ON CONFLICT DO NOTHING; ClickHouse collapses
// identical rows by reading id and version).
import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool } from 'pg';
import { EXAMPLE_ECONOMY_7_ELECTRICITY, PRICE_CAP_ELECTRICITY, PRICE_CAP_GAS } from '@surge/billing-domain/price-cap-tariffs.catalog';
import { migratePostgres } from '@surge/postgres/postgres.migrator';
import { BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE } from '@surge/billing/billing-postgres.migrations';
import { DEMO_CALORIFIC_VALUE, DEMO_SUPPLY_START, type DemoAccount, type DemoReading, demoAccount, demoReadings } from '../fixtures/demo-population.generator';
import { TariffRepository } from '@surge/billing/accounts-tariffs/tariff.repository';
import { ClickHouseMeterReadingRepository } from '@surge/reading-store/clickhouse/clickhouse-meter-reading.repository';
import type { StoredReading } from '@surge/reading-store/meter-reading.repository';

/** The seeded tariffs: electricity single rate (with export), Economy 7, gas. */
export const SEED_TARIFFS = [PRICE_CAP_ELECTRICITY, EXAMPLE_ECONOMY_7_ELECTRICITY, PRICE_CAP_GAS] as const;

export interface PopulationOptions {
  readonly count: number;
  /** First account number (so populations can be added to). */
  readonly offset?: number;
  /** Account id prefix (tests and benchmarks use their own). */
  readonly prefix?: string;
  readonly batchSize?: number;
  readonly onProgress?: (done: number) => void;
}

/** Migrations, the seed tariffs and the calorific value. */
export async function seedReferenceData(pool: Pool): Promise<void> {
  await migratePostgres(pool, BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE);
  const tariffs = new TariffRepository(pool);
  await tariffs.insertMissing(SEED_TARIFFS);
  await tariffs.insertCalorificValue(DEMO_SUPPLY_START, null, DEMO_CALORIFIC_VALUE);
}

function* batches(options: PopulationOptions): Generator<DemoAccount[]> {
  const offset = options.offset ?? 0;
  const size = options.batchSize ?? 5000;
  for (let start = offset; start < offset + options.count; start += size) {
    const batch: DemoAccount[] = [];
    for (let n = start; n < Math.min(start + size, offset + options.count); n++) batch.push(demoAccount(n, options.prefix));
    yield batch;
  }
}

/** Inserts demo accounts with their supply points, meters, registers and agreements. */
export async function seedPopulation(pool: Pool, options: PopulationOptions): Promise<number> {
  let done = 0;
  for (const batch of batches(options)) {
    await insertAccounts(pool, batch);
    done += batch.length;
    options.onProgress?.(done);
  }
  return done;
}

/** Inserts given accounts (demo-shaped) in one transaction. */
export async function insertAccounts(pool: Pool, accounts: readonly DemoAccount[]): Promise<void> {
  const sps = accounts.flatMap((a) => a.supplyPoints.map((sp) => ({ a, sp })));
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO accounts (account_id, category, domestic, vulnerable, vat_rate)
       SELECT account_id, category, domestic, vulnerable, vat_rate FROM json_to_recordset($1::json)
         AS x(account_id text, category char(1), domestic boolean, vulnerable boolean, vat_rate numeric)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(accounts.map((a) => ({ account_id: a.accountId, category: a.category, domestic: a.domestic, vulnerable: a.vulnerable, vat_rate: a.vatRate })))],
    );
    await client.query(
      `INSERT INTO supply_points (supply_point_id, account_id, fuel, supply_start)
       SELECT supply_point_id, account_id, fuel, $2::date FROM json_to_recordset($1::json) AS x(supply_point_id text, account_id text, fuel text)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(sps.map(({ a, sp }) => ({ supply_point_id: sp.supplyPointId, account_id: a.accountId, fuel: sp.fuel }))), DEMO_SUPPLY_START],
    );
    await client.query(
      `INSERT INTO meters (supply_point_id, meter_serial, installed_on)
       SELECT supply_point_id, meter_serial, $2::date FROM json_to_recordset($1::json) AS x(supply_point_id text, meter_serial text)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(sps.map(({ sp }) => ({ supply_point_id: sp.supplyPointId, meter_serial: sp.meterSerial }))), DEMO_SUPPLY_START],
    );
    await client.query(
      `INSERT INTO registers (supply_point_id, meter_serial, register_id, kind, digits, unit, eac_kwh)
       SELECT supply_point_id, meter_serial, register_id, kind, digits, unit, eac_kwh FROM json_to_recordset($1::json)
         AS x(supply_point_id text, meter_serial text, register_id text, kind text, digits smallint, unit text, eac_kwh numeric)
       ON CONFLICT DO NOTHING`,
      [
        JSON.stringify(
          sps.flatMap(({ sp }) =>
            sp.registers.map((r) => ({
              supply_point_id: sp.supplyPointId,
              meter_serial: sp.meterSerial,
              register_id: r.registerId,
              kind: r.kind,
              digits: r.digits,
              unit: r.unit,
              eac_kwh: r.eacKwh,
            })),
          ),
        ),
      ],
    );
    // Agreements have no natural key: add one only to supply points that have none (re-seeding adds nothing).
    await client.query(
      `INSERT INTO agreements (account_id, supply_point_id, tariff_id, valid_from)
       SELECT x.account_id, x.supply_point_id, x.tariff_id, $2::date FROM json_to_recordset($1::json) AS x(account_id text, supply_point_id text, tariff_id text)
       WHERE NOT EXISTS (SELECT 1 FROM agreements g WHERE g.supply_point_id = x.supply_point_id)`,
      [JSON.stringify(sps.map(({ a, sp }) => ({ account_id: a.accountId, supply_point_id: sp.supplyPointId, tariff_id: sp.tariffId }))), DEMO_SUPPLY_START],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * The demo readings as the read path's sink stores them (decided once, version 1), so seeding writes through
 * the same repository (and row mapping) as read-sink rather than a second hand-written row shape.
 */
export function storedReadings(readings: readonly DemoReading[]): StoredReading[] {
  return readings.map((r) => ({
    readingId: r.readingId,
    accountId: r.accountId,
    supplyPointId: r.supplyPointId,
    fuel: r.fuel,
    meterSerial: r.meterSerial,
    registerId: r.registerId,
    readAt: r.readAt,
    value: r.value,
    unit: r.unit,
    source: r.source,
    channel: r.channel,
    status: r.status,
    reasonCode: r.reasonCode,
    industryCode: r.reasonCode === '' ? '' : '05',
    message: '',
    duplicateOf: r.duplicateOf,
    backdated: r.backdated,
    rolledOver: r.rolledOver,
    flags: [],
    submittedAtMs: r.submittedAtMs,
    decidedAtMs: r.submittedAtMs + 500,
    correlationId: '',
    version: 1,
  }));
}

/** Inserts demo-shaped readings into ClickHouse `meter_readings` through the reading repository. */
export async function insertReadings(ch: ClickHouseClient, readings: readonly DemoReading[]): Promise<number> {
  const rows = storedReadings(readings);
  await new ClickHouseMeterReadingRepository(ch).insert(rows);
  return rows.length;
}

/** Inserts the demo accounts' readings into ClickHouse `meter_readings`. Returns the number of rows. */
export async function seedReadings(ch: ClickHouseClient, options: PopulationOptions): Promise<number> {
  let rows = 0;
  let done = 0;
  for (const batch of batches({ ...options, batchSize: options.batchSize ?? 20_000 })) {
    rows += await insertReadings(ch, batch.flatMap(demoReadings));
    done += batch.length;
    options.onProgress?.(done);
  }
  return rows;
}
