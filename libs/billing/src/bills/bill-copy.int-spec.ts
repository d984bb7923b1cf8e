import { type BillingTestStores, openBillingTestStores } from '@surge-test/support/billing-stores.fixture';
import type { Pool } from 'pg';
import type { ServicePrincipal } from '@surge/auth/principal.model';
import { inTransaction } from '@surge/postgres/postgres.transaction';
import { eventually, testEnv, uniqueName } from '@surge-test/support/test-env.config';
import { DEMO_PERIOD } from '@surge-test/fixtures/demo-population.generator';
import { type BillingComponents, createBilling } from '../billing.factory';
import { sumPlainDecimals } from '@surge/billing-domain/money.model';
import { addSettlementTotalsFromRows, settlementTotalsOf } from '../settlement/settlement-summary.writer';
import { copyBills } from './bill.repository';
import { renderBillIssuedEvents } from './bill-event.renderer';
import type { NewBill } from './bill-row.mapper';
import type { RegisterReadingSources } from './bill-input.builder';

/**
 * The COPY write path of a chunk (copyBills) against real PostgreSQL: what it
 * writes equals what the JSON path wrote (events as SQL builds them from the
 * rows, settlement summary as the lines sum), and an existing or overlapping
 * bill never makes a second one.
 */

const iso = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The bill.issued.v1 events of bills ($1: their ids) as SQL builds them from the stored rows (what the chunk wrote into the outbox before v12): the oracle. */
const BILL_EVENTS_SELECT = `SELECT b.account_id, jsonb_build_object(
       'schema', 'bill.issued.v1', 'billId', b.bill_id, 'accountId', b.account_id, 'kind', b.kind, 'correctsBillId', b.corrects_bill_id,
       'periodStart', b.period_start::text, 'periodEnd', b.period_end::text,
       'netPence', b.net_pence::text, 'vatPence', b.vat_pence::text, 'totalPence', b.total_pence::text,
       'estimated', CASE WHEN b.kind = 'correction' THEN b.result_estimated ELSE b.estimated END,
       'issuedAt', ${iso('b.issued_at')},
       'lines', coalesce((SELECT jsonb_agg(jsonb_build_object('lineNo', l.line_no, 'kind', l.kind, 'description', l.description,
                  'periodFrom', l.period_from::text, 'periodTo', l.period_to::text, 'amountPence', l.amount_pence::text, 'estimated', l.estimated) ORDER BY l.line_no)
                FROM bill_lines l WHERE l.bill_id = b.bill_id), '[]'::jsonb))::json AS payload
     FROM bills b WHERE b.bill_id = ANY($1::uuid[]) ORDER BY b.bill_id`;
