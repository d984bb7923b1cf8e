import { ACCOUNT_SNAPSHOT_SCHEMA, type AccountSnapshotV1 } from './registry-change.event';
import { RegisterStateProjection } from './register-state.projection';

const snapshot = (revision: string, eac: string | null, registers: string[] = ['S'], category: 'C' | 'D' = 'D'): AccountSnapshotV1 => ({
  schema: ACCOUNT_SNAPSHOT_SCHEMA,
  revision,
  accountId: 'ACC-1',
  category,
  categoryEffectiveFrom: '2021-06-01',
  domestic: true,
  vulnerable: false,
  vatRate: '0.05',
  supplyPoints: [{ supplyPointId: '1200000000002', fuel: 'electricity', supplyStart: '2021-06-01', meters: [{ meterSerial: 'E1', installedOn: '2021-06-01', removedOn: null, registers: registers.map((r) => ({ registerId: r, kind: r === 'S' ? 'import' : 'export', digits: 5, unit: 'kWh', eacKwh: eac, eacEffectiveFrom: '2021-06-01' })) }] }],
  agreements: [],
  change: 'test',
  changedAt: '2022-01-01T00:00:00.000Z',
});

describe('register state from registry.v1', () => {
  it('keeps the highest revision per account, whatever the order and however often records arrive', () => {
    const p = new RegisterStateProjection();
    expect(p.apply(snapshot('5', '2900'))).toBe(true);
    expect(p.apply(snapshot('9', '3300', ['S'], 'C'))).toBe(true);
    expect(p.apply(snapshot('7', '1000'))).toBe(false); // older, arrived late
    expect(p.apply(snapshot('9', '3300', ['S'], 'C'))).toBe(false); // redelivered
    expect(p.register('1200000000002', 'E1', 'S')).toEqual({ accountId: 'ACC-1', category: 'C', digits: 5, eacKwh: '3300', revision: 9n });
    expect(p.register('1200000000002', 'E1', 'NIGHT')).toBeUndefined();
  });

  it('drops registers that left the account in a newer snapshot', () => {
    const p = new RegisterStateProjection();
    p.apply(snapshot('1', '2900', ['S', 'EXPORT']));
    expect(p.size).toBe(2);
    p.apply(snapshot('2', '2900', ['S']));
    expect(p.size).toBe(1);
    expect(p.register('1200000000002', 'E1', 'EXPORT')).toBeUndefined();
  });
});
