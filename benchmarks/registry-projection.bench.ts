/*
 * Registry projection memory and build time: what read-sink's local copy of registry.v1 costs per register,
 * and how long a rebuild takes (read-sink rebuilds it from the topic at every start).
 *
 *   npm run build && node --expose-gc dist/benchmarks/registry-projection.bench.js [--accounts 200000]
 *
 * Applies --accounts decoded snapshots (one supply point, meter and register each, as most domestic accounts
 * have) to a RegisterStateProjection in this process and prints the time and the heap it holds after a full GC.
 * Decoding from Kafka is not included (the JSON parse of each record is paid again by the sink). In memory only,
 * bounded by --accounts; no server is touched.
 */
import { parseArgs } from 'node:util';
import { RegisterStateProjection } from '@surge/registry-contracts/register-state.projection';
import { ACCOUNT_SNAPSHOT_SCHEMA, decodeRegistrySnapshot, encodeRegistrySnapshot, type AccountSnapshotV1 } from '@surge/registry-contracts/registry-change.event';

const { values } = parseArgs({ options: { accounts: { type: 'string', default: '200000' } } });
const n = Number(values.accounts);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const snapshotOf = (i: number): AccountSnapshotV1 => ({
  schema: ACCOUNT_SNAPSHOT_SCHEMA, revision: String(i + 1), accountId: `ACC-${i}`, category: 'D', categoryEffectiveFrom: '2021-06-01', domestic: true, vulnerable: false, vatRate: '0.05',
  supplyPoints: [{ supplyPointId: String(1_000_000_000_000 + i), fuel: 'electricity', supplyStart: '2021-06-01', meters: [{ meterSerial: `E${String(i).padStart(9, '0')}`, installedOn: '2021-06-01', removedOn: null, registers: [{ registerId: 'S', kind: 'import', digits: 5, unit: 'kWh', eacKwh: String(2000 + (i % 3000)), eacEffectiveFrom: '2021-06-01' }] }] }],
  agreements: [], change: 'account.created', changedAt: '2022-01-01T00:00:00Z',
});

gc();
const before = process.memoryUsage().heapUsed;
const projection = new RegisterStateProjection();
const started = process.hrtime.bigint();
// Through the record codec, as the sink sees them: strings come from JSON.parse, like a consumed record's.
for (let i = 0; i < n; i++) projection.apply(decodeRegistrySnapshot(encodeRegistrySnapshot(snapshotOf(i)), `ACC-${i}`));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
gc();
const held = process.memoryUsage().heapUsed - before;
console.log(`registry projection: ${n.toLocaleString('en-GB')} accounts, ${projection.size.toLocaleString('en-GB')} registers`);
console.log(`  build (encode + decode + apply): ${seconds.toFixed(2)} s, ${Math.round(n / seconds).toLocaleString('en-GB')} snapshots/s`);
console.log(`  heap held: ${(held / 1048576).toFixed(1)} MiB, ${Math.round(held / projection.size)} bytes per register`);
