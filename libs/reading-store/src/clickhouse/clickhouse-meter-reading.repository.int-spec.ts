import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Principal } from '@surge/auth/principal.model';
import { createClickHouse, ensureDatabase } from '@surge/clickhouse/clickhouse.factory';
import { READING_CLICKHOUSE_MIGRATIONS } from './reading-clickhouse.migrations';
import { migrateClickHouse } from '@surge/clickhouse/clickhouse.migrator';
import { sqlString } from '@surge/clickhouse/clickhouse.sql';
import { clickHouseSettings, uniqueName } from '@surge-test/support/test-env.config';
import type { StoredReading } from '../meter-reading.repository';
import { ClickHouseMeterReadingRepository } from './clickhouse-meter-reading.repository';
import { ReadingQueryService } from '@surge/reading-query/reading-query.service';
import { storedReading } from '@surge-test/fixtures/stored-reading.stub';

/**
 * "Later billed" on the read path, against the real ClickHouse (this file's own database): readings
 * from meter_readings joined with the marks billing's relay writes to reading_bills, in one query.
 * The marks are written here exactly as the relay writes them (row shape of
 * libs/billing/src/billed-reading.mapper.ts); the read path never imports billing.
 */
describe('reading lookups with the bills that used them (ClickHouse)', () => {
  const database = uniqueName('it_reading_bills');
  let ch: ClickHouseClient;
  let repo: ClickHouseMeterReadingRepository;

  beforeAll(async () => {
    await ensureDatabase(clickHouseSettings(database));
    ch = createClickHouse(clickHouseSettings(database));
    await migrateClickHouse(ch, READING_CLICKHOUSE_MIGRATIONS);
    repo = new ClickHouseMeterReadingRepository(ch);
  });

  afterAll(async () => {
    await ch?.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await ch?.close();
  });

  const reading = (accountId: string, readAt: string, overrides: Partial<StoredReading> = {}): StoredReading =>
    storedReading({ readingId: randomUUID(), accountId, readAt, correlationId: randomUUID(), ...overrides });

  interface Mark {
    accountId: string;
    readingId: string;
    billId: string;
    periodStart: string;
    periodEnd: string;
  }
  /** One relay insert (its own part, as a redelivery would be). */
  const relay = (marks: readonly Mark[]) =>
    ch.insert({
      table: 'reading_bills',
      format: 'JSONEachRow',
      values: marks.map((m) => ({
        account_id: m.accountId,
        reading_id: m.readingId,
        bill_id: m.billId,
        period_start: m.periodStart,
        period_end: m.periodEnd,
        billed_at: '2022-05-02 09:00:00',
      })),
    });
  const rawMarks = async (accountId: string) => {
    const rs = await ch.query({ query: `SELECT count() AS n FROM reading_bills WHERE account_id = ${sqlString(accountId)}`, format: 'JSONEachRow' });
    return Number((await rs.json<{ n: string }>())[0]!.n);
  };
  const customer = (accountId: string) => ({ kind: 'customer', id: `c-${accountId}`, accountId }) as unknown as Principal;

  it('a reading with marks reads back billed with its bill ids; a redelivered mark shows once, before and after merges', async () => {
    const account = uniqueName('acct');
    const opening = reading(account, '2022-03-01T07:00:00.000Z');
    const closing = reading(account, '2022-05-01T07:00:00.000Z');
    const unbilled = reading(account, '2022-05-20T07:00:00.000Z');
    await repo.insert([opening, closing, unbilled]);

    const bill = { billId: randomUUID(), periodStart: '2022-03-01', periodEnd: '2022-05-01' };
    const correction = { billId: randomUUID(), periodStart: '2022-03-01', periodEnd: '2022-05-01' };
    const marks = [opening, closing].map((r) => ({ accountId: account, readingId: r.readingId, ...bill }));
    await relay(marks);
    await relay(marks); // the relay died after ClickHouse confirmed, before its outbox delete committed: sent again
    await relay([{ accountId: account, readingId: closing.readingId, ...correction }]);
    expect(await rawMarks(account)).toBe(5); // nothing merged yet: the duplicates are really there

    const expectedClosing = [bill, correction].sort((a, b) => (a.billId < b.billId ? -1 : 1));
    const check = async () => {
      expect((await repo.findForAccount(account, opening.readingId))!.bills).toEqual([bill]);
      expect((await repo.findForAccount(account, closing.readingId))!.bills).toEqual(expectedClosing);
      expect((await repo.findForAccount(account, unbilled.readingId))!.bills).toEqual([]);

      const service = new ReadingQueryService(repo);
      expect(await service.getReading(customer(account), closing.readingId)).toMatchObject({ readingId: closing.readingId, status: 'billed', bills: expectedClosing });
      expect(await service.getReading(customer(account), unbilled.readingId)).toMatchObject({ status: 'accepted', bills: [] });
      const page = await service.listForAccount(customer(account), account, {});
      expect(page.items.map((v) => [v.readingId, v.status, v.bills.map((b) => b.billId)])).toEqual([
        [unbilled.readingId, 'accepted', []],
        [closing.readingId, 'billed', expectedClosing.map((b) => b.billId)],
        [opening.readingId, 'billed', [bill.billId]],
      ]);
    };
    await check();
    await ch.command({ query: 'OPTIMIZE TABLE reading_bills FINAL' });
    expect(await rawMarks(account)).toBe(3);
    await check();
  });

  it('paging keeps its order and each page carries its own readings\' bills', async () => {
    const account = uniqueName('acct');
    const readings = Array.from({ length: 5 }, (_, i) => reading(account, `2022-0${i + 1}-01T07:00:00.000Z`));
    await repo.insert(readings);
    const bills = readings.map((r, i) => ({ accountId: account, readingId: r.readingId, billId: randomUUID(), periodStart: `2022-0${i + 1}-01`, periodEnd: `2022-0${i + 2}-01` }));
    await relay(bills.filter((_, i) => i % 2 === 0));

    const service = new ReadingQueryService(repo);
    const first = await service.listForAccount(customer(account), account, { limit: '2' });
    const second = await service.listForAccount(customer(account), account, { limit: '2', cursor: first.nextCursor! });
    const third = await service.listForAccount(customer(account), account, { limit: '2', cursor: second.nextCursor! });
    const all = [...first.items, ...second.items, ...third.items];
    expect(all.map((v) => v.readingId)).toEqual([...readings].reverse().map((r) => r.readingId));
    expect(all.map((v) => v.status)).toEqual(['billed', 'accepted', 'billed', 'accepted', 'billed']);
    expect(all.map((v) => v.bills[0]?.billId ?? null)).toEqual([bills[4]!.billId, null, bills[2]!.billId, null, bills[0]!.billId]);
    expect(third.nextCursor).toBeNull();
  });

  it('only an accepted reading becomes billed; later decisions collapse first; another account\'s marks never show', async () => {
    const account = uniqueName('acct');
    const other = uniqueName('acct');
    const held = reading(account, '2022-03-01T07:00:00.000Z', { status: 'held', reasonCode: 'READ_OUTSIDE_EXPECTED_RANGE', version: 1 });
    const reviewed = { ...held, status: 'accepted' as const, reasonCode: '', decidedAtMs: held.decidedAtMs + 60_000, version: 2 };
    const rejected = reading(account, '2022-04-01T07:00:00.000Z', { status: 'rejected', reasonCode: 'READ_BELOW_PREVIOUS' });
    await repo.insert([held, rejected]);
    await repo.insert([reviewed]);
    const bill = { billId: randomUUID(), periodStart: '2022-03-01', periodEnd: '2022-05-01' };
    await relay([
      { accountId: account, readingId: held.readingId, ...bill },
      { accountId: account, readingId: rejected.readingId, ...bill },
      { accountId: other, readingId: held.readingId, billId: randomUUID(), periodStart: '2022-01-01', periodEnd: '2022-03-01' },
    ]);

    const service = new ReadingQueryService(repo);
    expect(await service.getReading(customer(account), held.readingId)).toMatchObject({ status: 'billed', bills: [bill], decidedAt: new Date(reviewed.decidedAtMs).toISOString() });
    expect(await service.getReading(customer(account), rejected.readingId)).toMatchObject({ status: 'rejected', bills: [bill] });
    // The other account's mark names the same reading id but is not this account's story.
    expect((await repo.findForAccount(account, held.readingId))!.bills).toEqual([bill]);
    expect(await repo.findForAccount(other, held.readingId)).toBeNull();
  });

  it('serves the value as the decimal submitted: "10600" stays "10600" (Decimal64(1) prints "10600.0"), "10600.5" stays', async () => {
    const account = uniqueName('acct');
    const whole = reading(account, '2022-03-01T00:00:00.000Z', { value: '10600' });
    const tenth = reading(account, '2022-03-02T00:00:00.000Z', { value: '10600.5' });
    const zero = reading(account, '2022-03-03T00:00:00.000Z', { value: '0' });
    await repo.insert([whole, tenth, zero]);
    expect((await repo.findForAccount(account, whole.readingId))!.value).toBe('10600');
    expect((await repo.findForAccount(account, tenth.readingId))!.value).toBe('10600.5');
    expect((await repo.findForAccount(account, zero.readingId))!.value).toBe('0');
    expect((await repo.listForAccount(account, { limit: 10 })).map((r) => r.value)).toEqual(['0', '10600.5', '10600']);
  });

  it('staff find a reading by id alone (no accountId); a customer still only their own; nobody else\u2019s marks show', async () => {
    const account = uniqueName('acct');
    const other = uniqueName('acct');
    const r = reading(account, '2022-03-31T00:00:00.000Z');
    await repo.insert([r]);
    const bill = { billId: randomUUID(), periodStart: '2022-03-01', periodEnd: '2022-04-01' };
    await relay([
      { accountId: account, readingId: r.readingId, ...bill },
      { accountId: other, readingId: r.readingId, billId: randomUUID(), periodStart: '2022-01-01', periodEnd: '2022-03-01' },
    ]);
    const service = new ReadingQueryService(repo);
    const staff = { kind: 'service', id: 'staff', scopes: ['readings:read'] } as unknown as Principal;
    const collector = { kind: 'service', id: 'dc', scopes: ['readings:submit'] } as unknown as Principal;
    expect(await service.getReading(staff, r.readingId)).toMatchObject({ readingId: r.readingId, accountId: account, status: 'billed', bills: [bill] });
    expect(await service.getReading(staff, r.readingId, account)).toMatchObject({ readingId: r.readingId, accountId: account });
    await expect(service.getReading(staff, r.readingId, other)).rejects.toMatchObject({ code: 'READING_NOT_FOUND' });
    await expect(service.getReading(staff, randomUUID())).rejects.toMatchObject({ code: 'READING_NOT_FOUND' });
    await expect(service.getReading(customer(other), r.readingId)).rejects.toMatchObject({ code: 'READING_NOT_FOUND' });
    await expect(service.getReading(collector, r.readingId)).rejects.toMatchObject({ code: 'READING_NOT_FOUND' });
    expect(await service.getReading(customer(account), r.readingId)).toMatchObject({ readingId: r.readingId });
  });

  // Regression: a sink batch of 5,000 readings built one IN list longer than ClickHouse's max_query_size
  // (256 KiB): the query failed on every retry and the sink stalled for good (seen in a surge run).
  it('looks up and reads the history of batches far larger than one query may name', async () => {
    const n = 8_000;
    const account = `ACC-BIG-${randomUUID()}`;
    const many = Array.from({ length: n }, (_, i) =>
      reading(account, '2022-03-01T07:00:00.000Z', { supplyPointId: String(1_000_000_000_000 + i), value: String(i) }),
    );
    await repo.insert(many);
    const decided = await repo.findDecided(
      many.map((r) => r.accountId),
      many.map((r) => r.readingId),
    );
    expect(decided.size).toBe(n);
    const history = await repo.acceptedHistory(many);
    expect(history.size).toBe(n);
    expect([...history.values()].every((h) => h.length === 1)).toBe(true);
    expect(history.get(`${account}|${1_000_000_000_123}|S`)![0]!.value).toBe('123.0');
  });

  // A whole sink batch (5,000 readings over 5,000 accounts) is one lookup and one history query, not five of each:
  // ClickHouse spent about half the CPU on one large query (docs/benchmarks.md). The query text is then past the
  // default max_query_size, which the lookups raise for themselves.
  it('looks up and reads the history of a 5,000-reading batch in one query each', async () => {
    const n = 5_000;
    const batch = Array.from({ length: n }, (_, i) => reading(`ACC-B${i}-${randomUUID()}`, '2022-03-01T07:00:00.000Z', { value: String(i) }));
    await repo.insert(batch.slice(0, 10));
    const queries: string[] = [];
    const counting = new Proxy(ch, {
      get: (target, prop, receiver) =>
        prop === 'query'
          ? (params: Parameters<ClickHouseClient['query']>[0]) => {
              queries.push(params.query);
              return target.query(params);
            }
          : Reflect.get(target, prop, receiver),
    });
    const counted = new ClickHouseMeterReadingRepository(counting);
    const decided = await counted.findDecided(batch.map((r) => r.accountId), batch.map((r) => r.readingId));
    expect(decided.size).toBe(10);
    expect(queries).toHaveLength(2); // which ids exist, then the 10 found
    const history = await counted.acceptedHistory(batch);
    expect(queries).toHaveLength(3);
    expect(history.size).toBe(n);
    expect([...history.values()].filter((h) => h.length === 1)).toHaveLength(10);
  });

  // The history query names accounts, not registers, when each account has few in the batch: the rows of an
  // account's other registers come back too and must not be taken into the register asked for.
  it('reads the history of the registers asked for only, not of the same accounts\' other registers', async () => {
    const account = `ACC-TWO-${randomUUID()}`;
    const asked = reading(account, '2022-03-01T07:00:00.000Z', { supplyPointId: '1200023305967', registerId: 'S', value: '100' });
    const other = reading(account, '2022-03-02T07:00:00.000Z', { supplyPointId: '1200023305967', registerId: 'NIGHT', value: '7' });
    const gas = reading(account, '2022-03-03T07:00:00.000Z', { supplyPointId: '9876543210', registerId: 'S', fuel: 'gas', unit: 'm3', value: '55' });
    await repo.insert([asked, other, gas]);
    const history = await repo.acceptedHistory([asked]);
    expect([...history.keys()]).toEqual([`${account}|1200023305967|S`]);
    expect(history.get(`${account}|1200023305967|S`)!.map((h) => h.value)).toEqual(['100.0']);
    // Many registers of one account in one chunk name their tuples: still exactly those asked for.
    const many = Array.from({ length: 30 }, (_, i) => reading(account, '2022-03-04T07:00:00.000Z', { supplyPointId: String(1_100_000_000_000 + i), value: String(i) }));
    await repo.insert(many);
    const some = await repo.acceptedHistory(many.slice(0, 10));
    expect(some.size).toBe(10);
    expect([...some.values()].every((h) => h.length === 1)).toBe(true);
  });

  // Regression guard: with accounts named instead of registers, the chunk holding an account's first register
  // also reads the rows of its register in the next chunk; taken there too, that history would hold each row twice.
  it('an account whose registers fall in two chunks gets each register\'s history once', async () => {
    const shared = `ACC-SPLIT-${randomUUID()}`;
    const singles = Array.from({ length: 999 }, (_, i) => reading(`ACC-ONE-${i}-${randomUUID()}`, '2022-03-01T07:00:00.000Z', { value: String(i) }));
    const first = reading(shared, '2022-03-01T07:00:00.000Z', { supplyPointId: '1200023305967', registerId: 'S', value: '10' });
    const second = reading(shared, '2022-03-02T07:00:00.000Z', { supplyPointId: '1200023305967', registerId: 'NIGHT', value: '20' });
    await repo.insert([...singles, first, second]);
    const history = await repo.acceptedHistory([...singles, first, second]); // first is the 1,000th key, second the 1,001st
    expect(history.get(`${shared}|1200023305967|S`)!.map((h) => h.value)).toEqual(['10.0']);
    expect(history.get(`${shared}|1200023305967|NIGHT`)!.map((h) => h.value)).toEqual(['20.0']);
  });
});
