// A deterministic demo population: account n (0-based) always gets the same
// category, supply points, meters, registers and readings, so the PostgreSQL
// seed and the ClickHouse readings can be generated separately (even in
// different processes, in any batch size) and still match. Pure: no I/O.
//
// Mix (domain README section 2), roughly:
//   D passive consumer     60%  domestic; single-rate import (15% Economy 7); 55% also gas
//   C passive participant  25%  domestic; import + export (solar); 50% also gas
//   B active participant   10%  70% domestic; import + export; 30% also gas
//   A system service prov.  5%  business (20% VAT); import + export, 6-digit registers
// 8% of domestic accounts are flagged vulnerable. Gas meters are metric (m3)
// except 1 in 8 imperial (hundreds of ft3).
//
// Readings around the 1 April 2022 price change, for bill period
// [2022-03-01, 2022-05-01): a routine read on 1 Dec 2021 (history), an
// opening read on 1 Mar, a Meter Reading Day customer read on the evening of
// 31 Mar (20:30 BST, which stands for 1 Apr) for ~70% of accounts, and a
// closing read on the morning of 1 May for ~85% (the rest are estimated). ~2%
// of registers roll over; ~3% of accounts also have a rejected read and ~2% a
// duplicate submission, which billing must ignore.
import type { CustomerCategory } from '@surge/billing-domain/bill.model';
import type { RegisterUnit } from '@surge/billing-domain/consumption';
import type { Fuel, RegisterKind } from '@surge/billing-domain/tariff';
import { mpanCheckDigit } from '@surge/meter-domain/mpan.validator';

export const DEMO_TARIFFS = {
  electricity: 'PRICE-CAP-ELEC-SR-2022',
  economy7: 'EXAMPLE-ELEC-E7-2022',
  gas: 'PRICE-CAP-GAS-2022',
} as const;

/** The bill period the demo readings are shaped for. */
export const DEMO_PERIOD = { start: '2022-03-01', end: '2022-05-01' } as const;
export const DEMO_SUPPLY_START = '2021-10-01';
/** Calorific value seeded for the demo (MJ/m3; the domain README: about 39 to 40). */
export const DEMO_CALORIFIC_VALUE = '39.5';

export interface DemoRegister {
  readonly registerId: 'S' | 'EXPORT' | 'DAY' | 'NIGHT' | 'GAS';
  readonly kind: RegisterKind;
  readonly digits: number;
  readonly unit: RegisterUnit;
  readonly eacKwh: string;
  /** Register units per day, for the generated readings. */
  readonly dailyUnits: number;
  readonly startValue: number;
}

export interface DemoSupplyPoint {
  readonly supplyPointId: string;
  readonly fuel: Fuel;
  readonly meterSerial: string;
  readonly tariffId: string;
  readonly registers: readonly DemoRegister[];
}

export interface DemoAccount {
  readonly index: number;
  readonly accountId: string;
  readonly category: CustomerCategory;
  readonly domestic: boolean;
  readonly vulnerable: boolean;
  readonly vatRate: string;
  readonly supplyPoints: readonly DemoSupplyPoint[];
}

export interface DemoReading {
  readonly readingId: string;
  readonly accountId: string;
  readonly supplyPointId: string;
  readonly fuel: Fuel;
  readonly meterSerial: string;
  readonly registerId: string;
  /** UTC instant, ISO 8601. */
  readonly readAt: string;
  readonly value: string;
  readonly unit: RegisterUnit;
  readonly source: string;
  readonly channel: 'web' | 'app' | 'collector';
  readonly status: 'accepted' | 'rejected';
  readonly reasonCode: string;
  readonly duplicateOf: string;
  readonly backdated: boolean;
  readonly rolledOver: boolean;
  readonly submittedAtMs: number;
}

/** A small, fast, deterministic PRNG (mulberry32) seeded per account and purpose. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const demoAccountId = (n: number, prefix = 'DEMO'): string => `${prefix}-${String(n).padStart(8, '0')}`;

/** A valid MPAN core unique per n < 10^10: distributor 10..23, then n, then the check digit. */
export function demoMpan(n: number): string {
  const first12 = `${10 + (n % 14)}${String(n).padStart(10, '0')}`;
  return `${first12}${mpanCheckDigit(first12)}`;
}

/** A 10-digit MPRN unique per n < 10^9 (MPRN check digits are advisory: README section 3). */
export const demoMprn = (n: number): string => `7${String(n).padStart(9, '0')}`;

function category(r: number): CustomerCategory {
  if (r < 0.6) return 'D';
  if (r < 0.85) return 'C';
  if (r < 0.95) return 'B';
  return 'A';
}

