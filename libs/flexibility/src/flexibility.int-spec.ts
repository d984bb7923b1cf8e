import type { Pool } from 'pg';
import type { CustomerPrincipal, ServicePrincipal } from '@surge/auth/principal.model';
import { AppError } from '@surge/errors/app.error';
import { createPostgresPool } from '@surge/postgres/postgres.factory';
import { ensurePostgresDatabase, migratePostgres } from '@surge/postgres/postgres.migrator';
import { testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { FlexibilityMemberService } from './flexibility-member.service';
import { FLEXIBILITY_MIGRATIONS, FLEXIBILITY_MIGRATIONS_TABLE } from './flexibility-postgres.migrations';
import { FlexibilityProgrammeService } from './flexibility-programme.service';

/**
 * The flexibility services on real PostgreSQL (a database of its own): two dispatches of one event at once
 * record one set of decisions and one set of outbox records; preference versions and decisions are
 * append-only; a refused enrolment writes nothing; settlement waits for the event's end.
 */
describe('flexibility on PostgreSQL', () => {
  const dbName = uniqueName('flex_int');
  const admin = createPostgresPool(testEnv.DATABASE_URL, { max: 1 });
  const staff: ServicePrincipal = { kind: 'service', id: 'programme', scopes: ['flex:manage'] };
  const member = (accountId: string): CustomerPrincipal => ({ kind: 'customer', id: `c-${accountId}`, accountId, supplyPointIds: [], meterSerials: [] });
  let pool: Pool;
  let members: FlexibilityMemberService;
  let programmes: FlexibilityProgrammeService;

  beforeAll(async () => {
    await ensurePostgresDatabase(admin, dbName);
    const url = new URL(testEnv.DATABASE_URL);
    url.pathname = `/${dbName}`;
    pool = createPostgresPool(url.toString(), { max: 4 });
    await migratePostgres(pool, FLEXIBILITY_MIGRATIONS, FLEXIBILITY_MIGRATIONS_TABLE);
    members = new FlexibilityMemberService(pool);
    programmes = new FlexibilityProgrammeService(pool);
    for (const a of ['INT-1', 'INT-2']) {
      await members.enrol(member(a), a, { region: '14', category: 'B', devices: [{ deviceId: `${a}-dryer`, kind: 'dryer' }, { deviceId: `${a}-stove`, kind: 'stove', preference: { mode: 'protect', windows: [] } }] });
    }
    await programmes.createProgramme(staff, { programmeId: 'INT', name: 'Int' });
    const start = new Date(Date.now() - 3 * 3600_000);
    await programmes.createEvent(staff, 'INT', { eventId: 'INT-EV', windowStart: start.toISOString(), windowEnd: new Date(start.getTime() + 3600_000).toISOString(), target: {}, requestedKw: '1', pricePencePerKwh: '10' });
    await programmes.createEvent(staff, 'INT', { eventId: 'INT-FUTURE', windowStart: new Date(Date.now() + 3600_000).toISOString(), windowEnd: new Date(Date.now() + 7200_000).toISOString(), target: {}, requestedKw: '1', pricePencePerKwh: '10' });
  });

  afterAll(async () => {
    await pool?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  });

  const count = async (sql: string, params: unknown[] = []) => Number((await pool.query<{ n: string }>(sql, params)).rows[0]!.n);

  it('two dispatches at once: one decides and records, the other finds it done', async () => {
    const [a, b] = await Promise.all([programmes.dispatch(staff, 'INT-EV'), programmes.dispatch(staff, 'INT-EV')]);
    expect([a.alreadyDispatched, b.alreadyDispatched].sort()).toEqual([false, true]);
    expect(await count(`SELECT count(*) AS n FROM flex_dispatch_decisions WHERE event_id = 'INT-EV'`)).toBe(4);
    expect(await count(`SELECT count(*) AS n FROM flex_outbox WHERE topic = 'flexDispatch'`)).toBe(2);
    const stove = await pool.query(`SELECT action, reason, preference_version FROM flex_dispatch_decisions WHERE device_id = 'INT-1-stove'`);
    expect(stove.rows).toEqual([{ action: 'protect', reason: 'protect-default', preference_version: 1 }]);
  });

  it('preference versions and decisions are append-only', async () => {
    await expect(pool.query(`UPDATE flex_preference_versions SET mode = 'allow'`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`DELETE FROM flex_dispatch_decisions`)).rejects.toThrow(/append-only/);
  });

  it('a refused enrolment writes nothing; another member is 404; an event not yet ended is not settled', async () => {
    const before = await count('SELECT count(*) AS n FROM flex_devices');
    await expect(members.enrol(member('INT-3'), 'INT-3', { region: '14', category: 'C', devices: [{ deviceId: 'INT-3-new', kind: 'battery' }, { deviceId: 'INT-1-dryer', kind: 'dryer' }] })).rejects.toMatchObject({ code: 'DEVICE_ALREADY_ENROLLED' });
    expect(await count('SELECT count(*) AS n FROM flex_devices')).toBe(before);
    expect(await count(`SELECT count(*) AS n FROM flex_members WHERE account_id = 'INT-3'`)).toBe(0);
    await expect(members.setPreference(member('INT-2'), 'INT-1', 'INT-1-stove', { mode: 'allow', windows: [] })).rejects.toMatchObject({ kind: 'not_found' });
    await programmes.dispatch(staff, 'INT-FUTURE');
    const refused = await programmes.settle(staff, 'INT-FUTURE').catch((e: AppError) => e);
    expect(refused).toMatchObject({ code: 'FLEX_EVENT_NOT_ENDED' });
  });
});
