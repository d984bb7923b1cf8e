import type { Principal } from '@surge/auth/principal.model';
import { toReadingBills } from '@surge/reading-store/clickhouse/clickhouse-meter-reading.repository';
import type { MeterReadingRepository, ReadingWithBills, StoredReading } from '@surge/reading-store/meter-reading.repository';
import { ReadingQueryService, toView, viewStatus } from './reading-query.service';
import { storedReading } from '@surge-test/fixtures/stored-reading.stub';

const ACCOUNT = 'ACC-1';
const stored = (overrides: Partial<StoredReading> = {}): StoredReading =>
  storedReading({ accountId: ACCOUNT, submittedAtMs: Date.parse('2022-04-01T08:00:00Z'), decidedAtMs: Date.parse('2022-04-01T08:00:01Z'), ...overrides });
const march = { billId: '0190a0a0-0000-7000-8000-00000000000b', periodStart: '2022-03-01', periodEnd: '2022-04-01' };
const april = { billId: '0190a0a0-0000-7000-8000-00000000000a', periodStart: '2022-04-01', periodEnd: '2022-05-01' };

describe('reading view: later billed', () => {
  it('an accepted reading a bill used is billed, with its bills; without marks it stays accepted with none', () => {
    expect(toView({ ...stored(), bills: [march, april] })).toMatchObject({ status: 'billed', bills: [march, april] });
    expect(toView({ ...stored(), bills: [] })).toMatchObject({ status: 'accepted', bills: [] });
    expect(toView(stored())).toMatchObject({ status: 'accepted', bills: [] });
  });

  it('marks never overrule a decision other than accepted: the bills are listed, the status stays', () => {
    expect(viewStatus(stored({ status: 'rejected' }), [march])).toBe('rejected');
    expect(viewStatus(stored({ status: 'held' }), [march])).toBe('held');
    expect(toView({ ...stored({ status: 'rejected', reasonCode: 'READ_BELOW_PREVIOUS' }), bills: [march] })).toMatchObject({ status: 'rejected', bills: [march] });
  });

  it("reads ClickHouse's 'bill|start|end' strings and orders them by period, then bill id (groupUniqArray has no order)", () => {
    const raw = (b: typeof march) => `${b.billId}|${b.periodStart}|${b.periodEnd}`;
    expect(toReadingBills([raw(april), raw(march)])).toEqual([march, april]);
    const correction = { billId: '0190a0a0-0000-7000-8000-00000000000c', periodStart: march.periodStart, periodEnd: march.periodEnd };
    expect(toReadingBills([raw(correction), raw(march)])).toEqual([march, correction]);
    expect(toReadingBills([])).toEqual([]);
    expect(toReadingBills(undefined)).toEqual([]);
  });

  it('the service passes bills through on lookup and in the account history; a received receipt has none', async () => {
    const billed: ReadingWithBills = { ...stored(), bills: [april] };
    const repo: MeterReadingRepository = {
      insert: async () => undefined,
      insertReviews: async () => undefined,
      findDecided: async () => new Map(),
      acceptedHistory: async () => new Map(),
      findForAccount: async (_a, id) => (id === billed.readingId ? billed : null),
      findById: async (id) => (id === billed.readingId ? billed : null),
      listForAccount: async () => [billed, { ...stored({ readingId: '0190a0a0-0000-4000-8000-000000000002' }), bills: [] }],
    };
    const pending = '0190a0a0-0000-4000-8000-000000000009';
    const service = new ReadingQueryService(repo, { find: async (id) => (id === pending ? { accountId: ACCOUNT, submittedAt: '2022-04-01T08:00:00.000Z' } : null) });
    const customer = { kind: 'customer', accountId: ACCOUNT } as unknown as Principal;

    expect(await service.getReading(customer, billed.readingId)).toMatchObject({ status: 'billed', bills: [april] });
    expect(await service.getReading(customer, pending)).toMatchObject({ status: 'received', bills: [] });
    const page = await service.listForAccount(customer, ACCOUNT, {});
    expect(page.items.map((v) => [v.status, v.bills.length])).toEqual([
      ['billed', 1],
      ['accepted', 0],
    ]);
  });

  // Regression: a ClickHouse outage (or a table not migrated yet) answered GETs with 500 INTERNAL_ERROR.
  it('the store down is 503 DEPENDENCY_UNAVAILABLE with a retry hint, never a 500; not-found stays 404', async () => {
    const down = async (): Promise<never> => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:8123');
    };
    const repo: MeterReadingRepository = {
      insert: down,
      insertReviews: down,
      findDecided: down,
      acceptedHistory: down,
      findForAccount: down,
      findById: down,
      listForAccount: down,
    };
    const service = new ReadingQueryService(repo);
    const customer = { kind: 'customer', accountId: ACCOUNT } as unknown as Principal;
    for (const call of [() => service.getReading(customer, stored().readingId), () => service.listForAccount(customer, ACCOUNT, {})]) {
      await expect(call()).rejects.toMatchObject({ kind: 'unavailable', code: 'DEPENDENCY_UNAVAILABLE', details: { retryAfterSeconds: 5 } });
    }
    await expect(service.listForAccount(customer, 'ACC-OTHER', {})).rejects.toMatchObject({ kind: 'not_found', code: 'ACCOUNT_NOT_FOUND' });
  });
});
