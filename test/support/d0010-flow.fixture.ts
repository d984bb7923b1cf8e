import { ACCOUNT_SNAPSHOT_SCHEMA, type AccountSnapshotV1 } from '@surge/registry-contracts/registry-change.event';
import { testMpan } from './reading-fixtures';

/** One supply point of a test flow: its meter, register and the readings the file carries for it. */
export interface FlowSupplyPoint {
  readonly accountId: string;
  readonly mpan: string;
  readonly meterSerial: string;
  readonly registerId: string;
}

/**
 * A D0010 file for tests: `readingsPerPoint` routine reads (one a day at midnight from 1 Jan 2022, advancing 10 kWh) for
 * each supply point, in a group of its own. `extraGroups` are appended as written (e.g. a bad group).
 */
export function d0010Flow(fileId: string, points: readonly FlowSupplyPoint[], readingsPerPoint: number, extraGroups: readonly string[][] = [], sender = 'UDMS'): string {
  const lines = [`ZHV|${fileId}|D0010002|D|${sender}|X|SRGE|20260101093000||||OPER|`];
  for (const p of points) {
    lines.push(`026|${p.mpan}|V|`, `028|${p.meterSerial}|R|`);
    for (let i = 0; i < readingsPerPoint; i++) {
      const day = new Date(Date.UTC(2022, 0, 1 + i));
      const stamp = `${day.getUTCFullYear()}${String(day.getUTCMonth() + 1).padStart(2, '0')}${String(day.getUTCDate()).padStart(2, '0')}000000`;
      lines.push(`030|${p.registerId}|${stamp}|${(10000 + i * 10).toFixed(1)}|||T|N|`);
    }
  }
  for (const g of extraGroups) lines.push(...g);
  const records = lines.length - 1;
  lines.push(`ZPT|${fileId}|${records}||${points.length + extraGroups.length}|20260101094500|`);
  return `${lines.join('\n')}\n`;
}

/** `count` supply points, one account each, numbered from `from` (distinct MPANs per test: pass a base of your own). */
export function flowSupplyPoints(prefix: string, from: number, count: number): FlowSupplyPoint[] {
  return Array.from({ length: count }, (_, i) => ({ accountId: `${prefix}-${i}`, mpan: testMpan(from + i), meterSerial: `M${String(from + i).slice(-9)}`, registerId: 'S' }));
}

/** The registry.v1 snapshot that puts a supply point on its account (what the registry publishes). */
export function accountSnapshot(p: FlowSupplyPoint, revision = 1): AccountSnapshotV1 {
  return {
    schema: ACCOUNT_SNAPSHOT_SCHEMA,
    revision: String(revision),
    accountId: p.accountId,
    category: 'A',
    categoryEffectiveFrom: '2020-01-01',
    domestic: true,
    vulnerable: false,
    vatRate: '0.05',
    supplyPoints: [
      {
        supplyPointId: p.mpan,
        fuel: 'electricity',
        supplyStart: '2020-01-01',
        meters: [{ meterSerial: p.meterSerial, installedOn: '2020-01-01', removedOn: null, registers: [{ registerId: p.registerId, kind: 'import', digits: 6, unit: 'kWh', eacKwh: '3100', eacEffectiveFrom: '2020-01-01' }] }],
      },
    ],
    agreements: [],
    change: 'test',
    changedAt: '2026-01-01T00:00:00.000Z',
  };
}
