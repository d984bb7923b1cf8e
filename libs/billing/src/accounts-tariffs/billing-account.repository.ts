import type { Pool } from 'pg';
import type { CustomerCategory } from '@surge/billing-domain/bill.model';
import type { RegisterUnit } from '@surge/billing-domain/consumption.calculator';
import type { Fuel, RegisterKind } from '@surge/billing-domain/tariff.model';
import type { BillingAccount, BillingAgreement, BillingMeter, BillingRegister, BillingSupplyPoint } from './billing-account.model';

interface AccountRow {
  account_id: string;
  category: CustomerCategory;
  domestic: boolean;
  vulnerable: boolean;
  vat_rate: string;
}

interface MeterRow {
  account_id: string;
  supply_point_id: string;
  fuel: Fuel;
  supply_start: string;
  meter_serial: string | null;
  installed_on: string | null;
  removed_on: string | null;
  register_id: string | null;
  kind: RegisterKind | null;
  digits: number | null;
  unit: RegisterUnit | null;
  eac_kwh: string | null;
}

interface AgreementRow {
  supply_point_id: string;
  tariff_id: string;
  valid_from: string;
  valid_to: string | null;
}

/** Loads the master data of a chunk of accounts in three queries (accounts; supply points with meters and registers; agreements). */
export class BillingAccountRepository {
  constructor(private readonly pool: Pool) {}

  async load(accountIds: readonly string[]): Promise<Map<string, BillingAccount>> {
    const result = new Map<string, BillingAccount>();
    if (accountIds.length === 0) return result;
    const ids = [...accountIds];
    const [accounts, meters, agreements] = await Promise.all([
      this.pool.query<AccountRow>('SELECT account_id, category, domestic, vulnerable, vat_rate::text FROM accounts WHERE account_id = ANY($1::text[])', [ids]),
      this.pool.query<MeterRow>(
        `SELECT sp.account_id, sp.supply_point_id, sp.fuel, sp.supply_start::text, m.meter_serial, m.installed_on::text, m.removed_on::text,
                r.register_id, r.kind, r.digits, r.unit, r.eac_kwh::text
         FROM supply_points sp
         LEFT JOIN meters m ON m.supply_point_id = sp.supply_point_id
         LEFT JOIN registers r ON r.supply_point_id = m.supply_point_id AND r.meter_serial = m.meter_serial
         WHERE sp.account_id = ANY($1::text[])
         ORDER BY sp.account_id, sp.supply_point_id, m.installed_on, m.meter_serial, r.register_id`,
        [ids],
      ),
      this.pool.query<AgreementRow>(
        `SELECT supply_point_id, tariff_id, valid_from::text, valid_to::text FROM agreements WHERE account_id = ANY($1::text[]) ORDER BY supply_point_id, valid_from`,
        [ids],
      ),
    ]);
    const agreementsBySp = new Map<string, BillingAgreement[]>();
    for (const a of agreements.rows) {
      const list = agreementsBySp.get(a.supply_point_id) ?? [];
      list.push({ tariffId: a.tariff_id, validFrom: a.valid_from, validTo: a.valid_to });
      agreementsBySp.set(a.supply_point_id, list);
    }
    const spsByAccount = new Map<string, Map<string, { sp: Omit<BillingSupplyPoint, 'meters'>; meters: Map<string, { meter: Omit<BillingMeter, 'registers'>; registers: BillingRegister[] }> }>>();
    for (const r of meters.rows) {
      let sps = spsByAccount.get(r.account_id);
      if (!sps) spsByAccount.set(r.account_id, (sps = new Map()));
      let sp = sps.get(r.supply_point_id);
      if (!sp) {
        sp = {
          sp: { supplyPointId: r.supply_point_id, fuel: r.fuel, supplyStart: r.supply_start, agreements: agreementsBySp.get(r.supply_point_id) ?? [] },
          meters: new Map(),
        };
        sps.set(r.supply_point_id, sp);
      }
      if (r.meter_serial === null || r.installed_on === null) continue;
      let meter = sp.meters.get(r.meter_serial);
      if (!meter) {
        meter = { meter: { meterSerial: r.meter_serial, installedOn: r.installed_on, removedOn: r.removed_on }, registers: [] };
        sp.meters.set(r.meter_serial, meter);
      }
      if (r.register_id !== null && r.kind !== null && r.digits !== null && r.unit !== null) {
        meter.registers.push({ registerId: r.register_id, kind: r.kind, digits: Number(r.digits), unit: r.unit, eacKwh: r.eac_kwh });
      }
    }
    for (const a of accounts.rows) {
      const sps = [...(spsByAccount.get(a.account_id)?.values() ?? [])].map(
        (s): BillingSupplyPoint => ({ ...s.sp, meters: [...s.meters.values()].map((m) => ({ ...m.meter, registers: m.registers })) }),
      );
      result.set(a.account_id, {
        accountId: a.account_id,
        category: a.category,
        domestic: a.domestic,
        vulnerable: a.vulnerable,
        vatRate: a.vat_rate,
        supplyPoints: sps,
      });
    }
    return result;
  }
}
