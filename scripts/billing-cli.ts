/**
 * The billing team's command line.
 *
 *   npm run billing:cli -- run --from 2022-03-01 --to 2022-05-01        start a bill run and watch it (progress bar)
 *   npm run billing:cli -- run --from ... --to ... --kind correction     correct estimated bills whose actual reads arrived
 *   npm run billing:cli -- run --from ... --to ... --accounts A,B        only these accounts
 *   npm run billing:cli -- status <runId> [--watch]
 *   npm run billing:cli -- failures <runId> [--limit 50]
 *   npm run billing:cli -- resume <runId> [--retry-failed] [--no-wait]
 *   npm run billing:cli -- settlement --from 2022-03-01 --to 2022-05-01 [--csv]
 *   npm run billing:seed -- [--accounts 1000] [--offset 0] [--prefix DEMO] [--readings]   tariffs + demo population
 *   npm run billing:cli -- migrate
 *
 * run/status/failures/resume/settlement talk to the billing API (BILLING_URL,
 * default http://127.0.0.1:3002) with a staff API key (BILLING_API_KEY, or
 * --api-key-file, default .stack/dev/staff-api-key). seed and migrate talk to
 * PostgreSQL (DATABASE_URL) and, with --readings, ClickHouse (CLICKHOUSE_*).
 * Interrupting a watch (Ctrl-C) leaves the run going; `status --watch` picks it up.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { clickHouseSettingsFrom, createClickHouse, ensureDatabase } from '@surge/clickhouse/clickhouse.factory';
import { READING_CLICKHOUSE_MIGRATIONS } from '@surge/reading-store/clickhouse/reading-clickhouse.migrations';
import { BILLING_CLICKHOUSE_MIGRATIONS, BILLING_CLICKHOUSE_TRACKING_TABLE } from '@surge/billing/billing-clickhouse.migrations';
import { migrateClickHouse } from '@surge/clickhouse/clickhouse.migrator';
import { infraFields } from '@surge/config/config.fields';
import { ConfigError, loadConfig } from '@surge/config/config.loader';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { migratePostgres } from '@surge/postgres/postgres.migrator';
import { BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE } from '@surge/billing/billing-postgres.migrations';
import { seedPopulation, seedReadings, seedReferenceData } from '@surge-test/support/billing.seeder';
import { type BillRunStatus, formatDuration, renderProgressBar } from '@surge/billing/bill-run/bill-run.progress';

const { KAFKA_BROKERS: _b, KAFKA_CLIENT_ID: _c, KAFKA_TOPIC_PREFIX: _t, ...stores } = infraFields;
const config = loadConfig(
  z.object({
    ...stores,
    BILLING_URL: z.string().url().default('http://127.0.0.1:3002'),
    BILLING_API_KEY: z.string().optional(),
  }),
  process.env,
);

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    kind: { type: 'string', default: 'bill' },
    accounts: { type: 'string' },
    offset: { type: 'string', default: '0' },
    prefix: { type: 'string', default: 'DEMO' },
    readings: { type: 'boolean', default: false },
    'idempotency-key': { type: 'string' },
    'api-key-file': { type: 'string', default: '.stack/dev/staff-api-key' },
    'retry-failed': { type: 'boolean', default: false },
    'no-wait': { type: 'boolean', default: false },
    watch: { type: 'boolean', default: false },
    limit: { type: 'string', default: '50' },
    csv: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const USAGE = `usage: billing-cli run --from YYYY-MM-DD --to YYYY-MM-DD [--kind bill|correction] [--accounts a,b] [--idempotency-key K] [--no-wait]
       billing-cli status <runId> [--watch] | failures <runId> [--limit N] | resume <runId> [--retry-failed] [--no-wait]
       billing-cli settlement --from D --to D [--csv] | seed [--accounts N] [--offset N] [--prefix P] [--readings] | migrate`;

class CliError extends Error {}

function apiKey(): string {
  if (config.BILLING_API_KEY) return config.BILLING_API_KEY;
  const file = opts['api-key-file'] as string;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new CliError(`no API key: set BILLING_API_KEY or pass --api-key-file (${file} does not exist)`);
}

async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; text: string }> {
  let res: Response;
  try {
    res = await fetch(`${config.BILLING_URL}${path}`, {
      method,
      headers: { 'x-api-key': apiKey(), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (e) {
    throw new CliError(`cannot reach billing at ${config.BILLING_URL}: ${(e as Error).message}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* CSV or plain text */
  }
  if (res.status >= 400) {
    const err = (parsed as { error?: { code?: string; message?: string } })?.error;
    throw new CliError(`${res.status} ${err?.code ?? ''}: ${err?.message ?? text}`);
  }
  return { status: res.status, body: parsed as T, text };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the run and draws a progress bar until it finishes (or Ctrl-C, which leaves the run going). */
