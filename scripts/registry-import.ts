/**
 * Bulk import of a supplier's accounts into the registry (docs/decisions/0008-registry.md).
 *
 *   npm run registry:import -- import <accounts.csv> [--import-id <id>] [--batch 1000] [--rejects <file>]
 *   npm run registry:import -- generate <accounts.csv> --accounts 1000000 [--prefix MIG]
 *   npm run registry:import -- republish      queue a snapshot of every tariff and account on registry.v1
 *
 * The file (columns in libs/registry/src/account-csv.parser.ts) is streamed: one account in memory
 * while it is read, one batch while it is written. Each batch is one PostgreSQL transaction together with
 * the import's checkpoint (table registry_import_checkpoints, keyed by --import-id, default the file's
 * name), so an interrupted import run again with the same id resumes after the last committed batch:
 * nothing is written twice, nothing skipped. Accounts the API would refuse (bad MPAN, register that does
 * not fit, supply point already registered...) are skipped, with their line numbers and reasons appended
 * to the rejects file (default <file>.rejects.jsonl); the import goes on. Every imported account queues its
 * snapshot in the registry outbox, so registry.v1 learns it like any other change (the registry service's
 * relay publishes it). Talks to PostgreSQL only (DATABASE_URL); runs the registry's migrations first.
 */
import { createReadStream, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfig } from '@surge/config/config.loader';
import { mpanCheckDigit } from '@surge/meter-domain/mpan.validator';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { migratePostgres } from '@surge/postgres/postgres.migrator';
import { ACCOUNT_CSV_COLUMNS, AccountCsvGrouper, parseHeader } from '@surge/registry/account-csv.parser';
import { AccountImportWriter } from '@surge/registry/account-import.writer';
import { REGISTRY_MIGRATIONS, REGISTRY_MIGRATIONS_TABLE } from '@surge/registry/registry-postgres.migrations';
import { republishRegistry } from '@surge/registry/registry.republisher';
import type { CreateAccountRequest } from '@surge/registry/registry.schema';

const config = loadConfig(z.object({ DATABASE_URL: z.string().default('postgres://surge:surge@127.0.0.1:5432/surge') }), process.env);

