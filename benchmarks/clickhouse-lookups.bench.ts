/*
 * ClickHouse CPU of read-sink's per-batch lookups and insert: what the server spends, not the client.
 *
 *   npm run build && node dist/benchmarks/clickhouse-lookups.bench.js [--rows 350000] [--registers 40000]
 *     [--batch 1000] [--rounds 20] [--url http://127.0.0.1:8123] [--pid <clickhouse pid>]
 *
 * Seeds a database of its own (dropped at the end) with --rows readings over --registers accounts of one
 * register each (a surge's table: 20,000 customers and as many collector supply points, ~350k readings by the
 * end of the full profile), then, for --rounds rounds of a --batch-reading batch, measures the server's CPU
 * (utime + stime of --pid from /proc, default .stack/pids/clickhouse.pid) for the repository's own calls:
 * `findDecided` (fresh readings: nothing found, as in a healthy sink), `acceptedHistory` (registers that have
 * history) and `insert`. CPU time of the server, unlike latency, stays comparable when the machine is busy, but
 * every other client of the same server counts too: point --url and --pid at a private server for clean
 * figures (scripts/stack/stack.sh with its own SURGE_STATE_DIR and CH_*_PORT). Run the same command with another
 * build's dist to compare a change. Bounded by its flags; loopback only.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createClickHouse, ensureDatabase } from '@surge/clickhouse/clickhouse.factory';
import { migrateClickHouse } from '@surge/clickhouse/clickhouse.migrator';
import { READING_CLICKHOUSE_MIGRATIONS } from '@surge/reading-store/clickhouse/reading-clickhouse.migrations';
import { ClickHouseMeterReadingRepository } from '@surge/reading-store/clickhouse/clickhouse-meter-reading.repository';
import type { StoredReading } from '@surge/reading-store/meter-reading.repository';
import { storedReading } from '@surge-test/fixtures/stored-reading.stub';
import { cpuTicks } from '@surge-test/support/process-stats';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '350000' },
    registers: { type: 'string', default: '40000' },
    batch: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '20' },
    url: { type: 'string', default: process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123' },
    pid: { type: 'string' },
  },
});
const rows = Number(values.rows);
const registers = Number(values.registers);
const batch = Number(values.batch);
const rounds = Number(values.rounds);
if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(values.url!)) throw new Error('--url must be a loopback address');
const pid = Number(values.pid ?? readFileSync('.stack/pids/clickhouse.pid', 'utf8').trim());
const serverTicks = (): number => {
  const ticks = cpuTicks(pid);
  if (ticks === null) throw new Error(`cannot read /proc/${pid}/stat: is --pid the ClickHouse server?`);
  return ticks;
};

const settings = { url: values.url!, database: `bench_lookups_${Date.now()}`, username: process.env.CLICKHOUSE_USER ?? 'default', password: process.env.CLICKHOUSE_PASSWORD ?? '' };

const reading = (i: number, register: number): StoredReading =>
  storedReading({
    readingId: `r-${i}`,
    accountId: `BENCH-${register}`,
    supplyPointId: String(1_000_000_000_000 + register),
    meterSerial: `K${register}`,
    readAt: new Date(Date.UTC(2022, 0, 1) + (i % 400) * 86_400_000).toISOString(),
    value: `${1000 + (i % 9000)}.5`,
    correlationId: randomUUID(),
    category: 'D',
    reviewId: '',
  });

async function main(): Promise<void> {
  await ensureDatabase(settings);
  const ch = createClickHouse(settings);
  const repo = new ClickHouseMeterReadingRepository(ch);
  try {
    await migrateClickHouse(ch, READING_CLICKHOUSE_MIGRATIONS);
    for (let from = 0; from < rows; from += 10_000) {
      await repo.insert(Array.from({ length: Math.min(10_000, rows - from) }, (_, k) => reading(from + k, (from + k) % registers)));
    }
    // The seed's merges would count in the first figures: wait until the server has none running (bounded).
    const settled = async (): Promise<void> => {
      for (let quiet = 0, i = 0; quiet < 3 && i < 240; i++) {
        const rs = await ch.query({ query: `SELECT count() AS n FROM system.merges WHERE database = '${settings.database}'`, format: 'JSONEachRow' });
        quiet = Number(((await rs.json()) as { n: string }[])[0]!.n) === 0 ? quiet + 1 : 0;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    await settled();
    let next = rows;
    const sample = (round: number): StoredReading[] =>
      Array.from({ length: batch }, (_, k) => reading(next++, (round * 7919 + k * 104_729) % registers));
    const figures: Record<string, number> = {};
    const measure = async (name: string, op: (round: number) => Promise<unknown>): Promise<void> => {
      const before = serverTicks();
      for (let r = 0; r < rounds; r++) await op(r);
      figures[name] = ((serverTicks() - before) * 10) / rounds;
    };
    await measure('findDecided', async (r) => {
      const b = sample(r);
      await repo.findDecided(
        b.map((x) => x.accountId),
        b.map((x) => `fresh-${x.readingId}`),
      );
    });
    await measure('acceptedHistory', (r) => repo.acceptedHistory(sample(r)));
    // An insert's cost includes the merges of the parts it makes: measured until they are done.
    await measure('insert', async (r) => {
      await repo.insert(sample(r));
      if (r === rounds - 1) await settled();
    });
    console.log(`ClickHouse server CPU per call, ${batch.toLocaleString('en-GB')} readings a batch, ${rounds} rounds, table of ${rows.toLocaleString('en-GB')} readings over ${registers.toLocaleString('en-GB')} registers (${values.url}, pid ${pid})`);
    for (const [name, ms] of Object.entries(figures)) console.log(`  ${name.padEnd(16)} ${ms.toFixed(1).padStart(7)} ms   (${((1000 * ms) / batch).toFixed(1)} us a reading)`);
    console.log(`  per batch        ${Object.values(figures).reduce((a, b) => a + b, 0).toFixed(1).padStart(7)} ms`);
  } finally {
    await ch.command({ query: `DROP DATABASE IF EXISTS ${settings.database}` }).catch(() => undefined);
    await ch.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
