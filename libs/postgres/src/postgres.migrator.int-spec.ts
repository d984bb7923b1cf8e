import { createPostgresPool } from './postgres.factory';
import { ensurePostgresDatabase, migratePostgres } from './postgres.migrator';
import { testEnv, uniqueName } from '@surge-test/support/test-env.config';

describe('migratePostgres (real PostgreSQL, own database)', () => {
  const database = uniqueName('it_pg');
  const admin = createPostgresPool(testEnv.DATABASE_URL);
  const url = new URL(testEnv.DATABASE_URL);
  url.pathname = `/${database}`;
  let pool: ReturnType<typeof createPostgresPool>;

  beforeAll(async () => {
    await ensurePostgresDatabase(admin, database);
    pool = createPostgresPool(url.toString());
  });
  afterAll(async () => {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  const migrations = [
    { version: 1, name: 'a', sql: 'CREATE TABLE a (id int primary key)' },
    { version: 2, name: 'b', sql: 'CREATE TABLE b (id int primary key)' },
  ];

  it('applies in order once, even when started concurrently', async () => {
    const results = await Promise.all([migratePostgres(pool, migrations, 'm_test'), migratePostgres(pool, migrations, 'm_test')]);
    expect(results.flat().sort()).toEqual([1, 2]);
    expect(await migratePostgres(pool, migrations, 'm_test')).toEqual([]);
  });

  it('rolls a failing migration back whole', async () => {
    const bad = [...migrations, { version: 3, name: 'bad', sql: 'CREATE TABLE c (id int); SELECT nonsense_function()' }];
    await expect(migratePostgres(pool, bad, 'm_test')).rejects.toThrow();
    const { rowCount } = await pool.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'c'");
    expect(rowCount).toBe(0);
  });
});
