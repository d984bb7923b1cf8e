import { renderBillIssuedEvents } from '../bills/bill-event.renderer';
import { decodeBillIssued } from '@surge/billing-contracts/bill-issued.event';
import { type BillingTestStores, openBillingTestStores } from '@surge-test/support/billing-stores.fixture';
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool } from 'pg';
import type { ServicePrincipal } from '@surge/auth/principal.model';
import { Decimal } from '@surge/billing-domain/money.model';
import { type SettlementRow, settlementRows, toCsv } from '@surge/billing-domain/settlement.aggregator';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { ClickHouseBillingReadings } from '../accounts-tariffs/billing-reading.repository';
import { type BillingComponents, type BillingSettings, createBilling } from '../billing.factory';
import { insertAccounts, insertReadings } from '@surge-test/support/billing.seeder';
import type { BillRunStatus } from './bill-run.progress';
import { DEMO_PERIOD, demoAccount, demoReadings } from '@surge-test/fixtures/demo-population.generator';

/**
 * Bill runs against real PostgreSQL, Redis and ClickHouse, each test file in
 * its own PostgreSQL database, ClickHouse database and BullMQ key prefix. Only
 * those three: no Kafka, no read-api (billing must run while they are down or
 * lagging). The tests build on each other in order.
 */
