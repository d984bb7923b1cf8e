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

  describe('earned value from the half-hours her VEN reported (our baseline, not the VEN\'s)', () => {
    // Tuesday 12 April 2022, 18:00-19:00 London (BST: 17:00Z). Working days before it, newest first:
    // 11, 8, 7, 6 (an earlier event day of hers), 5, 4, 1 April, 31, 30, 29, 28 March.
    const storyStart = '2022-04-12T17:00:00.000Z';
    const days = ['2022-03-28', '2022-03-29', '2022-03-30', '2022-03-31', '2022-04-01', '2022-04-04', '2022-04-05', '2022-04-06', '2022-04-07', '2022-04-08', '2022-04-11'];
    const half = (day: string, kWh: string, resource = 'home') => [0, 1].map((i) => ({ resource, start: new Date(Date.parse(`${day}T17:00:00Z`) + i * 1_800_000).toISOString(), durationMinutes: 30, usageKwh: kWh }));
    const history = (list: string[]) => list.flatMap((d) => half(d, d === '2022-04-06' ? '0.1' : '2.6'));
    const report = (reportId: string, intervals: ReturnType<typeof half>) => ({ reportId, clientName: 'int-ven', intervals });

    beforeAll(async () => {
      for (const a of ['INT-R', 'INT-S']) await members.enrol(member(a), a, { region: 'R9', category: 'D', devices: [{ deviceId: `${a}-battery`, kind: 'battery' }] });
      await programmes.createEvent(staff, 'INT', { eventId: 'INT-PAST', windowStart: '2022-04-06T17:00:00Z', windowEnd: '2022-04-06T18:00:00Z', target: { regions: ['R9'] }, requestedKw: '1', pricePencePerKwh: '10' });
      await programmes.createEvent(staff, 'INT', { eventId: 'INT-STORY', windowStart: storyStart, windowEnd: '2022-04-12T18:00:00Z', target: { regions: ['R9'] }, requestedKw: '1', pricePencePerKwh: '57.15' });
      await programmes.dispatch(staff, 'INT-PAST');
      await programmes.dispatch(staff, 'INT-STORY');
    });

    it('refuses intervals it cannot settle on, whole: not a half-hour, too far back, after the window, a half-hour twice', async () => {
      const quarter = { resource: 'home', start: storyStart, durationMinutes: 15, usageKwh: '0.2' };
      await expect(members.report(member('INT-R'), 'INT-R', 'INT-STORY', report('bad-1', [quarter]))).rejects.toMatchObject({ code: 'REPORT_INTERVAL_NOT_HALF_HOUR' });
      await expect(members.report(member('INT-R'), 'INT-R', 'INT-STORY', report('bad-2', [...half('2022-04-11', '1'), ...half('2022-02-25', '1')]))).rejects.toMatchObject({ code: 'REPORT_OUTSIDE_WINDOW' });
      await expect(members.report(member('INT-R'), 'INT-R', 'INT-STORY', report('bad-3', [{ resource: 'home', start: '2022-04-12T18:00:00.000Z', durationMinutes: 30, usageKwh: '1' }]))).rejects.toMatchObject({ code: 'REPORT_OUTSIDE_WINDOW' });
      await expect(members.report(member('INT-R'), 'INT-R', 'INT-STORY', report('bad-4', [...half('2022-04-11', '1'), ...half('2022-04-11', '1')]))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(members.report(member('INT-S'), 'INT-R', 'INT-STORY', report('bad-5', half('2022-04-11', '1')))).rejects.toMatchObject({ kind: 'not_found' });
      expect(await count(`SELECT count(*) AS n FROM flex_usage_intervals WHERE account_id IN ('INT-R', 'INT-S')`)).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM flex_reports WHERE report_id LIKE 'bad-%'`)).toBe(0);
    });

    it('computes 4.2 kWh and £2.40 from 10 working days of her reported history (her earlier event day and the weekend left out)', async () => {
      // History (with the weekend's high use, which is not a working day) and the event window, in one report.
      const weekend = [...half('2022-04-09', '9'), ...half('2022-04-10', '9')];
      const stored = await members.report(member('INT-R'), 'INT-R', 'INT-STORY', report('INT-R-1', [...history(days), ...weekend, ...half('2022-04-12', '0.5')]));
      expect(stored).toMatchObject({ intervals: 28, newIntervals: 28 });
      // A retry is a no-op; the same history again in another report adds nothing and is not a clash.
      expect(await members.report(member('INT-R'), 'INT-R', 'INT-STORY', report('INT-R-1', [...history(days), ...weekend, ...half('2022-04-12', '0.5')]))).toMatchObject({ newIntervals: 0 });
      expect(await members.report(member('INT-R'), 'INT-R', 'INT-STORY', report('INT-R-2', half('2022-04-11', '2.60')))).toMatchObject({ newIntervals: 0 });
      // Rewriting a reported half-hour (raising her baseline before settlement) is refused, and nothing of that report is kept.
      await expect(members.report(member('INT-R'), 'INT-R', 'INT-STORY', report('INT-R-3', [...half('2022-03-25', '2.6'), ...half('2022-04-11', '5')]))).rejects.toMatchObject({ code: 'USAGE_ALREADY_REPORTED' });
      expect(await count(`SELECT count(*) AS n FROM flex_usage_intervals WHERE account_id = 'INT-R'`)).toBe(28);

      // INT-S's VEN has sent only three days so far: no baseline yet, not a guess.
      await members.report(member('INT-S'), 'INT-S', 'INT-STORY', report('INT-S-1', [...history(days.slice(-3)), ...half('2022-04-12', '1')]));
      const first = await programmes.settle(staff, 'INT-STORY');
      expect(first.credits).toEqual([{ accountId: 'INT-R', deliveredKwh: '4.2', earnedPence: '240', text: 'You contributed 4.2 kWh. You earned £2.40.' }]);
      expect(first.unsettled).toEqual([expect.objectContaining({ accountId: 'INT-S', reason: 'no-baseline' })]);
      const v = await pool.query(`SELECT baseline_kwh::text AS b, actual_kwh::text AS a, source FROM flex_earned_values WHERE event_id = 'INT-STORY'`);
      expect(v.rows).toEqual([{ b: '5.2', a: '1', source: 'device-report' }]);

      // Her history arrives late; the next run settles her (once), and INT-R is not paid twice.
      await members.report(member('INT-S'), 'INT-S', 'INT-STORY', report('INT-S-2', history(days.slice(0, 8))));
      const second = await programmes.settle(staff, 'INT-STORY');
      expect(second.credits).toEqual([{ accountId: 'INT-S', deliveredKwh: '3.2', earnedPence: '183', text: expect.any(String) }]);
      expect(second.unsettledMembers).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM flex_outbox WHERE topic = 'flexEarnedValue'`)).toBe(2);
    });
  });
});