async function watch(runId: string): Promise<BillRunStatus> {
  const tty = process.stderr.isTTY === true;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  let lastPrinted = 0;
  try {
    for (;;) {
      const { body: s } = await api<BillRunStatus>('GET', `/v1/bill-runs/${runId}`);
      const line = renderProgressBar(s, 30);
      if (tty) process.stderr.write(`\r\x1b[2K${line}`);
      else if (Date.now() - lastPrinted >= 5000 || s.status !== 'running') {
        process.stderr.write(`${line}\n`);
        lastPrinted = Date.now();
      }
      if (s.status !== 'running') {
        if (tty) process.stderr.write('\n');
        return s;
      }
      if (interrupted) {
        if (tty) process.stderr.write('\n');
        process.stderr.write(`Stopped watching; run ${runId} carries on. Watch again: billing-cli status ${runId} --watch\n`);
        return s;
      }
      await sleep(1000);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function summary(s: BillRunStatus): Promise<void> {
  const seconds = s.finishedAt ? (Date.parse(s.finishedAt) - Date.parse(s.createdAt)) / 1000 : null;
  console.log(
    `Run ${s.runId} (${s.kind}, ${s.period.start} to ${s.period.end}): ${s.status.replace(/_/g, ' ')}; ` +
      `${s.billed} billed (bills issued), ${s.alreadyBilled} already billed, ${s.unchanged} unchanged, ${s.failed} failed of ${s.totalAccounts}` +
      (seconds !== null ? ` in ${formatDuration(seconds)} (${s.ratePerSecond} accounts/s)` : ''),
  );
  if (s.failed > 0) await failures(s.runId, 10);
}

async function failures(runId: string, limit: number): Promise<void> {
  const { body } = await api<{ items: { accountId: string; reasonCode: string; reason: string }[]; nextAfter: string | null }>(
    'GET',
    `/v1/bill-runs/${runId}/failures?limit=${limit}`,
  );
  for (const f of body.items) console.log(`  ${f.accountId}  ${f.reasonCode}  ${f.reason}`);
  if (body.nextAfter) console.log(`  ... more: billing-cli failures ${runId} --limit ${limit * 10}`);
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new CliError(`${what} is required\n${USAGE}`);
  return value;
}

function pool() {
  return createPostgresPool(config.DATABASE_URL, { max: 2, applicationName: 'billing-cli' });
}

async function main(): Promise<void> {
  const [command, arg] = positionals;
  if (opts.help || !command) {
    console.log(USAGE);
    return;
  }
  switch (command) {
    case 'run': {
      const body = {
        periodStart: need(opts.from, '--from'),
        periodEnd: need(opts.to, '--to'),
        kind: opts.kind,
        ...(opts.accounts ? { accountIds: opts.accounts.split(',').map((a) => a.trim()).filter(Boolean) } : {}),
      };
      const key = opts['idempotency-key'];
      const { body: s } = await api<BillRunStatus>('POST', '/v1/bill-runs', body, key ? { 'idempotency-key': key } : {});
      console.log(`Bill run ${s.runId}: ${s.totalAccounts} accounts in ${s.totalChunks} chunks of ${s.chunkSize}`);
      if (!opts['no-wait']) await summary(await watch(s.runId));
      return;
    }
    case 'status': {
      const runId = need(arg, 'runId');
      if (opts.watch) await summary(await watch(runId));
      else console.log(JSON.stringify((await api<BillRunStatus>('GET', `/v1/bill-runs/${runId}`)).body, null, 2));
      return;
    }
    case 'failures':
      await failures(need(arg, 'runId'), Number(opts.limit));
      return;
    case 'resume': {
      const runId = need(arg, 'runId');
      const { body: s } = await api<BillRunStatus & { requeuedChunks: number }>('POST', `/v1/bill-runs/${runId}/resume`, { retryFailed: opts['retry-failed'] });
      console.log(`Resumed ${runId}: ${s.requeuedChunks} chunk jobs queued again`);
      if (!opts['no-wait'] && s.status === 'running') await summary(await watch(runId));
      return;
    }
    case 'settlement': {
      const q = `from=${need(opts.from, '--from')}&to=${need(opts.to, '--to')}&format=${opts.csv ? 'csv' : 'json'}`;
      const res = await api<unknown>('GET', `/v1/settlement?${q}`);
      process.stdout.write(opts.csv ? res.text : `${JSON.stringify(res.body, null, 2)}\n`);
      return;
    }
    case 'migrate': {
      const p = pool();
      try {
        const applied = await migratePostgres(p, BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE);
        console.log(applied.length ? `applied billing migrations ${applied.join(', ')}` : 'billing schema up to date');
      } finally {
        await p.end();
      }
      return;
    }
    case 'seed': {
      const count = Number(opts.accounts ?? '1000');
      const offset = Number(opts.offset);
      if (!Number.isInteger(count) || count < 0 || !Number.isInteger(offset) || offset < 0) throw new CliError('--accounts and --offset must be whole numbers');
      const p = pool();
      const started = Date.now();
      try {
        await seedReferenceData(p);
        await seedPopulation(p, {
          count,
          offset,
          prefix: opts.prefix,
          onProgress: (done) => process.stderr.write(`\raccounts ${done.toLocaleString('en-GB')}/${count.toLocaleString('en-GB')}`),
        });
        process.stderr.write('\n');
      } finally {
        await p.end();
      }
      let readings = 0;
      if (opts.readings) {
        const settings = clickHouseSettingsFrom(config);
        await ensureDatabase(settings);
        const ch = createClickHouse(settings);
        try {
          // The readings table belongs to the read path, the marks table to billing: their (idempotent) migrations make sure both exist, as read-sink does.
          await migrateClickHouse(ch, READING_CLICKHOUSE_MIGRATIONS);
          await migrateClickHouse(ch, BILLING_CLICKHOUSE_MIGRATIONS, BILLING_CLICKHOUSE_TRACKING_TABLE);
          readings = await seedReadings(ch, { count, offset, prefix: opts.prefix });
        } finally {
          await ch.close();
        }
      }
      console.log(
        `seeded tariffs, calorific value and ${count} ${opts.prefix} accounts from #${offset}` +
          (opts.readings ? ` with ${readings} readings in ClickHouse ${config.CLICKHOUSE_DATABASE}.meter_readings` : '') +
          ` in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return;
    }
    default:
      throw new CliError(`unknown command ${command}\n${USAGE}`);
  }
}

main().catch((error) => {
  console.error(error instanceof CliError || error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
