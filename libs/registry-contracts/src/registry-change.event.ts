/**
 * `registry.v1`: the registry's state, one snapshot per change, on a COMPACTED topic.
 *
 * Each record carries the whole current state of one entity (an account with its supply points, meters,
 * registers and agreements; or a tariff with its rates), never a delta: compaction keeps only the last
 * record per key, so that record alone must be enough to rebuild the entity. Keys: the account id, or
 * `tariff:<tariffId>` (account ids cannot hold a colon).
 *
 * Delivery: at least once, in commit order per key (one relay publishes at a time, acks=all). `revision`
 * grows with every change (the outbox sequence), so a consumer keeps the highest revision per key and
 * ignores a redelivered or older record. Versioned by `schema`; additive changes only, an incompatible
 * one makes `registry.v2`.
 */
export const ACCOUNT_SNAPSHOT_SCHEMA = 'registry.account.v1';
export const TARIFF_SNAPSHOT_SCHEMA = 'registry.tariff.v1';

export type Fuel = 'electricity' | 'gas';
export type RegisterKind = 'import' | 'export' | 'day' | 'night' | 'gas';
export type RegisterUnit = 'kWh' | 'm3' | 'ft3x100';
export type AccountCategory = 'A' | 'B' | 'C' | 'D';

export interface RegisterSnapshotV1 {
  readonly registerId: string;
  readonly kind: RegisterKind;
  readonly digits: number;
  readonly unit: RegisterUnit;
  /** Estimated annual consumption in kWh, a decimal string; null when none is known. */
  readonly eacKwh: string | null;
  /** The day the current EAC took effect (YYYY-MM-DD). */
  readonly eacEffectiveFrom: string | null;
}

export interface MeterSnapshotV1 {
  readonly meterSerial: string;
  readonly installedOn: string;
  readonly removedOn: string | null;
  readonly registers: readonly RegisterSnapshotV1[];
}

export interface SupplyPointSnapshotV1 {
  readonly supplyPointId: string;
  readonly fuel: Fuel;
  readonly supplyStart: string;
  readonly meters: readonly MeterSnapshotV1[];
}

export interface AgreementSnapshotV1 {
  readonly agreementId: string;
  readonly supplyPointId: string;
  readonly tariffId: string;
  readonly validFrom: string;
  readonly validTo: string | null;
}

export interface AccountSnapshotV1 {
  readonly schema: typeof ACCOUNT_SNAPSHOT_SCHEMA;
  readonly revision: string;
  readonly accountId: string;
  readonly category: AccountCategory;
  readonly categoryEffectiveFrom: string;
  readonly domestic: boolean;
  readonly vulnerable: boolean;
  /** A fraction as a decimal string: "0.05" domestic, "0.2" business. */
  readonly vatRate: string;
  readonly supplyPoints: readonly SupplyPointSnapshotV1[];
  readonly agreements: readonly AgreementSnapshotV1[];
  /** What made this snapshot: for logs and audit, never for state. */
  readonly change: string;
  readonly changedAt: string;
}

export interface RatePeriodV1 {
  readonly validFrom: string;
  readonly validTo: string | null;
  /** Decimal strings: pence per kWh (unit rates) or pence per day (standing charges). */
  readonly exVat: string;
  readonly incVat: string | null;
}

export interface TariffSnapshotV1 {
  readonly schema: typeof TARIFF_SNAPSHOT_SCHEMA;
  readonly revision: string;
  readonly tariffId: string;
  readonly name: string;
  readonly fuel: Fuel;
  readonly unitRates: readonly (RatePeriodV1 & { readonly registerKind: RegisterKind })[];
  readonly standingCharges: readonly RatePeriodV1[];
  readonly change: string;
  readonly changedAt: string;
}

export type RegistrySnapshotV1 = AccountSnapshotV1 | TariffSnapshotV1;

export const tariffKey = (tariffId: string): string => `tariff:${tariffId}`;

/** The record key of a snapshot: the account id, or tariff:<id>. */
export const snapshotKey = (s: RegistrySnapshotV1): string => (s.schema === ACCOUNT_SNAPSHOT_SCHEMA ? s.accountId : tariffKey(s.tariffId));

export function encodeRegistrySnapshot(snapshot: RegistrySnapshotV1): Buffer {
  return Buffer.from(JSON.stringify(snapshot));
}