/** Demo account number n. `prefix` namespaces account ids (tests and benchmarks use their own). */
export function demoAccount(n: number, prefix = 'DEMO'): DemoAccount {
  const rnd = prng(n * 7919 + 17);
  const cat = category(rnd());
  const domestic = cat === 'A' ? false : cat === 'B' ? rnd() < 0.7 : true;
  const vulnerable = domestic && rnd() < 0.08;
  const generates = cat !== 'D';
  const economy7 = cat === 'D' && rnd() < 0.15;
  const gasShare = cat === 'D' ? 0.55 : cat === 'C' ? 0.5 : cat === 'B' ? 0.3 : 0;
  const hasGas = rnd() < gasShare;
  const digits = cat === 'A' ? 6 : 5;
  const scale = cat === 'A' ? 12 : cat === 'B' ? 1.8 : cat === 'C' ? 0.8 : 1;
  const start = (perDay: number): number => {
    // ~2% of registers sit below the dials' maximum so that they roll over inside the
    // bill period (about 120 days after the 1 December history read).
    const max = 10 ** digits;
    return rnd() < 0.02 ? max - Math.ceil(perDay * 120) : Math.floor(rnd() * (max * 0.6));
  };
  const reg = (registerId: DemoRegister['registerId'], kind: RegisterKind, unit: RegisterUnit, perDay: number, kwhPerUnit = 1): DemoRegister => {
    const dailyUnits = Math.max(1, Math.round(perDay * (0.6 + rnd() * 0.8) * 10) / 10);
    return { registerId, kind, digits, unit, eacKwh: String(Math.round(dailyUnits * kwhPerUnit * 365)), dailyUnits, startValue: start(dailyUnits) };
  };
  const accountId = demoAccountId(n, prefix);
  const serial = (letter: string): string => `${letter}${String(n).padStart(9, '0')}`;
  const electricityRegisters: DemoRegister[] = economy7
    ? [reg('DAY', 'day', 'kWh', 5 * scale), reg('NIGHT', 'night', 'kWh', 4 * scale)]
    : [reg('S', 'import', 'kWh', 8 * scale)];
  if (generates) electricityRegisters.push(reg('EXPORT', 'export', 'kWh', 3 * scale));
  const supplyPoints: DemoSupplyPoint[] = [
    {
      supplyPointId: demoMpan(n),
      fuel: 'electricity',
      meterSerial: serial('E'),
      tariffId: economy7 ? DEMO_TARIFFS.economy7 : DEMO_TARIFFS.electricity,
      registers: electricityRegisters,
    },
  ];
  if (hasGas) {
    const imperial = rnd() < 0.125;
    // ~11.2 kWh per m3 at CV 39.5; hundreds of ft3 are 2.83 m3.
    const kwhPerUnit = imperial ? 31.8 : 11.2;
    supplyPoints.push({
      supplyPointId: demoMprn(n),
      fuel: 'gas',
      meterSerial: serial('G'),
      tariffId: DEMO_TARIFFS.gas,
      registers: [reg('GAS', 'gas', imperial ? 'ft3x100' : 'm3', (33 * scale) / kwhPerUnit, kwhPerUnit)],
    });
  }
  return { index: n, accountId, category: cat, domestic, vulnerable, vatRate: domestic ? '0.05' : '0.20', supplyPoints };
}

const DAY_MS = 86_400_000;
const HISTORY_AT = Date.parse('2021-12-01T10:00:00Z');
const OPENING_AT = Date.parse('2022-03-01T09:00:00Z');
/** 20:30 BST on Meter Reading Day: stands for the start of 1 April. */
const METER_READING_DAY_AT = Date.parse('2022-03-31T19:30:00Z');
/** 08:00 BST on 1 May. */
const CLOSING_AT = Date.parse('2022-05-01T07:00:00Z');

/** The readings of demo account n (see the file comment), in time order per register. */
export function demoReadings(account: DemoAccount): DemoReading[] {
  const rnd = prng(account.index * 104729 + 3);
  const meterReadingDay = rnd() < 0.7;
  const closing = rnd() < 0.85;
  const rejected = rnd() < 0.03;
  const duplicate = rnd() < 0.02;
  const out: DemoReading[] = [];
  for (const sp of account.supplyPoints) {
    for (const r of sp.registers) {
      const modulus = 10 ** r.digits;
      let k = 0;
      const at = (ms: number, source: string, channel: DemoReading['channel'], extra: Partial<DemoReading> = {}): DemoReading => {
        const days = (ms - HISTORY_AT) / DAY_MS;
        const raw = r.startValue + Math.round(days * r.dailyUnits);
        const reading: DemoReading = {
          readingId: `${account.accountId}-${sp.fuel === 'gas' ? 'G' : 'E'}-${r.registerId}-${k++}`,
          accountId: account.accountId,
          supplyPointId: sp.supplyPointId,
          fuel: sp.fuel,
          meterSerial: sp.meterSerial,
          registerId: r.registerId,
          readAt: new Date(ms).toISOString(),
          value: String(raw % modulus),
          unit: r.unit,
          source,
          channel,
          status: 'accepted',
          reasonCode: '',
          duplicateOf: '',
          backdated: false,
          rolledOver: false,
          submittedAtMs: ms + 3_600_000,
          ...extra,
        };
        return reading;
      };
      const series: DemoReading[] = [at(HISTORY_AT, 'R', 'collector'), at(OPENING_AT, 'R', 'collector')];
      if (meterReadingDay) series.push(at(METER_READING_DAY_AT, 'C', rnd() < 0.5 ? 'web' : 'app', { submittedAtMs: METER_READING_DAY_AT + 2 * DAY_MS, backdated: true }));
      if (closing) series.push(at(CLOSING_AT, 'C', 'app'));
      // Mark the read where the dials wrapped.
      for (let i = 1; i < series.length; i++) {
        const prev = series[i - 1]!;
        const cur = series[i]!;
        if (Number(cur.value) < Number(prev.value)) series[i] = { ...cur, rolledOver: true };
      }
      out.push(...series);
      if (rejected && r.kind !== 'export') {
        out.push(at(CLOSING_AT - DAY_MS, 'C', 'web', { value: String(modulus - 1), status: 'rejected', reasonCode: 'CONSUMPTION_EXCEEDS_TWICE_EXPECTED' }));
      }
      if (duplicate && series.length > 2) {
        const original = series[series.length - 1]!;
        out.push({ ...original, readingId: `${original.readingId}-dup`, duplicateOf: original.readingId, submittedAtMs: original.submittedAtMs + 60_000 });
      }
    }
  }
  return out;
}
