import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Pool } from 'pg';
import { BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE } from '@surge/billing/billing-postgres.migrations';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase, migratePostgres } from '@surge/postgres/postgres.migrator';
import { testEnv, uniqueName } from '@surge-test/support/test-env.config';

const run = promisify(execFile);

/**
 * The BUILT bulk import (npm run build; npm run registry:import) on its own database: a file imported in
 * batches, bad accounts rejected with reasons while the rest goes in, and an import run again with the same
 * id resuming after its last committed batch (here: the file grew; an interrupted run is the same case).
 */
describe('registry bulk import', () => {
  const dbName = uniqueName('e2e_registry_import');
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'registry-import-'));
  const script = join(__dirname, '..', '..', 'dist', 'scripts', 'registry-import.js');
  let pool: Pool;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    await ensurePostgresDatabase(admin, dbName);
    const url = new URL(testEnv.DATABASE_URL);
    url.pathname = `/${dbName}`;
    pool = createPostgresPool(url.toString(), { max: 2 });
    await migratePostgres(pool, BILLING_MIGRATIONS, BILLING_MIGRATIONS_TABLE);
    env = { PATH: process.env.PATH ?? '', DATABASE_URL: url.toString() };
  });

  afterAll(async () => {
    await pool?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  });

  const count = async (table: string) => Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

  it('imports in batches, rejects bad accounts with reasons, and resumes after the last committed batch', async () => {
    const full = join(dir, 'full.csv');
    await run(process.execPath, [script, 'generate', full, '--accounts', '10', '--prefix', 'IMP'], { env });
    const lines = readFileSync(full, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(11);
    // A bad MPAN on account IMP3 (check digit off by one).
    const bad = lines[4]!.split(',');
    bad[5] = `${bad[5]!.slice(0, 12)}${(Number(bad[5]![12]) + 1) % 10}`;
    lines[4] = bad.join(',');
    const part = join(dir, 'mig.csv');
    writeFileSync(part, `${lines.slice(0, 7).join('\n')}\n`);
    const first = await run(process.execPath, [script, 'import', part, '--import-id', 'mig', '--batch', '2'], { env });
    expect(JSON.parse(first.stdout)).toMatchObject({ imported: 5, rejected: 1 });
    const rejects = readFileSync(`${part}.rejects.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rejects).toEqual([expect.objectContaining({ accountId: 'IMP3', firstLine: 5, issues: [expect.objectContaining({ code: 'INVALID_MPAN' })] })]);
    // The same import id over the whole file: only the rest goes in, nothing twice.
    writeFileSync(part, `${lines.join('\n')}\n`);
    const second = await run(process.execPath, [script, 'import', part, '--import-id', 'mig', '--batch', '2'], { env });
    expect(second.stderr).toMatch(/resuming import mig after line 7/);
    expect(JSON.parse(second.stdout)).toMatchObject({ imported: 9, rejected: 1 });
    expect(await count('accounts')).toBe(9);
    expect(await count('registers')).toBe(9);
    expect(await count('registry_account_versions')).toBe(9);
    expect(await count('registry_register_eac_versions')).toBe(9);
    expect(await count('registry_outbox')).toBe(9);
    // An existing account in a new import is rejected, never overwritten.
    const third = await run(process.execPath, [script, 'import', part, '--import-id', 'again', '--batch', '4'], { env });
    expect(JSON.parse(third.stdout)).toMatchObject({ imported: 0, rejected: 10 });
    expect(await count('accounts')).toBe(9);
  }, 60_000);
});