describe('bill runs (PostgreSQL, Redis, ClickHouse)', () => {
  const prefix = uniqueName('it-billing');
  const N = 200;
  const staff: ServicePrincipal = { kind: 'service', id: 'staff', scopes: ['billing:run', 'billing:read'] };
  let stores: BillingTestStores;
  let pool: Pool;
  let ch: ClickHouseClient;
  let billing: BillingComponents;
  const extra: BillingComponents[] = [];
  const settings = (overrides: Partial<BillingSettings> = {}): BillingSettings => ({
    redis: { url: testEnv.REDIS_URL, maxRetriesPerRequest: null },
    queuePrefix: prefix,
    chunkSize: 20,
    jobAttempts: 3,
    jobBackoffMs: 100,
    workerConcurrency: 2,
    lockDurationMs: 5_000,
    stalledIntervalMs: 2_000,
    historyDays: 400,
    ...overrides,
  });

  // Two accounts that cannot be billed: no readings at all, and a closing read below the opening one.
  const noReadings = demoAccount(900_001, 'BROKEN');
  const negative = demoAccount(900_002, 'BROKEN');

  // PostgreSQL sums numeric exactly; the in-memory settlementRows sums at 40 significant digits. Money is
  // whole pence either way (exactly equal); kWh agree far below any meter's resolution.
  const comparable = (rows: readonly SettlementRow[]) => rows.map((r) => ({ ...r, kWh: new Decimal(r.kWh).toDecimalPlaces(20).toString() }));
  const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await pool.query<{ n: string }>(sql, params)).rows[0]!.n);
  const finished = (id: string, b: BillingComponents = billing) =>
    eventually(async () => {
      const s = await b.runs.status(id);
      return s && s.status !== 'running' ? s : null;
    }, 90_000);

  beforeAll(async () => {
    stores = await openBillingTestStores('it_billing', { count: N, prefix: 'T', batchSize: 100 }, 8);
    ({ pool, ch } = stores);
    await insertAccounts(pool, [noReadings, negative]);

    const broken = demoReadings(negative).map((r) => (r.readAt.startsWith('2022-05-01') ? { ...r, value: '0', rolledOver: false } : r));
    await insertReadings(ch, broken);

    billing = createBilling(pool, ch, settings());
  });

  afterAll(async () => {
    for (const b of [billing, ...extra]) {
      await b?.worker.close(true).catch(() => undefined);
      await b?.queue.obliterate().catch(() => undefined);
      await b?.queue.close().catch(() => undefined);
    }
    await stores?.drop();
  });

  let firstRun: BillRunStatus;

  it('a worker killed mid-run and the queue lost: resume completes; every account billed once, failures listed with reasons', async () => {
    const started = await billing.runService.start(staff, { periodStart: DEMO_PERIOD.start, periodEnd: DEMO_PERIOD.end, kind: 'bill' });
    expect(started).toMatchObject({ status: 'running', totalAccounts: N + 2, totalChunks: Math.ceil((N + 2) / 20) });

    // A worker that dies part way: force-closed (its chunk in flight is abandoned) and the Redis queue wiped.
    const doomed = createBilling(pool, ch, settings({ workerConcurrency: 1 }));
    extra.push(doomed);
    doomed.worker.start();
    await eventually(async () => ((await billing.runs.status(started.runId))!.done >= 40 ? true : null), 60_000, 50);
    await doomed.worker.close(true);
    await billing.queue.obliterate();
    const midway = (await billing.runs.status(started.runId))!;
    expect(midway.status).toBe('running');
    expect(midway.remaining).toBeGreaterThan(0);

    // PostgreSQL knows what is left; resume queues it again and a new worker finishes.
    const resumed = await billing.runService.resume(staff, started.runId, { retryFailed: false });
    expect(resumed.requeuedChunks).toBeGreaterThan(0);
    billing.worker.start();
    firstRun = await finished(started.runId);

    expect(firstRun).toMatchObject({ status: 'completed_with_failures', totalAccounts: N + 2, billed: N, failed: 2, remaining: 0, pendingChunks: 0 });
    expect(await count(`SELECT count(*) AS n FROM bills WHERE kind = 'bill'`)).toBe(N);
    expect(await count(`SELECT count(*) AS n FROM (SELECT account_id FROM bills GROUP BY account_id HAVING count(*) > 1) d`)).toBe(0);

    const failures = await billing.runService.failures(staff, started.runId, {});
    expect(failures.items.map((f) => [f.accountId, f.reasonCode])).toEqual([
      [noReadings.accountId, 'NO_OPENING_READING'],
      [negative.accountId, 'BILLING_NEGATIVE_ADVANCE'],
    ]);
    expect(failures.items[0]!.reason).toMatch(/No accepted reading for 2022-03-01/);

    // The price change: Meter Reading Day reads split usage at 1 April; some closings are estimated.
    expect(await count(`SELECT count(DISTINCT bill_id) AS n FROM bill_lines WHERE kind = 'energy' AND period_from = '2022-04-01'`)).toBeGreaterThan(N / 2);
    const estimated = await count(`SELECT count(*) AS n FROM bills WHERE estimated`);
    expect(estimated).toBeGreaterThan(0);
    expect(estimated).toBeLessThan(N);
  });

  it('re-running the period and redelivering chunks makes no second bill', async () => {
    const before = await count('SELECT count(*) AS n FROM bills');
    const again = await billing.runService.start(staff, { periodStart: DEMO_PERIOD.start, periodEnd: DEMO_PERIOD.end, kind: 'bill' });
    const done = await finished(again.runId);
    // Nothing was issued, so nothing is "billed": the accounts are counted as already billed.
    expect(done).toMatchObject({ billed: 0, skipped: N, alreadyBilled: N, unchanged: 0, failed: 2, done: N });
    expect(await count('SELECT count(*) AS n FROM bills')).toBe(before);
    // Every bill issued queued exactly one bill.issued.v1 event in its chunk's transaction; the re-run queued none.
    expect(await count('SELECT count(*) AS n FROM bill_event_outbox')).toBe(before);
    expect(await count('SELECT count(DISTINCT o.bill_id) AS n FROM bill_event_outbox o JOIN bills b ON b.bill_id = o.bill_id')).toBe(before);
    const event = await pool.query<{ bill_id: string; total: string; lines: string }>(
      `SELECT o.bill_id, b.total_pence::text AS total, (SELECT count(*) FROM bill_lines l WHERE l.bill_id = b.bill_id)::text AS lines
       FROM bill_event_outbox o JOIN bills b ON b.bill_id = o.bill_id ORDER BY o.seq LIMIT 1`,
    );
    const client = await pool.connect();
    const rendered = await renderBillIssuedEvents(client, [event.rows[0]!.bill_id]).finally(() => client.release());
    const issued = decodeBillIssued(JSON.stringify(rendered.get(event.rows[0]!.bill_id)));
    expect(issued).toMatchObject({ schema: 'bill.issued.v1', kind: 'bill', totalPence: event.rows[0]!.total });
    expect(issued!.lines).toHaveLength(Number(event.rows[0]!.lines));
    expect(await count(`SELECT count(*) AS n FROM bill_run_items WHERE run_id = $1 AND reason_code = 'ALREADY_BILLED'`, [again.runId])).toBe(N);
    // A finished chunk delivered again does nothing.
    expect(await billing.processor.processChunk(firstRun.runId, 0)).toEqual({ status: 'already-finished' });

    // The same chunk delivered twice at once (a stalled job taken over while its first worker still runs): one bill each.
    const may = { start: '2022-05-01', end: '2022-06-01' };
    const accounts = Array.from({ length: 10 }, (_, n) => demoAccount(n, 'T').accountId);
    const run = await billing.runs.create({ runId: randomUUID(), kind: 'bill', period: may, accountIds: accounts, chunkSize: 20, requestedBy: 'test', clientRef: null });
    if (!('run' in run)) throw new Error('run not created');
    const results = await Promise.all([billing.processor.processChunk(run.run.runId, 0), billing.processor.processChunk(run.run.runId, 0)]);
    expect(results.map((r) => r.status).sort()).toEqual(['already-finished', 'done']);
    expect(await count(`SELECT count(*) AS n FROM bills WHERE period_start = '2022-05-01'`)).toBe(10);
    // May opens where March-April closed (that bill's closing reading, actual or estimated), and with no read for 1 June it is estimated.
    const chained = await pool.query<{ may: { readings: { value: string }[] }[]; april: { readings: { value: string }[] }[]; estimated: boolean }>(
      `SELECT m.registers AS may, a.registers AS april, m.estimated FROM bills m
       JOIN bills a ON a.account_id = m.account_id AND a.period_end = m.period_start AND a.kind = 'bill'
       WHERE m.period_start = '2022-05-01'`,
    );
    expect(chained.rows).toHaveLength(10);
    for (const r of chained.rows) {
      expect(r.estimated).toBe(true);
      expect(r.may.map((reg) => reg.readings[0]!.value)).toEqual(r.april.map((reg) => reg.readings.at(-1)!.value));
    }

    // The database, not the code path, is what forbids a second bill for a period, or a day billed twice.
    const copy = (start: string, end: string) =>
      pool.query(`INSERT INTO bills (bill_id, account_id, period_start, period_end, kind, category, domestic, supply_days, estimated, result_estimated,
                  net_pence, vat_pence, total_pence, registers, reading_sources)
                  SELECT gen_random_uuid(), account_id, '${start}', '${end}', 'bill', category, domestic, supply_days, estimated, result_estimated,
                  net_pence, vat_pence, total_pence, registers, reading_sources FROM bills WHERE kind = 'bill' AND period_start = '2022-03-01' LIMIT 1`);
    await expect(copy('2022-03-01', '2022-05-01')).rejects.toThrow(/bills_one_per_period/);
    await expect(copy('2022-04-15', '2022-04-20')).rejects.toThrow(/bills_no_overlap/);
    await expect(copy('2022-02-01', '2022-03-02')).rejects.toThrow(/bills_no_overlap/);
  });

  it('settlement JSON and CSV totals equal the sum of the bills (and the in-memory settlementRows)', async () => {
    const report = await billing.settlement.aggregate(DEMO_PERIOD);
    const sums = (await pool.query<{ total: string; net: string }>(
      `SELECT sum(total_pence)::text AS total, sum(net_pence)::text AS net FROM bills WHERE period_start >= $1 AND period_end <= $2`,
      [DEMO_PERIOD.start, DEMO_PERIOD.end],
    )).rows[0]!;
    expect(report.totals.totalPence).toBe(sums.total);
    expect(report.totals.netPence).toBe(sums.net);
    expect(report.totals.bills).toBe(N);
    const bills = await billing.bills.allWithin(DEMO_PERIOD);
    expect(comparable(report.rows)).toStrictEqual(comparable(settlementRows(bills)));
    const csv = await billing.settlement.csv(staff, DEMO_PERIOD);
    expect(csv).toBe(toCsv(settlementRows(bills)));
    const amounts = csv.trim().split('\r\n').slice(1).map((line) => BigInt(line.split(',')[8]!));
    expect(amounts.reduce((a, b) => a + b, 0n).toString()).toBe(sums.net);
    // Broken down by category, fuel, estimated/actual and both sides of the price change.
    expect(new Set(report.rows.map((r) => r.category))).toEqual(new Set(['A', 'B', 'C', 'D']));
    expect(new Set(report.rows.map((r) => r.ratePeriodFrom))).toEqual(new Set(['2020-01-01', '2021-10-01', '2022-04-01']));
    expect(new Set(report.rows.map((r) => r.estimated))).toEqual(new Set([true, false]));
  });

  it('an actual reading replacing an estimate: a correction bill carries the difference; the issued bill never changes', async () => {
    const { rows } = await pool.query<{ bill_id: string; account_id: string; total_pence: string }>(
      `SELECT bill_id, account_id, total_pence::text FROM bills WHERE kind = 'bill' AND period_start = $1 AND result_estimated AND account_id LIKE 'T-%'
       ORDER BY account_id LIMIT 1`,
      [DEMO_PERIOD.start],
    );
    const issued = rows[0]!;
    const snapshot = async () =>
      (await pool.query(`SELECT to_jsonb(b) AS b, (SELECT jsonb_agg(to_jsonb(l) ORDER BY line_no) FROM bill_lines l WHERE l.bill_id = b.bill_id) AS l FROM bills b WHERE bill_id = $1`, [
        issued.bill_id,
      ])).rows[0];
    const before = await snapshot();

    // The customer's actual reads for 1 May arrive: 3 units above each estimate.
    const stored = (await billing.bills.get(issued.account_id, issued.bill_id))!;
    const demo = demoAccount(Number(issued.account_id.slice(2)), 'T');
    const actuals = stored.bill.registers.map((reg) => {
      const sp = demo.supplyPoints.find((s) => s.supplyPointId === reg.supplyPointId)!;
      const digits = sp.registers.find((r) => r.registerId === reg.registerId)!.digits;
      const estimate = Number(reg.readings.at(-1)!.value);
      const previous = Number(reg.readings.at(-2)!.value);
      const value = (estimate + 3) % 10 ** digits;
      return {
        readingId: randomUUID(),
        accountId: issued.account_id,
        supplyPointId: reg.supplyPointId,
        fuel: sp.fuel,
        meterSerial: sp.meterSerial,
        registerId: reg.registerId,
        readAt: '2022-05-01T07:30:00.000Z',
        value: String(value),
        unit: reg.unit,
        source: 'C',
        channel: 'app' as const,
        status: 'accepted' as const,
        reasonCode: '',
        duplicateOf: '',
        backdated: true,
        rolledOver: value < previous,
        submittedAtMs: Date.now(),
      };
    });
    await insertReadings(ch, actuals);

    const run = await billing.runService.start(staff, { periodStart: DEMO_PERIOD.start, periodEnd: DEMO_PERIOD.end, kind: 'correction' });
    const done = await finished(run.runId);
    expect(done.status).toBe('completed');
    expect(done.billed).toBe(1); // the one account with a new actual; every other estimate is unchanged
    expect(done.skipped).toBe(done.totalAccounts - 1);

    const corr = (await pool.query<{ bill_id: string; corrects_bill_id: string; revision: number; total_pence: string; recomputed: { totals: { totalPence: string }; estimated: boolean } }>(
      `SELECT bill_id, corrects_bill_id, revision, total_pence::text, recomputed FROM bills WHERE kind = 'correction' AND account_id = $1`,
      [issued.account_id],
    )).rows;
    expect(corr).toHaveLength(1);
    expect(corr[0]).toMatchObject({ corrects_bill_id: issued.bill_id, revision: 1 });
    expect(BigInt(corr[0]!.total_pence)).toBe(BigInt(corr[0]!.recomputed.totals.totalPence) - BigInt(issued.total_pence));
    expect(corr[0]!.recomputed.estimated).toBe(false);
    const view = await billing.billQuery.get(staff, issued.account_id, corr[0]!.bill_id);
    expect(view.lines.some((l) => l.description.startsWith('Reversal:') && l.estimated)).toBe(true);
    expect(view.lines.some((l) => l.description.startsWith('Re-bill:') && !l.estimated)).toBe(true);
    // The correction shows the whole story: the issued bill (estimated), the full recomputed bill (actual) with its
    // lines, and the difference it charges; its own estimated flag is the recomputed bill's.
    expect(view.estimated).toBe(false);
    expect(view.correction).toMatchObject({
      corrects: { billId: issued.bill_id, kind: 'bill', revision: 0, estimated: true, totals: { totalPence: issued.total_pence } },
      recomputed: { estimated: false, totals: { totalPence: corr[0]!.recomputed.totals.totalPence } },
      difference: { totals: { totalPence: corr[0]!.total_pence } },
    });
    expect(view.correction!.recomputed.lines).toEqual((corr[0]!.recomputed as unknown as { lines: unknown[] }).lines);
    expect(view.correction!.recomputed.lines.some((l) => l.estimated)).toBe(false);
    expect(view.correction!.difference.lines).toEqual(view.lines);
    const listed = (await billing.billQuery.list(staff, issued.account_id, {})).items.find((b) => b.billId === corr[0]!.bill_id)!;
    expect(listed.estimated).toBe(false);

    // The issued bill is untouched, and the database refuses to change it.
    expect(await snapshot()).toEqual(before);
    await expect(pool.query('UPDATE bills SET total_pence = 0 WHERE bill_id = $1', [issued.bill_id])).rejects.toThrow(/immutable/);
    await expect(pool.query('DELETE FROM bill_lines WHERE bill_id = $1', [issued.bill_id])).rejects.toThrow(/immutable/);

    // Correcting again changes nothing; no second correction.
    const again = await billing.runService.start(staff, { periodStart: DEMO_PERIOD.start, periodEnd: DEMO_PERIOD.end, kind: 'correction', accountIds: [issued.account_id] });
    expect(await finished(again.runId)).toMatchObject({ billed: 0, skipped: 1 });
    expect(await count(`SELECT count(*) AS n FROM bills WHERE kind = 'correction'`)).toBe(1);

    // Settlement nets the correction in: still the sum of everything billed.
    const report = await billing.settlement.aggregate(DEMO_PERIOD);
    expect(comparable(report.rows)).toStrictEqual(comparable(settlementRows(await billing.bills.allWithin(DEMO_PERIOD))));
    expect(report.totals.corrections).toBe(1);
    const total = (await pool.query<{ t: string }>(`SELECT sum(total_pence)::text AS t FROM bills WHERE period_start >= $1 AND period_end <= $2`, [DEMO_PERIOD.start, DEMO_PERIOD.end]))
      .rows[0]!.t;
    expect(report.totals.totalPence).toBe(total);
  });

  it('a chunk that keeps failing (ClickHouse down) fails its accounts with the reason after its retries; resume retries them', async () => {
    let down = true;
    const real = new ClickHouseBillingReadings(ch);
    const flaky = createBilling(pool, ch, settings({ queuePrefix: `${prefix}-flaky`, jobAttempts: 2, jobBackoffMs: 20 }), {
      readings: {
        forAccounts: async (ids, window) => {
          if (down) throw new Error('ClickHouse is down');
          return real.forAccounts(ids, window);
        },
      },
    });
    extra.push(flaky);
    flaky.worker.start();
    const accounts = Array.from({ length: 3 }, (_, n) => demoAccount(100 + n, 'T').accountId);
    const run = await flaky.runService.start(staff, { periodStart: '2022-05-01', periodEnd: '2022-06-01', kind: 'bill', accountIds: accounts });
    const failed = await finished(run.runId, flaky);
    expect(failed).toMatchObject({ status: 'completed_with_failures', failed: 3, failedChunks: 1 });
    const failures = await flaky.runService.failures(staff, run.runId, {});
    expect(failures.items.every((f) => f.reasonCode === 'CHUNK_FAILED' && /ClickHouse is down/.test(f.reason))).toBe(true);

    down = false;
    const resumed = await flaky.runService.resume(staff, run.runId, { retryFailed: true });
    expect(resumed).toMatchObject({ status: 'running', requeuedChunks: 1 });
    expect(await finished(run.runId, flaky)).toMatchObject({ status: 'completed', billed: 3, failed: 0 });
  });
});
