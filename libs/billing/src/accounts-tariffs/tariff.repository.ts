import { deepFreeze } from '@surge/billing-domain/deep-freeze.helper';
import type { Pool } from 'pg';
import type { DateSpan } from '@surge/billing-domain/calendar.model';
import { daysBetween } from '@surge/billing-domain/calendar.model';
import { Decimal, decimalToString } from '@surge/billing-domain/money.model';
import type { Fuel, RatePeriod, RegisterKind, StandingChargePeriod, Tariff, TariffRegisterRates } from '@surge/billing-domain/tariff.model';
import { validateTariff } from '@surge/billing-domain/tariff.model';

/**
 * Tariffs and calorific values: stored as rows (one per rate period), loaded
 * into the domain's Tariff shape. Reference data, small: a bill run loads it
 * once and shares it across its chunks.
 */
export class TariffRepository {
  constructor(private readonly pool: Pool) {}

  async all(): Promise<Map<string, Tariff>> {
    const [tariffs, rates, charges] = await Promise.all([
      this.pool.query<{ tariff_id: string; name: string; fuel: Fuel }>('SELECT tariff_id, name, fuel FROM tariffs'),
      this.pool.query<{ tariff_id: string; register_kind: RegisterKind; valid_from: string; valid_to: string | null; ex: string; inc: string | null }>(
        `SELECT tariff_id, register_kind, valid_from::text, valid_to::text, unit_rate_ex_vat::text AS ex, unit_rate_inc_vat::text AS inc
         FROM tariff_unit_rates ORDER BY tariff_id, register_kind, valid_from`,
      ),
      this.pool.query<{ tariff_id: string; valid_from: string; valid_to: string | null; ex: string; inc: string | null }>(
        `SELECT tariff_id, valid_from::text, valid_to::text, pence_per_day_ex_vat::text AS ex, pence_per_day_inc_vat::text AS inc
         FROM tariff_standing_charges ORDER BY tariff_id, valid_from`,
      ),
    ]);
    const result = new Map<string, Tariff>();
    for (const t of tariffs.rows) {
      const byKind = new Map<RegisterKind, RatePeriod[]>();
      for (const r of rates.rows.filter((x) => x.tariff_id === t.tariff_id)) {
        const list = byKind.get(r.register_kind) ?? [];
        list.push({ validFrom: r.valid_from, validTo: r.valid_to, unitRateExVat: r.ex, ...(r.inc !== null ? { unitRateIncVat: r.inc } : {}) });
        byKind.set(r.register_kind, list);
      }
      const registers: TariffRegisterRates[] = [...byKind].map(([registerKind, periods]) => ({ registerKind, periods }));
      const standingCharges: StandingChargePeriod[] = charges.rows
        .filter((c) => c.tariff_id === t.tariff_id)
        .map((c) => ({ validFrom: c.valid_from, validTo: c.valid_to, pencePerDayExVat: c.ex, ...(c.inc !== null ? { pencePerDayIncVat: c.inc } : {}) }));
      // Frozen: a run shares these for every account, and the domain checks and segments a frozen tariff once.
      result.set(t.tariff_id, deepFreeze({ tariffId: t.tariff_id, name: t.name, fuel: t.fuel, registers, standingCharges }));
    }
    return result;
  }

  /** Inserts tariffs that are not there yet (by id and rate period); existing rows are left as they are. */
  async insertMissing(tariffs: readonly Tariff[]): Promise<void> {
    for (const t of tariffs) validateTariff(t);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (const t of tariffs) {
        await client.query('INSERT INTO tariffs (tariff_id, name, fuel) VALUES ($1, $2, $3) ON CONFLICT (tariff_id) DO NOTHING', [t.tariffId, t.name, t.fuel]);
        for (const r of t.registers) {
          for (const p of r.periods) {
            await client.query(
              `INSERT INTO tariff_unit_rates (tariff_id, register_kind, valid_from, valid_to, unit_rate_ex_vat, unit_rate_inc_vat)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tariff_id, register_kind, valid_from) DO NOTHING`,
              [t.tariffId, r.registerKind, p.validFrom, p.validTo, p.unitRateExVat, p.unitRateIncVat ?? null],
            );
          }
        }
        for (const p of t.standingCharges) {
          await client.query(
            `INSERT INTO tariff_standing_charges (tariff_id, valid_from, valid_to, pence_per_day_ex_vat, pence_per_day_inc_vat)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tariff_id, valid_from) DO NOTHING`,
            [t.tariffId, p.validFrom, p.validTo, p.pencePerDayExVat, p.pencePerDayIncVat ?? null],
          );
        }
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async insertCalorificValue(validFrom: string, validTo: string | null, mjPerM3: string): Promise<void> {
    await this.pool.query('INSERT INTO calorific_values (valid_from, valid_to, mj_per_m3) VALUES ($1, $2, $3) ON CONFLICT (valid_from) DO NOTHING', [
      validFrom,
      validTo,
      mjPerM3,
    ]);
  }

  /**
   * The gas calorific value for a bill period: the days-weighted mean of the
   * published values over its days (exact decimal), or null when some day has
   * none. One value covering the whole period is returned as written.
   */
  async calorificValueFor(period: DateSpan): Promise<string | null> {
    const { rows } = await this.pool.query<{ valid_from: string; valid_to: string | null; cv: string }>(
      `SELECT valid_from::text, valid_to::text, mj_per_m3::text AS cv FROM calorific_values
       WHERE valid_from < $2 AND (valid_to IS NULL OR valid_to > $1) ORDER BY valid_from`,
      [period.start, period.end],
    );
    return weightedCalorificValue(rows.map((r) => ({ validFrom: r.valid_from, validTo: r.valid_to, mjPerM3: r.cv })), period);
  }
}

/** Days-weighted mean of the values over `period`, or null if a day is uncovered. Pure. */
export function weightedCalorificValue(values: readonly { validFrom: string; validTo: string | null; mjPerM3: string }[], period: DateSpan): string | null {
  const total = daysBetween(period.start, period.end);
  let covered = 0;
  let sum = new Decimal(0);
  for (const v of values) {
    const from = v.validFrom > period.start ? v.validFrom : period.start;
    const to = v.validTo === null || v.validTo > period.end ? period.end : v.validTo;
    const days = daysBetween(from, to);
    if (days <= 0) continue;
    covered += days;
    sum = sum.plus(new Decimal(v.mjPerM3).times(days));
  }
  if (covered !== total || total <= 0) return null;
  const covering = values.filter((v) => v.validFrom <= period.start && (v.validTo === null || v.validTo >= period.end));
  if (covering.length === 1) return covering[0]!.mjPerM3;
  return decimalToString(sum.dividedBy(total));
}