/** A record no consumer can use, however often it is read: skip it (and count it), never stall on it. */
export class RegistryRecordError extends Error {
  constructor(readonly reason: string, detail: string) {
    super(detail);
    this.name = 'RegistryRecordError';
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL = /^\d{1,12}(\.\d{1,12})?$/;
const KINDS: readonly string[] = ['import', 'export', 'day', 'night', 'gas'];
const UNITS: readonly string[] = ['kWh', 'm3', 'ft3x100'];
const FUELS: readonly string[] = ['electricity', 'gas'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function need(cond: boolean, reason: string, detail: string): void {
  if (!cond) throw new RegistryRecordError(reason, detail);
}
function str(o: Obj, f: string, where: string): string {
  const v = o[f];
  need(typeof v === 'string' && v !== '', 'MISSING_FIELD', `${where}.${f} missing or not a string`);
  return v as string;
}
function day(o: Obj, f: string, where: string, nullable = false): void {
  const v = o[f];
  if (nullable && v === null) return;
  need(typeof v === 'string' && DAY.test(v), 'INVALID_DATE', `${where}.${f} is not YYYY-MM-DD`);
}
function decimal(o: Obj, f: string, where: string, nullable = false): void {
  const v = o[f];
  if (nullable && v === null) return;
  need(typeof v === 'string' && DECIMAL.test(v), 'INVALID_DECIMAL', `${where}.${f} is not a decimal string`);
}
function list(o: Obj, f: string, where: string): Obj[] {
  const v = o[f];
  need(Array.isArray(v) && v.every(isObj), 'INVALID_LIST', `${where}.${f} is not a list of objects`);
  return v as Obj[];
}
function oneOf(o: Obj, f: string, allowed: readonly string[], where: string): void {
  need(typeof o[f] === 'string' && allowed.includes(o[f] as string), 'INVALID_ENUM', `${where}.${f} is not one of ${allowed.join(', ')}`);
}

/**
 * Decodes and checks a record's value and key; throws RegistryRecordError with a reason on anything
 * malformed, on an unknown schema, or on a key that does not match the snapshot (a record filed under
 * the wrong key would be compacted away by the wrong neighbour).
 */
export function decodeRegistrySnapshot(value: Buffer, key?: string): RegistrySnapshotV1 {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    throw new RegistryRecordError('MALFORMED_JSON', 'record value is not JSON');
  }
  need(isObj(parsed), 'NOT_AN_OBJECT', 'record value is not an object');
  const e = parsed as Obj;
  need(typeof e.revision === 'string' && /^\d{1,19}$/.test(e.revision), 'INVALID_REVISION', 'revision is not a decimal integer string');
  str(e, 'change', 'snapshot');
  need(typeof e.changedAt === 'string' && !Number.isNaN(Date.parse(e.changedAt)), 'INVALID_DATE', 'changedAt is not an instant');
  if (e.schema === ACCOUNT_SNAPSHOT_SCHEMA) {
    const id = str(e, 'accountId', 'account');
    oneOf(e, 'category', ['A', 'B', 'C', 'D'], 'account');
    day(e, 'categoryEffectiveFrom', 'account');
    need(typeof e.domestic === 'boolean' && typeof e.vulnerable === 'boolean', 'INVALID_FLAG', 'domestic and vulnerable must be booleans');
    decimal(e, 'vatRate', 'account');
    for (const sp of list(e, 'supplyPoints', 'account')) {
      const spId = str(sp, 'supplyPointId', 'supplyPoint');
      oneOf(sp, 'fuel', FUELS, spId);
      day(sp, 'supplyStart', spId);
      for (const m of list(sp, 'meters', spId)) {
        const serial = str(m, 'meterSerial', spId);
        day(m, 'installedOn', serial);
        day(m, 'removedOn', serial, true);
        for (const r of list(m, 'registers', serial)) {
          const rid = str(r, 'registerId', serial);
          oneOf(r, 'kind', KINDS, rid);
          oneOf(r, 'unit', UNITS, rid);
          need(Number.isInteger(r.digits) && (r.digits as number) >= 1 && (r.digits as number) <= 15, 'INVALID_DIGITS', `${rid}.digits is not 1 to 15`);
          decimal(r, 'eacKwh', rid, true);
          day(r, 'eacEffectiveFrom', rid, true);
        }
      }
    }
    for (const a of list(e, 'agreements', 'account')) {
      str(a, 'agreementId', 'agreement');
      str(a, 'supplyPointId', 'agreement');
      str(a, 'tariffId', 'agreement');
      day(a, 'validFrom', 'agreement');
      day(a, 'validTo', 'agreement', true);
    }
    need(key === undefined || key === id, 'KEY_MISMATCH', `record key ${String(key)} is not the account id ${id}`);
    return e as unknown as AccountSnapshotV1;
  }
  if (e.schema === TARIFF_SNAPSHOT_SCHEMA) {
    const id = str(e, 'tariffId', 'tariff');
    str(e, 'name', 'tariff');
    oneOf(e, 'fuel', FUELS, 'tariff');
    for (const r of list(e, 'unitRates', 'tariff')) {
      oneOf(r, 'registerKind', KINDS, 'unitRate');
      day(r, 'validFrom', 'unitRate');
      day(r, 'validTo', 'unitRate', true);
      decimal(r, 'exVat', 'unitRate');
      decimal(r, 'incVat', 'unitRate', true);
    }
    for (const r of list(e, 'standingCharges', 'tariff')) {
      day(r, 'validFrom', 'standingCharge');
      day(r, 'validTo', 'standingCharge', true);
      decimal(r, 'exVat', 'standingCharge');
      decimal(r, 'incVat', 'standingCharge', true);
    }
    need(key === undefined || key === tariffKey(id), 'KEY_MISMATCH', `record key ${String(key)} is not ${tariffKey(id)}`);
    return e as unknown as TariffSnapshotV1;
  }
  throw new RegistryRecordError('UNKNOWN_SCHEMA', `unknown schema ${String(e.schema)}`);
}
