/*
 * A bill-run worker's own CPU, stage by stage, with no database write in the way.
 *
 *   npm run build && node dist/benchmarks/billing-compute.bench.js --accounts 1000000 --chunks 20 --repeat 5
 *
 * Needs the population `npm run bench:billing -- --accounts N --generate-only` makes (bench_billing_pop_<N> and
 * ClickHouse bench_billing_<N>); only reads it. Loads --chunks chunks of --chunk-size accounts (the first accounts
 * in account order, as a run's first chunks) the way a worker does (master data, previous closings and readings,
 * this process's CPU for it reported as "load"), then runs the pure stages --repeat times over them and prints
 * this process's CPU per account for each (the first repeat warms the JIT and is left out when there are more):
 *   input      buildBillInput (reading selection, the calculator's input)
 *   calculate  calculateBill
 *   encode     the bills and bill_lines rows as COPY text (the JSON documents included), as copyBills sends them
 *   summary    the settlement sums and the billed-reading marks the chunk's transaction writes
 * The figures are for comparing builds on one host (farm-bench alternates them); they are not the run's time,
 * which the database's side and the machine's other processes add to (billing.bench.ts).
 * Loopback only, read-only, bounded by --chunks and --repeat.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { calculateBill } from '@surge/billing-domain/bill.calculator';
import type { Bill } from '@surge/billing-domain/bill.model';
import { createClickHouse } from '@surge/clickhouse/clickhouse.factory';
import { infraFields } from '@surge/config/config.fields';
import { loadConfig } from '@surge/config/config.loader';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { copyText } from '@surge/postgres/postgres-copy.writer';
import { BillingAccountRepository } from '@surge/billing/accounts-tariffs/billing-account.repository';
import type { BillingAccount, PreviousClosing, RegisterReading } from '@surge/billing/accounts-tariffs/billing-account.model';
import { ClickHouseBillingReadings } from '@surge/billing/accounts-tariffs/billing-reading.repository';
import { TariffRepository } from '@surge/billing/accounts-tariffs/tariff.repository';
import { readingWindow } from '@surge/billing/bill-run/bill-run.processor';
import { outboxRowsFor } from '@surge/billing/billed-mark/billed-reading.mapper';
import { buildBillInput } from '@surge/billing/bills/bill-input.builder';
import type { NewBill } from '@surge/billing/bills/bill-row.mapper';
import { BillRepository, billCopyRows, lineCopyRows } from '@surge/billing/bills/bill.repository';
import { settlementTotalsOf } from '@surge/billing/settlement/settlement-summary.writer';
import { DEMO_PERIOD } from '@surge-test/fixtures/demo-population.generator';

const env = loadConfig(z.object(infraFields), process.env);

interface LoadedChunk {
  readonly accountIds: readonly string[];
  readonly accounts: Map<string, BillingAccount>;
  readonly readings: Map<string, RegisterReading[]>;
  readonly previous: Map<string, Map<string, PreviousClosing>>;
}

type Stage = 'input' | 'calculate' | 'encode' | 'summary';

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '1000000' },
      chunks: { type: 'string', default: '20' },
      'chunk-size': { type: 'string', default: '1000' },
      repeat: { type: 'string', default: '5' },
    },
  });
  const n = Number(values.accounts);
  const chunks = Number(values.chunks);
  const chunkSize = Number(values['chunk-size']);
  const repeat = Math.max(1, Number(values.repeat));
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/bench_billing_pop_${n}`;
  const pool = createPostgresPool(url.toString(), { max: 4, applicationName: 'bench-billing-compute' });
  const ch = createClickHouse({ url: env.CLICKHOUSE_URL, database: `bench_billing_${n}`, username: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD });
  try {
    const period = DEMO_PERIOD;
    const tariffRepo = new TariffRepository(pool);
    const [tariffs, calorificValue] = await Promise.all([tariffRepo.all(), tariffRepo.calorificValueFor(period)]);
    const accountRepo = new BillingAccountRepository(pool);
    const billRepo = new BillRepository(pool);
    const readingRepo = new ClickHouseBillingReadings(ch);
    const window = readingWindow(period, 400);
    const ids = (await pool.query<{ account_id: string }>('SELECT account_id FROM accounts ORDER BY account_id LIMIT $1', [chunks * chunkSize])).rows.map((r) => r.account_id);

    const loaded: LoadedChunk[] = [];
    let loadCpu = 0;
    for (let i = 0; i < ids.length; i += chunkSize) {
      const accountIds = ids.slice(i, i + chunkSize);
      const c0 = cpuMicros();
      const [accounts, previous, readings] = await Promise.all([
        accountRepo.load(accountIds),
        billRepo.previousClosings(accountIds, period.start),
        readingRepo.forAccounts(accountIds, window),
      ]);
      loadCpu += cpuMicros() - c0;
      loaded.push({ accountIds, accounts, readings, previous });
    }

    const spent = new Map<Stage, number>();
    let bills = 0;
    let lines = 0;
    let bytes = 0;
    let failed = 0;
    let billId = 0;
    for (let r = 0; r < repeat; r++) {
      const counted = repeat === 1 || r > 0;
      const add = (stage: Stage, micros: number): void => {
        if (counted) spent.set(stage, (spent.get(stage) ?? 0) + micros);
      };
      for (const chunk of loaded) {
        // The two stages in two passes, so each is timed once a chunk (not per account).
        const inputs: { input: ReturnType<typeof buildBillInput>['input']; sources: NewBill['readingSources'] }[] = [];
        const c0 = cpuMicros();
        for (const accountId of chunk.accountIds) {
          const account = chunk.accounts.get(accountId);
          const id = `00000000-0000-7000-8000-${(billId++).toString(16).padStart(12, '0')}`;
          try {
            if (account) inputs.push(buildBillInput(id, account, chunk.readings, chunk.previous.get(accountId) ?? new Map(), { period, tariffs, calorificValue }));
          } catch {
            if (counted) failed += 1;
          }
        }
        const c1 = cpuMicros();
        const newBills: NewBill[] = [];
        for (const { input, sources } of inputs) {
          try {
            const bill: Bill = calculateBill({ ...input, credits: [] });
            newBills.push({ bill, kind: 'bill', revision: 0, runId: null, readingSources: sources, recomputed: null });
          } catch {
            if (counted) failed += 1;
          }
        }
        add('input', c1 - c0);
        add('calculate', cpuMicros() - c1);
        const e0 = cpuMicros();
        const encoded = [...copyText(billCopyRows(newBills)), ...copyText(lineCopyRows(newBills))];
        add('encode', cpuMicros() - e0);
        const s0 = cpuMicros();
        settlementTotalsOf(newBills.map((b) => b.bill));
        outboxRowsFor(newBills, new Set(newBills.map((b) => b.bill.billId))).map((m) => JSON.stringify(m.reading_ids));
        add('summary', cpuMicros() - s0);
        if (counted) {
          bills += newBills.length;
          for (const b of newBills) lines += b.bill.lines.length;
          for (const buf of encoded) bytes += buf.length;
        }
      }
    }
    const per = (micros: number): string => (micros / Math.max(bills, 1)).toFixed(1);
    const total = [...spent.values()].reduce((a, b) => a + b, 0);
    console.log(
      `${ids.length.toLocaleString('en-GB')} accounts in ${loaded.length} chunks of ${chunkSize}; ${bills.toLocaleString('en-GB')} bills (${lines.toLocaleString('en-GB')} lines, ${failed} failed) over ${repeat === 1 ? 1 : repeat - 1} counted repeats; COPY text ${(bytes / Math.max(bills, 1)).toFixed(0)} bytes a bill`,
    );
    console.log(`this process's CPU, us per account: load ${(loadCpu / Math.max(ids.length, 1)).toFixed(1)} (once)`);
    for (const stage of ['input', 'calculate', 'encode', 'summary'] as const) console.log(`  ${stage.padEnd(10)} ${per(spent.get(stage) ?? 0).padStart(7)}`);
    console.log(`  ${'pure total'.padEnd(10)} ${per(total).padStart(7)}`);
  } finally {
    await pool.end();
    await ch.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
