import { ACCOUNT_CSV_COLUMNS, AccountCsvGrouper, CsvHeaderError, parseHeader } from './account-csv.parser';
import { sampleMpan } from '@surge-test/fixtures/registry.stub';

const header = ACCOUNT_CSV_COLUMNS.join(',');
const line = (account: string, mpan: string, register = 'S', kind = 'import', category = 'D') =>
  [account, category, 'true', 'false', '0.05', mpan, 'electricity', '2021-06-01', 'M1', '2021-06-01', register, kind, '5', 'kWh', '2900'].join(',');

describe('account CSV grouping', () => {
  it('groups contiguous lines into accounts with their registers, checked like the API', () => {
    const g = new AccountCsvGrouper(parseHeader(header));
    const out = [
      g.push(line('A1', sampleMpan(1)), 2),
      g.push(line('A1', sampleMpan(1), 'EXPORT', 'export'), 3),
      g.push(line('A2', sampleMpan(2)), 4),
      g.flush(),
    ].filter(Boolean);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ ok: true, lastLine: 3, account: { accountId: 'A1', supplyPoints: [{ meters: [{ registers: [{ registerId: 'S' }, { registerId: 'EXPORT' }] }] }] } });
    expect(out[1]).toMatchObject({ ok: true, lastLine: 4, account: { accountId: 'A2' } });
  });

  it('reports a bad account with its lines and reasons, and goes on', () => {
    const g = new AccountCsvGrouper(parseHeader(header));
    g.push(line('B1', '1400000001238'), 2);
    g.push(line('B1', sampleMpan(3), 'S', 'import', 'C'), 3);
    const bad = g.push(line('B2', sampleMpan(4)), 4);
    expect(bad).toMatchObject({ ok: false, accountId: 'B1', firstLine: 2, lastLine: 3 });
    expect(bad && !bad.ok && bad.issues.map((i) => i.code).sort()).toEqual(['INCONSISTENT', 'INVALID_MPAN']);
    expect(g.flush()).toMatchObject({ ok: true });
  });

  it('refuses a header with missing or unknown columns', () => {
    expect(() => parseHeader('account_id,colour')).toThrow(CsvHeaderError);
    expect(() => parseHeader('account_id,colour')).toThrow(/missing category.*unknown colour/);
    expect(parseHeader([...ACCOUNT_CSV_COLUMNS].reverse().join(',')).account_id).toBe(ACCOUNT_CSV_COLUMNS.length - 1);
  });
});