describe('bills written by COPY (PostgreSQL)', () => {
  const staff: ServicePrincipal = { kind: 'service', id: 'staff', scopes: ['billing:run', 'billing:read'] };
  let stores: BillingTestStores;
  let pool: Pool;
  let billing: BillingComponents;
  const count = async (sql: string): Promise<number> => Number((await pool.query<{ n: string }>(sql)).rows[0]!.n);
  const written = async () => ({
    bills: await count('SELECT count(*) AS n FROM bills'),
    lines: await count('SELECT count(*) AS n FROM bill_lines'),
    events: await count('SELECT count(*) AS n FROM bill_event_outbox'),
    marks: await count('SELECT count(*) AS n FROM billed_reading_outbox'),
    settlement: await count('SELECT count(*) AS n FROM settlement_line_totals'),
    settlementBills: await count('SELECT coalesce(sum(bills), 0) AS n FROM settlement_bill_totals'),
  });

  beforeAll(async () => {
    stores = await openBillingTestStores('it_billcopy', { count: 60, prefix: 'K', batchSize: 60 }, 4);
    pool = stores.pool;
    billing = createBilling(pool, stores.ch, {
      redis: { url: testEnv.REDIS_URL, maxRetriesPerRequest: null },
      queuePrefix: uniqueName('it-billcopy'),
      chunkSize: 20,
      jobAttempts: 2,
      jobBackoffMs: 100,
      workerConcurrency: 2,
      lockDurationMs: 5_000,
      historyDays: 400,
    });
    billing.worker.start();
    const run = await billing.runService.start(staff, { periodStart: DEMO_PERIOD.start, periodEnd: DEMO_PERIOD.end, kind: 'bill' });
    const done = await eventually(async () => {
      const s = await billing.runs.status(run.runId);
      return s && s.status !== 'running' ? s : null;
    }, 60_000);
    expect(done).toMatchObject({ status: 'completed', billed: 60, failed: 0 });
  });

  afterAll(async () => {
    await billing?.worker.close(true).catch(() => undefined);
    await billing?.queue.obliterate().catch(() => undefined);
    await billing?.queue.close().catch(() => undefined);
    await stores?.drop();
  });

  /** Stored bills as NewBills again, under new ids (what a redelivered or raced chunk would carry). */
  const again = async (shift: { start: string; end: string } | null): Promise<NewBill[]> => {
    const { rows } = await pool.query<{ account_id: string; bill_id: string }>(`SELECT account_id, bill_id FROM bills ORDER BY account_id LIMIT 5`);
    const out: NewBill[] = [];
    for (const r of rows) {
      const stored = (await billing.bills.get(r.account_id, r.bill_id))!;
      const bill = { ...stored.bill, billId: `0190${r.bill_id.slice(4)}`, ...(shift ? { period: shift } : {}) };
      out.push({ bill, kind: 'bill', revision: 0, runId: null, readingSources: stored.row.reading_sources as RegisterReadingSources[], recomputed: null });
    }
    return out;
  };

  it('every bill queues one reference (v12), and the event rendered from it equals the one SQL builds from the committed rows', async () => {
    const { rows: queued } = await pool.query<{ record_key: string; bill_id: string; payload: unknown }>('SELECT record_key, bill_id, payload FROM bill_event_outbox ORDER BY seq');
    expect(queued).toHaveLength(60);
    expect(queued.every((q) => q.payload === null)).toBe(true);
    const ids = queued.map((q) => q.bill_id);
    expect(new Set(ids).size).toBe(60);
    // Within a chunk's transaction, queued in bill id order, as before (chunks commit in any order).
    const { rows: items } = await pool.query<{ bill_id: string; account_id: string; chunk_index: number }>('SELECT bill_id, account_id, chunk_index FROM bill_run_items');
    const chunkOf = new Map(items.map((i) => [i.bill_id, i.chunk_index]));
    for (const chunk of new Set(chunkOf.values())) {
      const inChunk = ids.filter((id) => chunkOf.get(id) === chunk);
      expect(inChunk).toEqual([...inChunk].sort());
    }
    const accountOf = new Map(items.map((i) => [i.bill_id, i.account_id]));
    expect(queued.every((q) => q.record_key === accountOf.get(q.bill_id))).toBe(true);
    const client = await pool.connect();
    const rendered = await renderBillIssuedEvents(client, ids).finally(() => client.release());
    const { rows: built } = await pool.query<{ account_id: string; payload: { billId: string } }>(BILL_EVENTS_SELECT, [ids]);
    expect(built).toHaveLength(60);
    for (const b of built) expect(rendered.get(b.payload.billId)).toEqual(b.payload);
    // Key order is the contract's (libs/billing-contracts), what the relay sends.
    expect(Object.keys(rendered.get(ids[0]!)!)).toEqual(['schema', 'billId', 'accountId', 'kind', 'correctsBillId', 'periodStart', 'periodEnd', 'netPence', 'vatPence', 'totalPence', 'estimated', 'issuedAt', 'lines']);
    // A bill that is not there renders nothing (the relay then holds its batch back).
    const other = await pool.connect();
    expect((await renderBillIssuedEvents(other, ['01900000-0000-7000-8000-000000000000']).finally(() => other.release())).size).toBe(0);
  });

  it('the settlement summary written with the bills equals the sums over their lines', async () => {
    const { rows: direct } = await pool.query(
      `SELECT l.tariff_id, l.rate_period_from::text, l.rate_period_to::text, l.fuel, b.category, l.kind, l.estimated,
              sum(l.kwh)::text AS kwh, sum(l.amount_pence)::text AS amount, count(*)::text AS line_count, count(DISTINCT l.bill_id)::text AS bill_count
       FROM bills b JOIN bill_lines l ON l.bill_id = b.bill_id WHERE l.kind <> 'vat'
       GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
    );
    const { rows: summary } = await pool.query(
      `SELECT tariff_id, rate_period_from::text, rate_period_to::text, fuel, category, kind, estimated,
              sum(kwh)::text AS kwh, sum(amount_pence)::text AS amount, sum(line_count)::text AS line_count, sum(bill_count)::text AS bill_count
       FROM settlement_line_totals GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
    );
    expect(summary).toEqual(direct);
    const report = await billing.settlement.aggregate(DEMO_PERIOD);
    const { rows: totals } = await pool.query<{ bills: string; vat: string; total: string }>(
      'SELECT count(*)::text AS bills, sum(vat_pence)::text AS vat, sum(total_pence)::text AS total FROM bills',
    );
    expect(report.totals).toMatchObject({ bills: 60, corrections: 0, vatPence: totals[0]!.vat, totalPence: totals[0]!.total });
  });

  it('the summary sums taken in memory are the ones SQL takes over the committed rows, digit for digit', async () => {
    const { rows: stored } = await pool.query<{ account_id: string; bill_id: string }>('SELECT account_id, bill_id FROM bills');
    const bills = await Promise.all(stored.map(async (r) => (await billing.bills.get(r.account_id, r.bill_id))!.bill));
    const fromMemory = settlementTotalsOf(bills)!;
    const cols = `period_start::text, period_end::text, tariff_id, rate_period_from::text, rate_period_to::text, fuel, category, kind, estimated,
                  kwh::text, amount_pence::text, line_count::int, bill_count::int`;
    // The SQL sums of the same bills, written in a transaction that is rolled back (the summary is immutable).
    const fromSql = await pool.connect().then(async (client) => {
      try {
        await client.query('BEGIN');
        await addSettlementTotalsFromRows(client, stored.map((r) => r.bill_id));
        const { rows } = await client.query(`SELECT ${cols} FROM settlement_line_totals WHERE xmin = xid(pg_current_xact_id()) ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9`);
        return rows;
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    });
    const key = (r: { [k: string]: unknown }) => JSON.stringify(Object.values(r).slice(0, 9));
    const memoryRows = fromMemory.lines
      .map((l) => ({
        period_start: l.periodStart, period_end: l.periodEnd, tariff_id: l.tariffId, rate_period_from: l.ratePeriodFrom, rate_period_to: l.ratePeriodTo,
        fuel: l.fuel, category: l.category, kind: l.kind, estimated: l.estimated, kwh: l.kWh, amount_pence: l.amountPence, line_count: l.lineCount, bill_count: l.billCount,
      }))
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const sqlRows = [...fromSql].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    expect(memoryRows.length).toBeGreaterThan(5);
    expect(memoryRows).toEqual(sqlRows);
  });

  it("exact decimal sums are PostgreSQL's numeric sum(), scale and all, past 40 significant digits", async () => {
    const cases: string[][] = [
      ['1.50', '2'],
      ['-0.0', '0'],
      ['0.000000000001', '-0.000000000001', '3'],
      ['123456789012345678901234567890.123456789012345678901234567891', '0.000000000000000000000000000009', '-7'],
      ['-1.25', '-2.5', '0.75'],
      ['99999999999999999999.99999999999999999999', '0.00000000000000000001'],
    ];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let c = 0; c < 20; c++) {
      const terms: string[] = [];
      for (let i = 0; i < 30; i++) {
        const whole = String(Math.floor(random() * 10 ** (1 + Math.floor(random() * 12))));
        const places = Math.floor(random() * 40);
        const fraction = Array.from({ length: places }, () => String(Math.floor(random() * 10))).join('');
        terms.push(`${random() < 0.3 ? '-' : ''}${whole}${places > 0 ? `.${fraction}` : ''}`);
      }
      cases.push(terms);
    }
    for (const terms of cases) {
      const { rows } = await pool.query<{ s: string }>('SELECT sum(x)::text AS s FROM unnest($1::numeric[]) AS x', [terms]);
      expect(sumPlainDecimals(terms)).toBe(rows[0]!.s);
    }
  });

  it('a bill\'s documents are stored as written (json, migration v11): the text is the domain\'s JSON, field order and all', async () => {
    const { rows: types } = await pool.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'bills' AND column_name IN ('registers', 'reading_sources', 'recomputed') ORDER BY 1`,
    );
    expect(types.map((t) => t.data_type)).toEqual(['json', 'json', 'json']);
    const { rows } = await pool.query<{ account_id: string; bill_id: string; registers: string }>('SELECT account_id, bill_id, registers::text FROM bills ORDER BY bill_id LIMIT 5');
    for (const r of rows) {
      const stored = (await billing.bills.get(r.account_id, r.bill_id))!;
      expect(r.registers).toBe(JSON.stringify(stored.bill.registers));
    }
  });

  it('bills that already exist: the COPY gives way to ON CONFLICT DO NOTHING and nothing is written twice', async () => {
    const before = await written();
    const bills = await again(null);
    const inserted = await inTransaction(pool, async (client) => copyBills(client, bills));
    expect(inserted.size).toBe(0);
    expect(await written()).toEqual(before);
  });

  it('a bill overlapping an issued one fails the whole COPY (exclusion_violation) and leaves nothing behind', async () => {
    const before = await written();
    const bills = await again({ start: '2022-03-15', end: '2022-05-15' });
    await expect(
      inTransaction(pool, async (client) => copyBills(client, bills)),
    ).rejects.toMatchObject({ code: '23P01' });
    expect(await written()).toEqual(before);
  });
});
