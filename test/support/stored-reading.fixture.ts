import type { StoredReading } from '@surge/reading-store/meter-reading.repository';

/** A decided, accepted reading for tests: one register of one electricity supply point, read on 31 March 2022. */
export function storedReading(overrides: Partial<StoredReading> = {}): StoredReading {
  const readAt = overrides.readAt ?? '2022-03-31T23:00:00.000Z';
  return {
    readingId: '0190a0a0-0000-4000-8000-000000000001',
    accountId: 'ACC-1',
    supplyPointId: '1200023305967',
    fuel: 'electricity',
    meterSerial: 'M1',
    registerId: 'S',
    readAt,
    value: '1234.5',
    unit: 'kWh',
    source: 'C',
    channel: 'web',
    status: 'accepted',
    reasonCode: '',
    industryCode: '',
    message: '',
    duplicateOf: '',
    backdated: false,
    rolledOver: false,
    flags: [],
    submittedAtMs: Date.parse(readAt),
    decidedAtMs: Date.parse(readAt) + 1000,
    correlationId: 'c',
    version: 1,
    ...overrides,
  };
}
