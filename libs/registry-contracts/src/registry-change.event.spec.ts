import {
  ACCOUNT_SNAPSHOT_SCHEMA,
  type AccountSnapshotV1,
  decodeRegistrySnapshot,
  encodeRegistrySnapshot,
  RegistryRecordError,
  snapshotKey,
  TARIFF_SNAPSHOT_SCHEMA,
  type TariffSnapshotV1,
} from './registry-change.event';

const account: AccountSnapshotV1 = {
  schema: ACCOUNT_SNAPSHOT_SCHEMA,
  revision: '42',
  accountId: 'ACC-1',
  category: 'C',
  categoryEffectiveFrom: '2022-01-01',
  domestic: true,
  vulnerable: false,
  vatRate: '0.05',
  supplyPoints: [
    {
      supplyPointId: '1200000000002',
      fuel: 'electricity',
      supplyStart: '2021-06-01',
      meters: [{ meterSerial: 'E1', installedOn: '2021-06-01', removedOn: null, registers: [{ registerId: 'S', kind: 'import', digits: 5, unit: 'kWh', eacKwh: '2900', eacEffectiveFrom: '2021-06-01' }] }],
    },
  ],
  agreements: [{ agreementId: '1', supplyPointId: '1200000000002', tariffId: 'T', validFrom: '2021-06-01', validTo: null }],
  change: 'account.created',
  changedAt: '2022-03-31T12:00:00.000Z',
};

const tariff: TariffSnapshotV1 = {
  schema: TARIFF_SNAPSHOT_SCHEMA,
  revision: '7',
  tariffId: 'T',
  name: 'Price cap',
  fuel: 'electricity',
  unitRates: [{ registerKind: 'import', validFrom: '2022-04-01', validTo: null, exVat: '26.99', incVat: '28.34' }],
  standingCharges: [{ validFrom: '2022-04-01', validTo: null, exVat: '43.18', incVat: '45.34' }],
  change: 'tariff.created',
  changedAt: '2022-03-31T12:00:00.000Z',
};

const reason = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof RegistryRecordError) return e.reason;
    throw e;
  }
  return 'none';
};

describe('registry.v1 contract', () => {
  it('round-trips account and tariff snapshots under their keys', () => {
    expect(snapshotKey(account)).toBe('ACC-1');
    expect(snapshotKey(tariff)).toBe('tariff:T');
    expect(decodeRegistrySnapshot(encodeRegistrySnapshot(account), 'ACC-1')).toEqual(account);
    expect(decodeRegistrySnapshot(encodeRegistrySnapshot(tariff), 'tariff:T')).toEqual(tariff);
  });

  it('refuses what no consumer can use, with a reason', () => {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o));
    expect(reason(() => decodeRegistrySnapshot(Buffer.from('{nope')))).toBe('MALFORMED_JSON');
    expect(reason(() => decodeRegistrySnapshot(enc([1])))).toBe('NOT_AN_OBJECT');
    expect(reason(() => decodeRegistrySnapshot(enc({ ...account, schema: 'registry.account.v9' })))).toBe('UNKNOWN_SCHEMA');
    expect(reason(() => decodeRegistrySnapshot(enc({ ...account, revision: 42 })))).toBe('INVALID_REVISION');
    expect(reason(() => decodeRegistrySnapshot(enc({ ...account, category: 'E' })))).toBe('INVALID_ENUM');
    expect(reason(() => decodeRegistrySnapshot(enc({ ...account, vatRate: 0.05 })))).toBe('INVALID_DECIMAL');
    const badDigits = { ...account, supplyPoints: [{ ...account.supplyPoints[0]!, meters: [{ ...account.supplyPoints[0]!.meters[0]!, registers: [{ ...account.supplyPoints[0]!.meters[0]!.registers[0]!, digits: 0 }] }] }] };
    expect(reason(() => decodeRegistrySnapshot(enc(badDigits)))).toBe('INVALID_DIGITS');
    expect(reason(() => decodeRegistrySnapshot(enc({ ...tariff, unitRates: [{ ...tariff.unitRates[0]!, validFrom: '1 April' }] })))).toBe('INVALID_DATE');
    expect(reason(() => decodeRegistrySnapshot(encodeRegistrySnapshot(account), 'OTHER'))).toBe('KEY_MISMATCH');
    expect(reason(() => decodeRegistrySnapshot(encodeRegistrySnapshot(tariff), 'T'))).toBe('KEY_MISMATCH');
  });
});