function bar(done: number, total: number, imported: number, rejected: number, startedMs: number): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const width = 30;
  const filled = Math.round(share * width);
  const seconds = (Date.now() - startedMs) / 1000;
  const rate = seconds > 0 ? imported / seconds : 0;
  const eta = share > 0 ? seconds / share - seconds : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(1)}%  ${imported} imported, ${rejected} rejected, ${Math.round(rate)}/s, ETA ${Math.round(eta)} s`;
}

async function runImport(file: string, opts: { importId: string; batch: number; rejects: string }): Promise<void> {
  const pool = createPostgresPool(config.DATABASE_URL, { max: 2, applicationName: 'registry-import' });
  const started = Date.now();
  let rejectsOut: WriteStream | undefined;
  try {
    await migratePostgres(pool, REGISTRY_MIGRATIONS, REGISTRY_MIGRATIONS_TABLE);
    const writer = new AccountImportWriter(pool, opts.importId, `import:${opts.importId}`);
    const resumeFrom = await writer.checkpoint();
    let imported = resumeFrom?.imported ?? 0;
    let rejected = resumeFrom?.rejected ?? 0;
    if (resumeFrom) process.stderr.write(`resuming import ${opts.importId} after line ${resumeFrom.lastLine} (${imported} imported, ${rejected} rejected so far)\n`);
    const total = statSync(file).size;
    let bytes = 0;
    const input = createReadStream(file, { highWaterMark: 1 << 20 });
    input.on('data', (chunk) => (bytes += chunk.length));
    const lines = createInterface({ input, crlfDelay: Infinity });
    const tty = process.stderr.isTTY;
    let lastPaint = 0;
    const paint = (force = false) => {
      if (!force && Date.now() - lastPaint < (tty ? 200 : 5000)) return;
      lastPaint = Date.now();
      process.stderr.write(`${tty ? '\r' : ''}${bar(bytes, total, imported, rejected, started)}${tty ? '' : '\n'}`);
    };
    const reject = (accountId: string, firstLine: number | null, lastLine: number | null, issues: unknown) => {
      rejectsOut ??= createWriteStream(opts.rejects, { flags: 'a' });
      rejectsOut.write(`${JSON.stringify({ importId: opts.importId, accountId, firstLine, lastLine, issues })}\n`);
      rejected += 1;
    };
    let grouper: AccountCsvGrouper | null = null;
    let lineNo = 0;
    let pending: CreateAccountRequest[] = [];
    let pendingLastLine = 0;
    const flush = async () => {
      if (pending.length === 0) return;
      const rejectedBefore = rejected;
      const result = await writer.writeBatch(pending, pendingLastLine, rejectedBefore);
      imported += result.imported;
      for (const r of result.rejected) reject(r.accountId, null, null, r.issues);
      pending = [];
      paint();
    };
    for await (const line of lines) {
      lineNo += 1;
      if (lineNo === 1) {
        grouper = new AccountCsvGrouper(parseHeader(line));
        continue;
      }
      if (resumeFrom && lineNo <= resumeFrom.lastLine) continue;
      const done = grouper!.push(line, lineNo);
      if (!done) continue;
      if (done.ok) {
        pending.push(done.account);
        pendingLastLine = done.lastLine;
      } else {
        reject(done.accountId, done.firstLine, done.lastLine, done.issues);
      }
      if (pending.length >= opts.batch) await flush();
    }
    const last = grouper?.flush();
    if (last?.ok) {
      pending.push(last.account);
      pendingLastLine = last.lastLine;
    } else if (last) {
      reject(last.accountId, last.firstLine, last.lastLine, last.issues);
    }
    await flush();
    paint(true);
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`\n`);
    console.log(JSON.stringify({ importId: opts.importId, file, imported, rejected, seconds: Number(seconds.toFixed(1)), accountsPerSecond: Math.round(imported / Math.max(seconds, 0.001)), rejects: rejected ? opts.rejects : null }));
  } finally {
    await new Promise<void>((r) => (rejectsOut ? rejectsOut.end(() => r()) : r()));
    await pool.end();
  }
}

/** A migration file of n domestic electricity accounts, one register each, valid MPANs of distributor 15. */
async function generate(file: string, accounts: number, prefix: string): Promise<void> {
  const out = createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write(`${ACCOUNT_CSV_COLUMNS.join(',')}\n`);
  let buf = '';
  for (let i = 0; i < accounts; i++) {
    const first12 = `15${String(i).padStart(10, '0')}`;
    const mpan = `${first12}${mpanCheckDigit(first12)}`;
    const category = i % 10 === 0 ? 'C' : 'D';
    buf += `${prefix}${i},${category},true,${i % 20 === 0},0.05,${mpan},electricity,2021-06-01,M${String(i).padStart(8, '0')},2021-06-01,S,import,5,kWh,${2000 + (i % 2000)}\n`;
    if (buf.length > 1 << 20) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf);
  await new Promise<void>((r) => out.end(() => r()));
  console.log(JSON.stringify({ file, accounts }));
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { 'import-id': { type: 'string' }, batch: { type: 'string' }, rejects: { type: 'string' }, accounts: { type: 'string' }, prefix: { type: 'string' } },
  });
  const [command, file] = positionals;
  if (command === 'republish') {
    const pool = createPostgresPool(config.DATABASE_URL, { max: 1, applicationName: 'registry-republish' });
    try {
      await migratePostgres(pool, REGISTRY_MIGRATIONS, REGISTRY_MIGRATIONS_TABLE);
      const result = await republishRegistry(pool, 500, (n) => process.stderr.write(`\r${n} accounts queued`));
      process.stderr.write('\n');
      console.log(JSON.stringify(result));
    } finally {
      await pool.end();
    }
    return;
  }
  if (!file || (command !== 'import' && command !== 'generate')) {
    throw new ConfigError(['usage: registry:import -- import <accounts.csv> [--import-id id] [--batch 1000] [--rejects file] | generate <accounts.csv> --accounts N [--prefix MIG] | republish']);
  }
  if (command === 'generate') return generate(file, Number(values.accounts ?? 1000), values.prefix ?? 'MIG');
  const batch = Number(values.batch ?? 1000);
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new ConfigError(['--batch must be 1 to 10000 accounts']);
  const importId = values['import-id'] ?? basename(file);
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(importId)) throw new ConfigError(['--import-id: letters, digits, ".", "_" and "-", at most 128']);
  return runImport(file, { importId, batch, rejects: values.rejects ?? `${file}.rejects.jsonl` });
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
